"""Deadlines of a report and whether it is late, on the working-time clock."""

from dataclasses import dataclass
from datetime import date, datetime

from feedback.models import HANDLED_STATUSES, Category, Holiday, Priority, Report
from feedback.working_time import add_working_hours


def holiday_dates() -> frozenset[date]:
    """The holiday table (a few dozen rows a year), read once per call site that needs it."""
    return frozenset(Holiday.objects.values_list("date", flat=True))


@dataclass(frozen=True)
class Deadlines:
    acknowledge: datetime
    resolve: datetime


def deadlines(*, category: Category, priority: str, received_at: datetime,
              holidays: frozenset[date]) -> Deadlines:
    urgent = priority == Priority.URGENT
    ack = category.urgent_acknowledge_hours if urgent else category.acknowledge_hours
    resolve = category.urgent_resolve_hours if urgent else category.resolve_hours
    return Deadlines(acknowledge=add_working_hours(received_at, float(ack), holidays=holidays),
                     resolve=add_working_hours(received_at, float(resolve), holidays=holidays))


def is_overdue(report: Report, *, now: datetime) -> bool:
    """Late now: not handled and past its resolve deadline, or not acknowledged past that deadline."""
    if report.status in HANDLED_STATUSES:
        return False
    if report.acknowledged_at is None and now > report.acknowledge_due:
        return True
    return now > report.resolve_due
