from django import forms
from django.contrib import admin
from django.contrib.gis import admin as gis_admin
from django.core.exceptions import ValidationError

from layers.widgets import OfflineMapWidget
from monitoring.layers import sync_layer
from monitoring.models import (
    AdminUnit,
    AlertEvent,
    AlertRule,
    BoundaryVersion,
    Crosswalk,
    Indicator,
    Notification,
    NotificationChannel,
    Service,
    Silence,
    Submission,
    Value,
    ValueHistory,
)
from monitoring.rules import check_rule


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["slug", "title_vi", "unit", "period_type", "aggregation", "access"]
    show_change_link = True
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["slug", "title_vi", "department", "due_rule", "due_day", "due_hour", "position"]
    list_filter = ["due_rule", "department"]
    search_fields = ["slug", "title_vi", "title_en"]
    filter_horizontal = ["layers"]
    inlines = [IndicatorInline]


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        exclude = ["layer"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("access") == "restricted" and not cleaned.get("groups"):
            raise ValidationError("A restricted indicator needs at least one group, or nobody but superusers sees it.")
        if cleaned.get("aggregation") == "ratio" and not (cleaned.get("numerator") and cleaned.get("denominator")):
            raise ValidationError("A ratio names its numerator and its denominator indicators.")
        return cleaned


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    form = IndicatorForm
    list_display = ["slug", "title_vi", "service", "unit", "period_type", "aggregation", "access", "layer"]
    list_filter = ["service", "period_type", "aggregation", "access"]
    search_fields = ["slug", "title_vi", "title_en"]
    filter_horizontal = ["groups"]
    readonly_fields = ["layer"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the groups are saved: the layer takes the indicator's titles, access, groups and style.
        sync_layer(form.instance)


@admin.register(BoundaryVersion)
class BoundaryVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "title_vi", "valid_from", "valid_to"]


@admin.register(AdminUnit)
class AdminUnitAdmin(gis_admin.GISModelAdmin):
    gis_widget = OfflineMapWidget
    list_display = ["code", "name", "level", "version", "parent", "area_km2", "population"]
    list_filter = ["version", "level"]
    search_fields = ["code", "name", "match_name"]
    readonly_fields = ["match_name"]


@admin.register(Crosswalk)
class CrosswalkAdmin(admin.ModelAdmin):
    list_display = ["old_unit", "new_unit", "area_weight", "area_share", "population"]
    search_fields = ["old_unit__name", "new_unit__name", "old_unit__code", "new_unit__code"]
    raw_id_fields = ["old_unit", "new_unit"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """The ledger, read-only: submissions are made and published through the API."""

    list_display = ["id", "indicator", "department", "channel", "status", "created_by", "created_at",
                    "published_by", "published_at"]
    list_filter = ["status", "channel", "department"]
    exclude = ["rows"]
    readonly_fields = [f.name for f in Submission._meta.fields if f.name != "rows"]

    def has_add_permission(self, request):
        return False


@admin.register(Value)
class ValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "unit", "period_start", "value", "department", "submitted_at"]
    list_filter = ["indicator__service", "indicator"]
    raw_id_fields = ["unit", "submission", "submitted_by"]
    readonly_fields = ["submission", "submitted_by", "department", "submitted_at"]


@admin.register(ValueHistory)
class ValueHistoryAdmin(admin.ModelAdmin):
    list_display = ["indicator", "unit", "period_start", "value", "submitted_at", "replaced_at"]
    readonly_fields = [f.name for f in ValueHistory._meta.fields]

    def has_add_permission(self, request):
        return False


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        exclude = ["last_evaluated_at", "seen_version", "last_error"]

    def clean(self):
        cleaned = super().clean()
        # The same checks as the API (monitoring.rules.check_rule); chosen units are checked after saving.
        candidate = AlertRule(**{k: v for k, v in cleaned.items() if k != "units"})
        try:
            check_rule(candidate)
        except ValidationError as refused:
            for field, messages in refused.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ["slug", "title_vi", "metric", "layer", "indicator", "threshold", "recovery", "severity", "enabled",
                    "last_evaluated_at", "last_error"]
    list_filter = ["metric", "severity", "enabled"]
    filter_horizontal = ["units", "recipient_users", "recipient_groups", "channels"]
    readonly_fields = ["last_evaluated_at", "last_error"]


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = ["rule", "area_name", "severity", "fired_at", "peak_value", "acknowledged_at", "resolved_at"]
    list_filter = ["severity", "rule"]


@admin.register(Silence)
class SilenceAdmin(admin.ModelAdmin):
    list_display = ["rule", "area_key", "ends_at", "reason", "created_by"]


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "owner", "failures", "disabled_at", "last_error"]
    readonly_fields = ["failures", "last_error"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["rule", "kind", "recipient", "channel", "status", "attempts", "sent_at", "error"]
    list_filter = ["kind", "status"]
