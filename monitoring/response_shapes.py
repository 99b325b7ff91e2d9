"""The JSON shapes of the monitoring API, for the OpenAPI schema (drf-spectacular reads these
serializers; the views build plain dicts: monitoring.views.indicator_entry, _unit_entry,
_submission_entry and UnitProfile)."""

from rest_framework import serializers

from layers.models import Access
from monitoring.bands import BANDS
from monitoring.freshness import STATES
from monitoring.models import Aggregation, Direction, PeriodType, SubmissionStatus, UnitLevel
from monitoring.submissions import PROBLEM_CODES, SUBMISSION_COUNTS

_BAND = serializers.ChoiceField(choices=[band for band, *_rest in BANDS])


class _Legend(serializers.Serializer):
    band = _BAND
    color = serializers.CharField()
    label = serializers.CharField()


class _Bands(serializers.Serializer):
    watch_at = serializers.FloatField(allow_null=True)
    critical_at = serializers.FloatField(allow_null=True)
    legend = _Legend(many=True)


class _Range(serializers.Serializer):
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class _Freshness(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    latest_period = serializers.CharField(allow_null=True, help_text="null: no value yet.")
    last_due_period = serializers.CharField()
    next_due_period = serializers.CharField()
    next_due_at = serializers.DateTimeField()


class _IndicatorLinks(serializers.Serializer):
    self = serializers.CharField()
    values = serializers.CharField()
    layer = serializers.CharField(allow_null=True)
    features = serializers.CharField(allow_null=True)
    tilejson = serializers.CharField(allow_null=True)
    style = serializers.CharField(allow_null=True)


class IndicatorEntry(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField(help_text="In the request's language.")
    title_vi = serializers.CharField()
    title_en = serializers.CharField()
    service = serializers.CharField()
    department = serializers.CharField()
    unit = serializers.CharField()
    period_type = serializers.ChoiceField(choices=PeriodType.values)
    admin_level = serializers.ChoiceField(choices=UnitLevel.values)
    aggregation = serializers.ChoiceField(choices=Aggregation.values)
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    scale = serializers.FloatField()
    direction = serializers.ChoiceField(choices=Direction.values)
    bands = _Bands()
    range = _Range()
    decimals = serializers.IntegerField()
    access = serializers.ChoiceField(choices=Access.choices)
    layer = serializers.CharField(allow_null=True)
    layer_version = serializers.IntegerField(allow_null=True)
    freshness = _Freshness()
    links = _IndicatorLinks()


class Indicators(serializers.Serializer):
    indicators = IndicatorEntry(many=True)
    count = serializers.IntegerField()


class UnitEntry(serializers.Serializer):
    code = serializers.CharField(help_text="The GSO code.")
    name = serializers.CharField()
    short_name = serializers.CharField()
    level = serializers.ChoiceField(choices=UnitLevel.values)
    boundary = serializers.CharField(help_text="The boundary set's code (2022, 2025).")
    parent = serializers.CharField(allow_null=True)
    population = serializers.IntegerField(allow_null=True)
    area_km2 = serializers.FloatField()


class _ProfileEntry(serializers.Serializer):
    indicator = serializers.CharField()
    title = serializers.CharField()
    service = serializers.CharField()
    unit = serializers.CharField()
    period = serializers.CharField()
    value = serializers.FloatField()
    band = _BAND
    derived = serializers.BooleanField(help_text="Carried over the boundary change by the crosswalk.")
    rank = serializers.IntegerField(help_text="1: the best among the units of the period.")
    of = serializers.IntegerField(help_text="The units with a value in the period.")


class UnitProfile(serializers.Serializer):
    unit = UnitEntry()
    indicators = _ProfileEntry(many=True)


class _SubmissionLinks(serializers.Serializer):
    self = serializers.CharField()
    publish = serializers.CharField()
    discard = serializers.CharField()


# Every count of a preview; a ledger entry written without one (the demo world's) has none.
_Counts = type("_SubmissionCounts", (serializers.Serializer,),
               {name: serializers.IntegerField(required=False) for name in SUBMISSION_COUNTS})


class Submission(serializers.Serializer):
    id = serializers.IntegerField()
    indicator = serializers.CharField()
    department = serializers.CharField()
    boundary = serializers.CharField()
    channel = serializers.ChoiceField(choices=["csv", "xlsx", "json"])
    file_name = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=SubmissionStatus.values)
    counts = _Counts()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    published_by = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    first_period = serializers.DateField(allow_null=True)
    last_period = serializers.DateField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True, help_text="null until published (or without a due time).")
    links = _SubmissionLinks()


