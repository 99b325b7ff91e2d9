"""The JSON shapes of the wall's API, for the OpenAPI schema (drf-spectacular reads these serializers;
the views answer the dicts of wall.panels and wall.api.state_body). A panel's `data` depends on its
kind, so it is an object whose members the description names."""

from rest_framework import serializers

from geo_ioc.openapi import FreeFormField
from wall import control
from wall.layout import LAYOUT_SCHEMA

# The kinds a layout may hold (wall.layout validates every saved layout against its schema).
PANEL_KINDS = LAYOUT_SCHEMA["properties"]["panels"]["items"]["properties"]["kind"]["enum"]


class _Cells(serializers.Serializer):
    rows = serializers.IntegerField()
    cols = serializers.IntegerField()


class _Scene(serializers.Serializer):
    slug = serializers.CharField()
    title_vi = serializers.CharField()
    title_en = serializers.CharField()
    grid = _Cells(help_text="The scene's grid of cells.")
    screens = _Cells(help_text="The screens the grid spans (the grid when not given).")
    as_of = serializers.DateTimeField(help_text="The time the numbers are for.")
    live = serializers.BooleanField(help_text="false: a scene fixed at a past time (as_of).")


class _Panel(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=PANEL_KINDS)
    title_vi = serializers.CharField(allow_blank=True)
    title_en = serializers.CharField(allow_blank=True)
    row = serializers.IntegerField()
    col = serializers.IntegerField()
    rows = serializers.IntegerField()
    cols = serializers.IntegerField()
    data = FreeFormField(help_text=(
        "The panel's numbers, shaped by its kind (wall.panels): {} for a clock; {layers, bbox} for a map "
        "(each layer with its tile URLs); a value, a series, rows or items for the others."))


class SceneData(serializers.Serializer):
    scene = _Scene()
    version = serializers.CharField(help_text="The data version: the ETag, for If-None-Match polling.")
    panels = _Panel(many=True, help_text="Only the panels over layers the caller may see.")


class _PlaylistScene(serializers.Serializer):
    slug = serializers.CharField()
    title_vi = serializers.CharField()
    title_en = serializers.CharField()
    duration = serializers.IntegerField(help_text="Seconds on screen.")


class PlaylistState(serializers.Serializer):
    playlist = serializers.CharField()
    title_vi = serializers.CharField()
    title_en = serializers.CharField()
    position = serializers.IntegerField(help_text="Index in `scenes` of the scene on now.")
    scene = serializers.CharField(help_text="The slug of the scene on now.")
    paused = serializers.BooleanField()
    revision = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="null while paused.")
    server_time = serializers.DateTimeField()
    scenes = _PlaylistScene(many=True, help_text="The scenes shown to the caller, in order.")


class WallCommand(serializers.Serializer):
    action = serializers.ChoiceField(choices=control.ACTIONS)
    position = serializers.IntegerField(required=False)
