from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.gis import admin as gis_admin
from django.core.exceptions import ValidationError

from layers.access import can_write, can_write_deleted, stewarded_departments, writable_layers
from layers.catalog import bump_version, delete_layer, publish_changes
from layers import history
from layers.errors import ApiError
from layers.models import ApiToken, Department, Feature, KeptReason, KeptVersion, Layer
from layers.schema import validate_property_schema, validate_style
from layers.titles import taken_title
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
        # Titles are unique per department: its panel would list two layers under one name.
        owner = cleaned.get("owner")
        taken = taken_title([cleaned.get("title_vi"), cleaned.get("title_en")], owner.pk if owner else None,
                            exclude_pk=self.instance.pk)
        if taken:
            raise ValidationError({"title_vi": f"Another layer of this department is already called “{taken}”: "
                                               "give this one a title of its own."})
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
        delete_layer(obj, user_id=request.user.pk)

    def delete_queryset(self, request, queryset):
        for layer in queryset:
            delete_layer(layer, user_id=request.user.pk)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Titles, style or access changed: readers (tiles, caches, ETags) must see a new version. The
        # audit log records it with the groups the layer is restricted to now (a link table it does not copy).
        if change:
            groups = sorted(form.instance.groups.values_list("name", flat=True))
            with history.change("admin.change", fields=sorted(form.changed_data), groups=groups):
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


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(apps.get_model("layers", "LayerEvent"))
class LayerEventAdmin(_ReadOnly):
    """The audit log: read-only here, append-only in the database (a trigger refuses UPDATE/DELETE)."""

    list_display = ["pgh_created_at", "pgh_label", "slug", "version", "feature_count", "access", "context"]
    list_filter = ["pgh_label"]
    search_fields = ["slug"]
    list_select_related = ["pgh_context"]

    def context(self, event) -> str:
        return str(event.pgh_context.metadata) if event.pgh_context else ""

    def get_queryset(self, request):
        events = super().get_queryset(request)
        if request.user.is_superuser:
            return events
        return events.filter(pgh_obj_id__in=writable_layers(request.user).values("pk"))


@admin.register(KeptVersion)
class KeptVersionAdmin(_ReadOnly):
    """Replaced versions (roll back to one) and deleted layers (restore one), through layers.history:
    the same functions as POST /api/layers/{slug}/rollback/ and /restore/."""

    list_display = ["slug", "version", "reason", "feature_count", "kept_at", "kept_by"]
    list_filter = ["reason"]
    search_fields = ["slug"]
    actions = ["roll_back", "restore"]

    def get_queryset(self, request):
        kept = super().get_queryset(request)
        if request.user.is_superuser:
            return kept
        live = writable_layers(request.user).values_list("pk", flat=True)
        return kept.filter(pk__in=[k.pk for k in kept if k.layer_id in live or (
            k.reason == KeptReason.DELETED and can_write_deleted(request.user, k.row))])

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description="Roll the layer back to this version (as a new version)")
    def roll_back(self, request, queryset):
        for kept in queryset.filter(reason=KeptReason.REPLACED):
            layer = Layer.objects.filter(pk=kept.layer_id).first()
            if layer is None or not can_write(request.user, layer):
                continue
            try:
                layer = history.rollback(layer=layer, version=kept.version, user=request.user)
            except ApiError as error:
                self.message_user(request, f"{kept.slug}: {error.detail}", messages.ERROR)
                continue
            self.message_user(request, f"{layer.slug}: v{kept.version} is live again as v{layer.version}.")

    @admin.action(description="Restore this deleted layer")
    def restore(self, request, queryset):
        for kept in queryset.filter(reason=KeptReason.DELETED):
            try:
                layer = history.restore(kept=history.restorable(request.user, kept.slug))
            except ApiError as error:
                self.message_user(request, f"{kept.slug}: {error.detail}", messages.ERROR)
                continue
            self.message_user(request, f"{layer.slug} is restored as v{layer.version}.")