class Submissions(serializers.Serializer):
    submissions = Submission(many=True)
    count = serializers.IntegerField()


class _UnitNamed(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class _Problem(serializers.Serializer):
    row = serializers.IntegerField(help_text="The file's row (the header is row 1), or the JSON row from 1.")
    column = serializers.ChoiceField(choices=["unit", "period", "value"])
    code = serializers.ChoiceField(choices=PROBLEM_CODES)
    message = serializers.CharField()
    suggestions = _UnitNamed(many=True, required=False, help_text="An unknown or ambiguous unit: the close ones.")


class _Change(serializers.Serializer):
    unit = serializers.CharField()
    period_start = serializers.DateField()
    old = serializers.FloatField()
    new = serializers.FloatField()


class SubmissionPreview(Submission):
    problems = _Problem(many=True, help_text="The first problems, in the file's order.")
    changes = _Change(many=True, help_text="The first values it would change.")


class _ServiceDepartment(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="In the request's language.")


class _Due(serializers.Serializer):
    rule = serializers.CharField(help_text="How a period's values fall due (monitoring.models.DueRule).")
    day = serializers.IntegerField()
    hour = serializers.IntegerField()


class _ServiceEntry(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField(help_text="In the request's language.")
    title_vi = serializers.CharField()
    title_en = serializers.CharField()
    department = _ServiceDepartment()
    due = _Due()
    freshness = serializers.ChoiceField(choices=STATES, help_text="The worst of its indicators'.")
    indicators = IndicatorEntry(many=True, help_text="Those the caller may see.")
    layers = serializers.ListField(child=serializers.CharField(), help_text="Slugs of its layers the caller may see.")


class _DepartmentName(serializers.Serializer):
    code = serializers.CharField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField()


class _OnTime(serializers.Serializer):
    submissions = serializers.IntegerField(help_text="Published in the span.")
    on_time = serializers.IntegerField(help_text="Of them, published by their due time.")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="Percent; null: no submission.")


class _DepartmentOnTime(serializers.Serializer):
    department = _DepartmentName()
    month = _OnTime(help_text="This month (Việt Nam time).")
    year = _OnTime(help_text="This year.")


class MonitoringServices(serializers.Serializer):
    services = _ServiceEntry(many=True)
    departments = _DepartmentOnTime(many=True, help_text="monitoring.freshness.on_time_kpi")


class _UnitValue(serializers.Serializer):
    unit = serializers.CharField(help_text="The unit's GSO code.")
    name = serializers.CharField()
    period = serializers.CharField()
    value = serializers.FloatField()
    band = serializers.CharField()
    boundary = serializers.CharField(help_text="The boundary set the value is on.")
    derived = serializers.BooleanField(help_text="true: carried over from another boundary set.")
    source_boundary = serializers.CharField(allow_null=True, help_text="The set it was derived from.")


class _ProvinceValue(serializers.Serializer):
    period_start = serializers.DateField()
    period = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)
    units = serializers.IntegerField(help_text="Units with a value.")
    boundary = serializers.CharField()
    derived = serializers.BooleanField()


class IndicatorValues(serializers.Serializer):
    """Built by PostgreSQL (monitoring.values.read_values_json)."""

    indicator = serializers.CharField()
    boundary = serializers.CharField(allow_null=True, help_text="The boundary set asked for (null: each period's).")
    unit = serializers.CharField()
    values = _UnitValue(many=True, help_text="Per unit and period.")
    province = _ProvinceValue(many=True, help_text="The province's total per period.")
