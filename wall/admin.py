import json

from django import forms
from django.contrib import admin
from django.forms.fields import InvalidJSONInput

from wall.models import Playlist, PlaylistEntry, Scene, WallState


class IndentedJSONField(forms.JSONField):
    """A layout is edited by hand: show it indented, one panel over a few lines."""

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class LayoutForm(forms.ModelForm):
    # The model's clean() checks the layout against wall.layout's schema and rules.
    layout = IndentedJSONField(widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "style": "font-family: monospace"}))

    class Meta:
        model = Scene
        fields = "__all__"


@admin.register(Scene)
class SceneAdmin(admin.ModelAdmin):
    form = LayoutForm
    list_display = ["slug", "title_vi", "title_en", "as_of", "updated_at"]
    search_fields = ["slug", "title_vi", "title_en"]
    prepopulated_fields = {"slug": ["title_en"]}


class EntryInline(admin.TabularInline):
    model = PlaylistEntry
    extra = 1
    fields = ["order", "scene", "duration_seconds"]


class StateInline(admin.StackedInline):
    model = WallState
    extra = 0
    can_delete = False
    readonly_fields = ["position", "started_at", "paused", "revision", "changed_by"]


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ["slug", "title_vi", "title_en"]
    inlines = [EntryInline, StateInline]
