"""Citizen reports to the 1022 channel: categories, the holiday table of the working-time clock,
routing rules, reports and their audit trail.

Models hold fields and single-row rules. The workflow (feedback.workflow) is the one writer of a
report's state; the audit trail (Transition) is append-only, enforced by a trigger (migration 0002)
so that nobody — the admin, a script, a superuser's shell — can edit or delete a past step.
"""

import secrets

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q

from layers.models import Department


class Priority(models.TextChoices):
    NORMAL = "normal", "Thường / Normal"
    URGENT = "urgent", "Khẩn / Urgent"


class Status(models.TextChoices):
    RECEIVED = "received", "Đã tiếp nhận / Received"
    ACKNOWLEDGED = "acknowledged", "Đã xác nhận / Acknowledged"
    ASSIGNED = "assigned", "Đã giao xử lý / Assigned"
    IN_PROGRESS = "in_progress", "Đang xử lý / In progress"
    RESOLVED = "resolved", "Đã xử lý / Resolved"
    CLOSED = "closed", "Đã đóng / Closed"
    REJECTED = "rejected", "Từ chối / Rejected"
    DUPLICATE = "duplicate", "Trùng lặp / Duplicate"
    NOT_IN_REMIT = "not_in_remit", "Không thuộc thẩm quyền / Not in our remit"


# Open311 knows two states; every internal state maps onto one of them.
OPEN_STATUSES = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS)
# Past these a report no longer runs against its deadlines.
HANDLED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.DUPLICATE, Status.NOT_IN_REMIT)


class Category(models.Model):
    """A 1022 category (an Open311 service). Deadlines are in working hours (feedback.working_time)."""

    code = models.SlugField(max_length=40, unique=True)
    name_vi = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_vi = models.TextField(blank=True)
    group_vi = models.CharField(max_length=100, blank=True)
    keywords = models.CharField(max_length=300, blank=True)
    # Open311 attribute definitions: [{"code", "datatype", "required", "description", "order",
    # "values": [{"key", "name"}]}] (datatype string|number|datetime|text|singlevaluelist|multivaluelist).
    attributes = models.JSONField(default=list, blank=True)
    acknowledge_hours = models.DecimalField(max_digits=6, decimal_places=2, default=8)
    resolve_hours = models.DecimalField(max_digits=6, decimal_places=2, default=37.5)  # 5 working days
    urgent_acknowledge_hours = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    urgent_resolve_hours = models.DecimalField(max_digits=6, decimal_places=2, default=4)
    colour = models.CharField(max_length=7, default="#3182bd")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.code} {self.name_vi}"


class Holiday(models.Model):
    """A day off of the working-time clock (public holidays, Tết, days moved by the government).
    Edited in the admin; weekends need no row."""

    date = models.DateField(unique=True)
    name_vi = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name_vi}"


class RoutingRule(models.Model):
    """Which handling unit gets a report of a category in a commune. The most specific rule wins:
    category and commune, then category anywhere, then commune for any category, then the fallback
    (neither), see feedback.routing."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="rules")
    commune_code = models.CharField(max_length=20, blank=True)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="feedback_rules")

    class Meta:
        ordering = ["category__code", "commune_code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "commune_code"], name="routing_rule_once",
                                    nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} × {self.commune_code or '*'} → {self.department}"


def new_token() -> str:
    return secrets.token_urlsafe(12)


def new_status_key() -> str:
    return secrets.token_urlsafe(24)


class Report(models.Model):
    """A citizen's report. Contact details (reporter_*) are shown only to the handling unit, the 1022
    operators and superusers (feedback.privacy); the feedback layer's features never hold them."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    description = models.TextField()
    address = models.CharField(max_length=300, blank=True)
    location = models.PointField(srid=4326)
    attributes = models.JSONField(default=dict, blank=True)
    photo = models.FileField(upload_to="feedback/%Y/%m/", blank=True)
    channel = models.CharField(max_length=30, default="open311")
    # Where it is: the commune of the admin units valid on the day it was received (feedback.places).
    commune_code = models.CharField(max_length=20, blank=True)
    commune_name = models.CharField(max_length=200, blank=True)
    district_code = models.CharField(max_length=20, blank=True)
    units = models.CharField(max_length=8, blank=True)  # which boundary version placed it: "2022", "2025"
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="feedback_reports")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="duplicates")
    public_response = models.TextField(blank=True)
    # Late now (feedback.sla.is_overdue), kept so the layer can draw it: set on every write and by
    # the periodic feedback.overdue.flag_overdue as deadlines pass.
    overdue = models.BooleanField(default=False)
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_email = models.CharField(max_length=254, blank=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    # Open311's token (answered by tokens/{token}) and the citizen's status link key (rating).
    token = models.CharField(max_length=40, unique=True, default=new_token)
    status_key = models.CharField(max_length=64, unique=True, default=new_status_key)
    received_at = models.DateTimeField()
    acknowledge_due = models.DateTimeField()
    resolve_due = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Working hours taken (feedback.working_time), kept when the step happens so KPIs are one SQL median.
    hours_to_acknowledge = models.FloatField(null=True, blank=True)
    hours_to_resolve = models.FloatField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["department", "status", "resolve_due"], name="report_queue"),
            models.Index(fields=["received_at"], name="report_received"),
            # Covering the KPIs' columns (feedback.kpis): per commune they are an index-only scan already
            # in commune order, a fifth of the table's pages and no sort before grouping (100,000
            # reports: 190 ms instead of 640 ms on a loaded machine).
            models.Index(fields=["commune_code", "received_at"], name="report_commune_kpis",
                         include=["status", "resolved_at", "resolve_due", "acknowledged_at", "acknowledge_due",
                                  "hours_to_acknowledge", "hours_to_resolve", "rating"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="report_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.service_request_id} {self.category_id} ({self.status})"

    @property
    def service_request_id(self) -> str:
        return f"1022-{self.pk}"


class Action(models.TextChoices):
    RECEIVE = "receive", "Tiếp nhận / Receive"
    ACKNOWLEDGE = "acknowledge", "Xác nhận / Acknowledge"
    ASSIGN = "assign", "Giao xử lý / Assign"
    FORWARD = "forward", "Chuyển đơn vị / Forward"
    START = "start", "Bắt đầu xử lý / Start"
    RESPOND = "respond", "Trả lời / Respond"
    RESOLVE = "resolve", "Đã xử lý / Resolve"
    CLOSE = "close", "Đóng / Close"
    REJECT = "reject", "Từ chối / Reject"
    DUPLICATE = "duplicate", "Đánh dấu trùng / Mark duplicate"
    NOT_IN_REMIT = "not_in_remit", "Không thuộc thẩm quyền / Not in our remit"
    RATE = "rate", "Đánh giá / Rate"


class Transition(models.Model):
    """One step of a report's history: who, when, what, a note for the staff and the public response.
    Append-only (a trigger refuses UPDATE and DELETE)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    public_response = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["report", "at"], name="transition_report_at")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
