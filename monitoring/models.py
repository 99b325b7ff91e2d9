"""Monitoring services, indicators per administrative unit and period, their values and submissions,
and the administrative units themselves in boundary versions (the 2022 set, the 2025 set) with the
crosswalk between them.

Models hold fields, constraints and single-row rules only. Every indicator is also a layer
(`Indicator.layer`, domain `monitoring`): its features are written by `monitoring.layers`, its
access is the layer's (layers.access), never a second rule here.

Alert rules (issue #15) ask "metric per unit" in one statement: `monitoring_value` joined to
`monitoring_adminunit` (and, across the boundary change, `monitoring_crosswalk`) — see
`monitoring.values.values_sql`.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q

from layers.models import Department, Layer


class DueRule(models.TextChoices):
    DAILY = "daily", "Hằng ngày / Daily"
    WEEKLY = "weekly", "Hằng tuần / Weekly"
    MONTHLY = "monthly", "Hằng tháng / Monthly"
    QUARTERLY = "quarterly", "Hằng quý / Quarterly"
    YEARLY = "yearly", "Hằng năm / Yearly"


class Service(models.Model):
    """One of the province's monitoring services ("dịch vụ giám sát"), owned by a department.

    Due rule: the data of a period is due after the period ends — daily: the same day before
    `due_hour`; weekly: on weekday `due_day` (0 = Monday) of the next week; monthly / quarterly /
    yearly: by day `due_day` of the next month / the month after the quarter / January
    (monitoring.freshness.due_at)."""

    slug = models.SlugField(max_length=60, unique=True)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="monitoring_services")
    due_rule = models.CharField(max_length=10, choices=DueRule.choices, default=DueRule.MONTHLY)
    due_day = models.PositiveSmallIntegerField(default=5)
    due_hour = models.PositiveSmallIntegerField(default=17)
    # Other layers that belong to the service (stations, sites…), besides its indicators' own layers.
    layers = models.ManyToManyField(Layer, blank=True, related_name="monitoring_services")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(due_hour__lte=23), name="service_due_hour_in_day"),
            models.CheckConstraint(condition=Q(due_day__gte=0, due_day__lte=28), name="service_due_day_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.slug} ({self.title_vi})"


class PeriodType(models.TextChoices):
    DAY = "day", "Ngày / Day"
    WEEK = "week", "Tuần / Week"
    MONTH = "month", "Tháng / Month"
    QUARTER = "quarter", "Quý / Quarter"
    YEAR = "year", "Năm / Year"


class UnitLevel(models.TextChoices):
    PROVINCE = "province", "Tỉnh / Province"
    DISTRICT = "district", "Huyện / District"
    COMMUNE = "commune", "Xã, phường / Commune"


class Aggregation(models.TextChoices):
    # Counts and sums: re-aggregated by area weights, province total = sum.
    SUM = "sum", "Cộng dồn / Additive"
    # numerator / denominator × scale, both named indicators of the same units and periods.
    RATIO = "ratio", "Tỷ lệ / Ratio"
    MEAN_POPULATION = "mean_population", "Trung bình theo dân số / Population-weighted average"
    MEAN_AREA = "mean_area", "Trung bình theo diện tích / Area-weighted average"


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_better", "Càng cao càng tốt / Higher is better"
    HIGHER_IS_WORSE = "higher_worse", "Càng cao càng xấu / Higher is worse"


class Indicator(models.Model):
    """A number per administrative unit and period. Its bands: with higher-is-better, a value below
    `watch_at` is "watch" and below `critical_at` "critical"; with higher-is-worse, at or above them.
    Access is the one of its layer (`layer.access`, `layer.groups`), set from `access`/`groups` here
    by monitoring.layers.sync_layer."""

    slug = models.SlugField(max_length=80, unique=True)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="indicators")
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=40, help_text="%, người, ca, tỷ đồng, µg/m³…")
    unit_en = models.CharField(max_length=40, blank=True)
    period_type = models.CharField(max_length=10, choices=PeriodType.choices, default=PeriodType.MONTH)
    admin_level = models.CharField(max_length=10, choices=UnitLevel.choices, default=UnitLevel.COMMUNE)
    aggregation = models.CharField(max_length=16, choices=Aggregation.choices, default=Aggregation.SUM)
    numerator = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    denominator = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scale = models.FloatField(default=1.0, help_text="ratio = numerator / denominator × scale (100 for %)")
    direction = models.CharField(max_length=14, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER)
    watch_at = models.FloatField(null=True, blank=True)
    critical_at = models.FloatField(null=True, blank=True)
    # The range a submitted value must fall in (preview flags values outside it).
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    decimals = models.PositiveSmallIntegerField(default=1)
    access = models.CharField(max_length=12, choices=Layer._meta.get_field("access").choices, default="internal")
    groups = models.ManyToManyField("auth.Group", blank=True, related_name="restricted_indicators")
    layer = models.OneToOneField(Layer, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicator")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["service__position", "position", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(aggregation="ratio") | Q(numerator__isnull=False, denominator__isnull=False),
                name="ratio_indicator_names_its_parts",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(max_value__gte=F("min_value")),
                name="indicator_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} ({self.title_vi})"


class BoundaryVersion(models.Model):
    """A set of administrative units valid over a span of days: "2022" (until 2025-06-30), "2025"
    (from 2025-07-01). `valid_to` is the first day it no longer holds (exclusive); none: still valid."""

    code = models.CharField(max_length=10, unique=True)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")), name="boundary_version_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class AdminUnit(models.Model):
    version = models.ForeignKey(BoundaryVersion, on_delete=models.CASCADE, related_name="units")
    # The GSO code ("27685"; "80" for the province, "794" for a district).
    code = models.CharField(max_length=10)
    level = models.CharField(max_length=10, choices=UnitLevel.choices)
    name = models.CharField(max_length=120)  # full: "Xã Vĩnh Lợi", "Phường 5"
    short_name = models.CharField(max_length=100)  # "Vĩnh Lợi", "Phường 5"
    # For matching typed names: lower case, no diacritics, no "xã/phường/thị trấn" (monitoring.names).
    match_name = models.CharField(max_length=100, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    geom = models.MultiPolygonField(srid=4326)
    area_km2 = models.FloatField(default=0.0)  # on the geography (spheroid), not Web Mercator
    population = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version__valid_from", "level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="admin_unit_code_unique_in_version"),
        ]
        indexes = [models.Index(fields=["version", "level"], name="admin_unit_version_level")]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.version_id})"


class Crosswalk(models.Model):
    """How much of an old unit lies in a new one (2022 → 2025), computed in PostGIS
    (monitoring.crosswalk.build_crosswalk). `area_weight` = overlap / old area: an old unit's weights
    sum to 1; `area_share` = overlap / new area: a new unit's shares sum to 1; `population` = the old
    unit's people in the overlap (its population × area_weight), none when the old unit has none."""

    old_unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="crosswalk_to")
    new_unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="crosswalk_from")
    overlap_km2 = models.FloatField()
    area_weight = models.FloatField()
    area_share = models.FloatField()
    population = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["old_unit", "new_unit"], name="crosswalk_pair_unique")]

    def __str__(self) -> str:
        return f"{self.old_unit_id} → {self.new_unit_id} ({self.area_weight:.3f})"


