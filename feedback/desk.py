"""What the handling desk shows: a unit's queue with its SLA countdown, its reports on a map, and the
nearby similar reports a duplicate is looked for among."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.gis.measure import D
from django.db.models import QuerySet

from feedback.models import OPEN_STATUSES, Report
from feedback.sla import holiday_dates, is_overdue
from feedback.working_time import working_hours_between

QUEUE_LIMIT = 200
NEARBY_METRES = 300
NEARBY_DAYS = 30


@dataclass(frozen=True)
class QueueEntry:
    report: Report
    overdue: bool
    # Working hours left before the resolve deadline (negative: how far past it).
    hours_left: float


def queue(reports: QuerySet[Report], *, now: datetime) -> list[QueueEntry]:
    """The open reports, soonest deadline first (the overdue ones are at the top)."""
    holidays = holiday_dates()
    entries = []
    for report in reports.filter(status__in=OPEN_STATUSES).order_by("resolve_due", "id")[:QUEUE_LIMIT]:
        late = is_overdue(report, now=now)
        if now <= report.resolve_due:
            left = working_hours_between(now, report.resolve_due, holidays=holidays)
        else:
            left = -working_hours_between(report.resolve_due, now, holidays=holidays)
        entries.append(QueueEntry(report=report, overdue=late, hours_left=round(left, 1)))
    return entries


def map_points(entries: list[QueueEntry]) -> dict:
    """The queue as a GeoJSON FeatureCollection for the desk's map (public fields only)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [e.report.location.x, e.report.location.y]},
         "properties": {"id": e.report.pk, "ref": e.report.service_request_id, "overdue": e.overdue,
                        "category": e.report.category.name_vi}} for e in entries]}


def nearby_similar(report: Report, reports: QuerySet[Report]) -> QuerySet[Report]:
    """Reports of the same category within 300 m received in the 30 days before or after it:
    the candidates for "duplicate of"."""
    window = timedelta(days=NEARBY_DAYS)
    return (reports.filter(category=report.category, location__distance_lte=(report.location, D(m=NEARBY_METRES)),
                           received_at__range=(report.received_at - window, report.received_at + window))
            .exclude(pk=report.pk).order_by("received_at")[:20])
