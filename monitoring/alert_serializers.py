"""The alert API's shapes: what a request may carry (parsed only: the names it uses are resolved and the
rule checked in monitoring.rule_edits) and what an answer carries (these classes render the answers
and document them in the OpenAPI schema, so the two cannot drift apart)."""

from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo_ioc.openapi import PropertyConditionsField
from monitoring.models import (
    AlertStatus,
    AreaKind,
    Comparison,
    LayerAggregate,
    Metric,
    RasterStatistic,
    Severity,
    UnitLevel,
)


def _en() -> bool:
    return (get_language() or "vi").startswith("en")


class RuleInput(serializers.Serializer):
    slug = serializers.SlugField(max_length=80)
    title_vi = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200)
    message_vi = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                       help_text="str.format template: {rule}, {area}, {value}, {threshold}, {unit}")
    message_en = serializers.CharField(max_length=500, required=False, allow_blank=True)
    metric = serializers.ChoiceField(choices=Metric.values)
    layer = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="the watched layer's slug")
    indicator = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                      help_text="the watched indicator's slug")
    aggregate = serializers.ChoiceField(choices=LayerAggregate.values, required=False, allow_blank=True)
    raster_statistic = serializers.ChoiceField(choices=RasterStatistic.values, required=False, allow_blank=True,
                                               help_text="raster: mean, max, or share_above (percent of the area)")
    raster_above = serializers.FloatField(required=False, allow_null=True,
                                          help_text="raster share_above: the value whose share of the area is watched")
    service = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                    help_text="freshness: the service watched (its slug); none: every service")
    property = serializers.CharField(max_length=63, required=False, allow_blank=True)
    filters = PropertyConditionsField(required=False)
    window_hours = serializers.IntegerField(min_value=1, max_value=24 * 366, required=False, allow_null=True)
    area_kind = serializers.ChoiceField(choices=AreaKind.values, required=False)
    boundary = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                     help_text="a boundary set's code (2022, 2025)")
    level = serializers.ChoiceField(choices=UnitLevel.values, required=False, allow_blank=True)
    units = serializers.ListField(child=serializers.CharField(max_length=10), required=False, max_length=500,
                                  help_text="GSO codes of the chosen units")
    comparison = serializers.ChoiceField(choices=Comparison.values, required=False)
    threshold = serializers.FloatField()
    recovery = serializers.FloatField(required=False, allow_null=True)
    pending_seconds = serializers.IntegerField(min_value=0, max_value=30 * 86400, required=False)
    severity = serializers.ChoiceField(choices=Severity.values, required=False)
    interval_seconds = serializers.IntegerField(min_value=10, max_value=30 * 86400, required=False)
    repeat_seconds = serializers.IntegerField(min_value=60, max_value=30 * 86400, required=False)
    enabled = serializers.BooleanField(required=False)
    recipient_users = serializers.ListField(child=serializers.CharField(max_length=150), required=False,
                                            max_length=200, help_text="usernames")
    recipient_groups = serializers.ListField(child=serializers.CharField(max_length=150), required=False,
                                             max_length=200, help_text="group (department) names")
    channels = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=50,
                                     help_text="ids of the caller's webhook channels")


class AckInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SilenceInput(serializers.Serializer):
    rule = serializers.SlugField(max_length=80, help_text="the rule's slug")
    area = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                 help_text="one area's key (an alert's `area_key`); blank: the whole rule")
    until = serializers.DateTimeField(help_text="the end of the silence (ISO 8601, with its offset)")
    reason = serializers.CharField(max_length=500)


class ChannelInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=500)
    secret = serializers.CharField(max_length=200, min_length=8, write_only=True,
                                   help_text="signs each message: X-Geo-IOC-Signature: sha256=<HMAC hex>")


class _Titled(serializers.Serializer):
    title = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_title(self, obj) -> str:
        rule = getattr(obj, "rule", obj)
        return rule.title_en if _en() else rule.title_vi


class RuleOut(_Titled):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title_vi = serializers.CharField()
    title_en = serializers.CharField()
    message_vi = serializers.CharField()
    message_en = serializers.CharField()
    metric = serializers.CharField()
    layer = serializers.CharField(source="layer.slug", allow_null=True)
    indicator = serializers.CharField(source="indicator.slug", allow_null=True)
    aggregate = serializers.CharField()
    raster_statistic = serializers.CharField()
    raster_above = serializers.FloatField(allow_null=True)
    service = serializers.CharField(source="service.slug", allow_null=True)
    property = serializers.CharField()
    filters = PropertyConditionsField()
    window_hours = serializers.IntegerField(allow_null=True)
    area_kind = serializers.CharField()
    boundary = serializers.CharField(source="boundary.code", allow_null=True)
    level = serializers.CharField()
    units = serializers.SerializerMethodField()
    comparison = serializers.CharField()
    threshold = serializers.FloatField()
    recovery = serializers.FloatField(allow_null=True)
    pending_seconds = serializers.IntegerField()
    severity = serializers.CharField()
    interval_seconds = serializers.IntegerField()
    repeat_seconds = serializers.IntegerField()
    enabled = serializers.BooleanField()
    last_evaluated_at = serializers.DateTimeField(allow_null=True)
    firing = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_units(self, rule) -> list[str]:
        return sorted(u.code for u in rule.units.all())

    @extend_schema_field(OpenApiTypes.INT)
    def get_firing(self, rule) -> int:
        return sum(1 for s in rule.states.all() if s.status == AlertStatus.FIRING)


class AlertOut(_Titled):
    """One (rule, area) where it stands now."""

    id = serializers.IntegerField()
    rule = serializers.CharField(source="rule.slug")
    severity = serializers.CharField(source="rule.severity")
    status = serializers.ChoiceField(choices=AlertStatus.values)
    area_key = serializers.CharField()
    area_name = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField(source="rule.threshold")
    since = serializers.DateTimeField()
    evaluated_at = serializers.DateTimeField(allow_null=True)
    event = serializers.IntegerField(source="event_id", allow_null=True,
                                     help_text="the open event (acknowledge it: POST /api/alerts/{event}/ack)")
    acknowledged_at = serializers.DateTimeField(source="event.acknowledged_at", allow_null=True)
    acknowledged_by = serializers.CharField(source="event.acknowledged_by.username", allow_null=True)


class EventOut(_Titled):
    """One firing of one area, from fire to resolve."""

    id = serializers.IntegerField()
    rule = serializers.CharField(source="rule.slug")
    severity = serializers.CharField()
    area_key = serializers.CharField()
    area_name = serializers.CharField()
    fired_at = serializers.DateTimeField()
    fired_value = serializers.FloatField()
    peak_value = serializers.FloatField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True)
    acknowledge_note = serializers.CharField()


class SilenceOut(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField(source="rule.slug")
    area_key = serializers.CharField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    created_at = serializers.DateTimeField()


class ChannelOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    url = serializers.CharField()
    owner = serializers.CharField(source="owner.username")
    failures = serializers.IntegerField(help_text="failed deliveries in a row")
    disabled_at = serializers.DateTimeField(allow_null=True, help_text="set after too many failures in a row")
    last_error = serializers.CharField()


class TrySendOut(serializers.Serializer):
    ok = serializers.BooleanField()
    status = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()


def listing(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    """A list answer {<name>: [...], count} documented with its items' shape."""
    return type(f"{item.__name__[:-3]}List", (serializers.Serializer,), {
        name: item(many=True), "count": serializers.IntegerField()})()