class SubmissionStatus(models.TextChoices):
    PREVIEW = "preview", "Xem trước / Preview"
    PUBLISHED = "published", "Đã công bố / Published"
    DISCARDED = "discarded", "Đã hủy / Discarded"


class Submission(models.Model):
    """One upload (CSV, XLSX) or post (JSON) of values of one indicator by a department: first a
    preview (`report`, the matched rows in `rows`), then published in one transaction or discarded.
    The ledger is this table."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="submissions")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="monitoring_submissions")
    version = models.ForeignKey(BoundaryVersion, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8)  # csv | xlsx | json
    file_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.PREVIEW)
    # {"rows", "matched", "unknown", "ambiguous", "duplicates", "out_of_range", "new", "changed", "unchanged", "errors"}
    counts = models.JSONField(default=dict, blank=True)
    # {"problems": [{"row", "column", "code", "message", "suggestions"}], "changes": [...]}
    report = models.JSONField(default=dict, blank=True)
    # The matched rows waiting for publish: [[unit_id, "YYYY-MM-DD", value], ...]; emptied on publish.
    rows = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # The periods the submission holds (first start, last start) and when the last one was due
    # (monitoring.freshness.due_at): published_at <= due_at is on time, for the departments' KPI.
    first_period = models.DateField(null=True, blank=True)
    last_period = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["department", "published_at"], name="submission_department_time")]

    def __str__(self) -> str:
        return f"submission {self.pk} {self.indicator_id} ({self.status})"


class Value(models.Model):
    """(indicator, unit, period) → number, with its provenance. `period_end` is exclusive."""

    # No index of its own: the unique key and value_indicator_period start with it (every index is
    # written again for each value a submission corrects).
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values", db_index=False)
    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="values")
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.FloatField()
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            # With the period's end and the value: re-aggregation reads an indicator's values from the
            # index alone (no heap page per unit and period; 7 % of a read of 49 indicators onto 2025).
            models.UniqueConstraint(fields=["indicator", "unit", "period_start"], name="value_once_per_unit_period",
                                    include=["period_end", "value"]),
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="value_period_ordered"),
        ]
        indexes = [models.Index(fields=["indicator", "period_start"], name="value_indicator_period")]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period_start}={self.value}"


class ValueHistory(models.Model):
    """A value as it was before a correction replaced it (kept, never deleted)."""

    # No index of its own: value_history_key starts with it.
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    value = models.FloatField()
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    replaced_by = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["indicator", "unit", "period_start", "replaced_at"]
        indexes = [models.Index(fields=["indicator", "unit", "period_start"], name="value_history_key")]


# --- Alerts (issue #15): rules watch a metric per area; a state per (rule, area); events; silences ---------


class Metric(models.TextChoices):
    INDICATOR = "indicator", "Chỉ số theo đơn vị / Indicator per unit"
    LAYER = "layer", "Tổng hợp đối tượng theo đơn vị / Layer aggregate per unit"
    STATION = "station", "Từng trạm / Per station"
    FRESHNESS = "freshness", "Số liệu trễ hạn / Data late"
    RASTER = "raster", "Thống kê ảnh raster theo vùng / Raster zonal statistic"


class RasterStatistic(models.TextChoices):
    MEAN = "mean", "Trung bình / Mean"
    MAX = "max", "Lớn nhất / Maximum"
    SHARE_ABOVE = "share_above", "Tỷ lệ diện tích vượt ngưỡng / Share of area above a value"


class LayerAggregate(models.TextChoices):
    COUNT = "count", "Số đối tượng / Count"
    SUM = "sum", "Tổng / Sum"
    AVG = "avg", "Trung bình / Average"
    MAX = "max", "Lớn nhất / Maximum"
    MIN = "min", "Nhỏ nhất / Minimum"


class AreaKind(models.TextChoices):
    LEVEL = "level", "Mọi đơn vị của một cấp / Every unit of a level"
    UNITS = "units", "Các đơn vị được chọn / Chosen units"
    ZONES = "zones", "Vùng quy hoạch / Planners' zones"
    STATIONS = "stations", "Trạm / Stations"
    SERVICES = "services", "Dịch vụ / Services"


class Comparison(models.TextChoices):
    ABOVE = "above", "Vượt trên / Above"
    BELOW = "below", "Xuống dưới / Below"


class Severity(models.TextChoices):
    INFO = "info", "Thông tin / Info"
    WARNING = "warning", "Cảnh báo / Warning"
    CRITICAL = "critical", "Nghiêm trọng / Critical"


class ChannelKind(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"


class NotificationChannel(models.Model):
    """A webhook: JSON posted to `url`, signed with HMAC-SHA256 of the body under `secret`
    (header X-Geo-IOC-Signature: sha256=<hex>). It carries only what its `owner` may see."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=ChannelKind.choices, default=ChannelKind.WEBHOOK)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    failures = models.PositiveIntegerField(default=0)  # in a row
    disabled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.name}{' (disabled)' if self.disabled_at else ''}"


