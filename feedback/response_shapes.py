"""The JSON shape of the reports' KPIs (feedback.kpi_views from feedback.kpis.Kpi), for the OpenAPI
schema: drf-spectacular reads the serializer."""

from rest_framework import serializers

from feedback.kpis import GROUPS


class _Group(serializers.Serializer):
    key = serializers.CharField(help_text="The commune's code, the department's code or the category's code.")
    name = serializers.CharField()
    received = serializers.IntegerField()
    processed = serializers.IntegerField()
    processed_pct = serializers.FloatField(allow_null=True)
    on_time_pct = serializers.FloatField(allow_null=True, help_text="Of the resolved ones.")
    overdue_now = serializers.IntegerField()
    median_hours_to_acknowledge = serializers.FloatField(allow_null=True, help_text="Working hours.")
    median_hours_to_resolve = serializers.FloatField(allow_null=True, help_text="Working hours.")
    satisfaction = serializers.FloatField(allow_null=True, help_text="The mean rating, 1–5.")
    satisfied_pct = serializers.FloatField(allow_null=True, help_text="Ratings of 4 or 5.")
    ratings = serializers.IntegerField()


class Kpis(serializers.Serializer):
    by = serializers.ChoiceField(choices=sorted(GROUPS))
    start = serializers.DateTimeField(allow_null=True, help_text="The window of reception (null: open).")
    end = serializers.DateTimeField(allow_null=True)
    now = serializers.DateTimeField(help_text="The time `overdue_now` is counted at.")
    groups = _Group(many=True, help_text="Most received first.")
