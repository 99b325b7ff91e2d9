from django import forms
from django.contrib import admin
from django.contrib.gis import admin as gis_admin
from django.core.exceptions import ValidationError

from layers.access import can_write, stewarded_departments, writable_layers
from layers.catalog import bump_version, delete_layer, publish_changes
from layers.models import ApiToken, Department, Feature, Layer
from layers.schema import validate_property_schema, validate_style
from layers.widgets import OfflineMapWidget


class LayerForm(forms.ModelForm):
    class Meta:
        model = Layer
        fields = "__all__"

    def clean_property_schema(self):
        schema = self.cleaned_data["property_schema"]
        validate_property_schema(schema)
        return schema

    def clean_style(self):
        style = self.cleaned_data["style"]
        if style:
            validate_style(style)
        return style

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("access") == "restricted" and not cleaned.get("groups"):
            raise ValidationError("A restricted layer needs at least one group, or nobody but superusers sees it.")
        return cleaned


@admin.register(Layer)
class LayerAdmin(gis_admin.GISModelAdmin):
    form = LayerForm
    gis_widget = OfflineMapWidget
    list_display = ["slug", "title_vi", "domain", "kind", "access", "owner", "feature_count", "version", "updated_at"]
    list_filter = ["domain", "kind", "access", "time_kind"]
    search_fields = ["slug", "title_vi", "title_en", "source_department"]
    readonly_fields = ["version", "feature_count", "extent", "created_at", "updated_at"]
    filter_horizontal = ["groups"]

    # Staff who are not superusers see and change only the layers they may write (layers.access), and
    # may give a layer only to a department they steward: the write rule, not Django's model
    # permissions alone, decides.
    def get_queryset(self, request):
        layers = super().get_queryset(request)
        if request.user.is_superuser:
            return layers
        return layers.filter(pk__in=writable_layers(request.user).values("pk"))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_write(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_write(request.user, obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner" and not request.user.is_superuser:
            kwargs["queryset"] = stewarded_departments(request.user)
            kwargs["required"] = True  # an ownerless layer is a superuser's only
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # The same deletion as DELETE /api/layers/{slug}/: the partition truncated, the files removed.
    def delete_model(self, request, obj):
        delete_layer(obj)

    def delete_queryset(self, request, queryset):
        for layer in queryset:
            delete_layer(layer)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Titles, style or access changed: readers (tiles, caches, ETags) must see a new version.
        if change:
            bump_version(form.instance)


@admin.register(Feature)
class FeatureAdmin(gis_admin.GISModelAdmin):
    gis_widget = OfflineMapWidget
    list_display = ["id", "layer", "source_id", "time_start"]
    list_filter = ["layer"]
    search_fields = ["source_id"]
    list_select_related = ["layer"]
    raw_id_fields = ["layer"]

    # The features of the layers the user may write only, like LayerAdmin.
    def get_queryset(self, request):
        features = super().get_queryset(request)
        if request.user.is_superuser:
            return features
        return features.filter(layer__in=writable_layers(request.user).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "layer" and not request.user.is_superuser:
            kwargs["queryset"] = writable_layers(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        publish_changes(obj.layer)

    def delete_model(self, request, obj):
        layer = obj.layer
        super().delete_model(request, obj)
        publish_changes(layer)

    def delete_queryset(self, request, queryset):
        layers = {f.layer for f in queryset.select_related("layer")}
        super().delete_queryset(request, queryset)
        for layer in layers:
            publish_changes(layer)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "kind", "group"]
    list_filter = ["kind"]
    search_fields = ["code", "name_vi", "name_en"]
    filter_horizontal = ["stewards"]
    list_select_related = ["group"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    search_fields = ["user__username", "name", "prefix"]

    def has_add_permission(self, request):
        return False  # a key is shown once: create tokens with `manage.py create_api_token`