class AlertRule(models.Model):
    """A metric per area compared with a threshold (monitoring.rules builds its one statement,
    monitoring.evaluation moves the states). Who may see a rule: whoever may see everything it names
    (its layer, its indicator's layer; monitoring.rules.visible_rules)."""

    slug = models.SlugField(max_length=80, unique=True)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    # str.format templates: {rule}, {area}, {value}, {threshold}, {unit}.
    message_vi = models.CharField(max_length=500, blank=True)
    message_en = models.CharField(max_length=500, blank=True)
    metric = models.CharField(max_length=12, choices=Metric.choices)
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules")
    layer = models.ForeignKey(Layer, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules")
    aggregate = models.CharField(max_length=8, choices=LayerAggregate.choices, blank=True)
    property = models.CharField(max_length=63, blank=True)
    # Property conditions in layers.query.having's shape: {"kind": "tai_nan", "speed": {"gte": 60}}.
    filters = models.JSONField(default=dict, blank=True)
    window_hours = models.PositiveIntegerField(null=True, blank=True)
    # A raster rule (its layer a raster): the statistic of the pixels inside each area; share_above is
    # the percentage (0–100) of the area's valid pixels above `raster_above`.
    raster_statistic = models.CharField(max_length=12, choices=RasterStatistic.choices, blank=True)
    raster_above = models.FloatField(null=True, blank=True)
    # A freshness rule: the service watched (its indicators); none and no indicator: every service.
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules")
    area_kind = models.CharField(max_length=10, choices=AreaKind.choices, default=AreaKind.LEVEL)
    boundary = models.ForeignKey(BoundaryVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10, choices=UnitLevel.choices, blank=True)
    units = models.ManyToManyField(AdminUnit, blank=True, related_name="+")
    comparison = models.CharField(max_length=6, choices=Comparison.choices, default=Comparison.ABOVE)
    threshold = models.FloatField()
    # Hysteresis: a firing area resolves only past this value (below it for "above" rules).
    recovery = models.FloatField(null=True, blank=True)
    pending_seconds = models.PositiveIntegerField(default=0)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    interval_seconds = models.PositiveIntegerField(default=300)
    repeat_seconds = models.PositiveIntegerField(default=4 * 3600)
    enabled = models.BooleanField(default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Recipients by e-mail: users, and the members of groups (a department is a group). Each gets a
    # message only if they may see the rule (monitoring.notifications.recipients).
    recipient_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    recipient_groups = models.ManyToManyField("auth.Group", blank=True, related_name="+")
    channels = models.ManyToManyField(NotificationChannel, blank=True, related_name="rules")
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    # The version of the watched layer (the indicator's layer) at the last evaluation: a newer one
    # means new data, and the rule is evaluated without waiting for its interval.
    seen_version = models.PositiveBigIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recovery__isnull=True)
                | Q(comparison="above", recovery__lte=F("threshold"))
                | Q(comparison="below", recovery__gte=F("threshold")),
                name="alert_recovery_on_the_safe_side",
            ),
        ]

    def __str__(self) -> str:
        return self.slug


class AlertStatus(models.TextChoices):
    NORMAL = "normal", "Bình thường / Normal"
    PENDING = "pending", "Chờ xác nhận / Pending"
    FIRING = "firing", "Đang cảnh báo / Firing"
    RESOLVED = "resolved", "Đã hết / Resolved"
    NO_DATA = "no_data", "Không có số liệu / No data"
    ERROR = "error", "Lỗi / Error"


class AlertState(models.Model):
    """Where one area of one rule stands. Changed only by a conditional UPDATE on (id, revision)
    (monitoring.evaluation), so two evaluations at once make one transition."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="states")
    area_key = models.CharField(max_length=200)  # a unit's id, a zone's or station's source id
    area_name = models.CharField(max_length=200)
    geom = models.GeometryField(srid=4326, null=True, blank=True)
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.NORMAL)
    value = models.FloatField(null=True, blank=True)
    since = models.DateTimeField()
    pending_since = models.DateTimeField(null=True, blank=True)
    event = models.ForeignKey("AlertEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revision = models.PositiveBigIntegerField(default=0)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rule", "area_key"]
        constraints = [models.UniqueConstraint(fields=["rule", "area_key"], name="alert_state_once_per_area")]
        indexes = [models.Index(fields=["status"], name="alert_state_status")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.area_key}: {self.status}"


class AlertEvent(models.Model):
    """One firing of one area of a rule, from fire to resolve: the history."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    area_key = models.CharField(max_length=200)
    area_name = models.CharField(max_length=200)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    fired_at = models.DateTimeField()
    fired_value = models.FloatField()
    peak_value = models.FloatField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledge_note = models.CharField(max_length=500, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-fired_at", "-id"]
        indexes = [models.Index(fields=["rule", "fired_at"], name="alert_event_rule_time")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.area_key} {self.fired_at:%Y-%m-%d %H:%M}"


class Silence(models.Model):
    """A rule, or one area of it, muted until a time: states still move, nobody is notified."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="silences")
    area_key = models.CharField(max_length=200, blank=True)  # blank: every area
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ends_at"]

    def __str__(self) -> str:
        return f"silence {self.rule_id}/{self.area_key or '*'} until {self.ends_at:%Y-%m-%d %H:%M}"


class NotificationKind(models.TextChoices):
    FIRED = "fired", "Cảnh báo / Fired"
    RESOLVED = "resolved", "Đã hết / Resolved"
    REMINDER = "reminder", "Nhắc lại / Reminder"


class Notification(models.Model):
    """One message about one or more events of one rule (grouped) to one recipient or webhook."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    events = models.ManyToManyField(AlertEvent, related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    channel = models.ForeignKey(NotificationChannel, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, default="queued")  # queued, sent, failed, dropped
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.rule_id} → {self.recipient_id or self.channel_id} ({self.status})"
