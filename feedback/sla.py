"""Deadlines of a report and whether it is late, on the working-time clock."""

import time
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction

from feedback.models import HANDLED_STATUSES, Category, Holiday, Priority, Report
from feedback.working_time import add_working_hours

# The holiday table as this process last read it, and when (time.monotonic): every report received
# needs it and it changes a few times a year.
_holidays: tuple[frozenset[date], float] | None = None


def holiday_dates() -> frozenset[date]:
    """The holiday table (a few dozen rows a year), remembered by the process for
    FEEDBACK_HOLIDAYS_MAX_AGE seconds. An edit in this process (the admin) forgets it at once
    (feedback.apps); other processes follow within the max age. Only a read made outside a
    transaction is remembered: inside one, the rows may be the transaction's own and a rollback
    would take them back."""
    global _holidays
    if _holidays is not None and time.monotonic() - _holidays[1] < settings.FEEDBACK_HOLIDAYS_MAX_AGE:
        return _holidays[0]
    dates = frozenset(Holiday.objects.values_list("date", flat=True))
    if not connection.in_atomic_block:
        _holidays = (dates, time.monotonic())
    return dates


def forget_holidays(**_kwargs) -> None:
    """Receiver of Holiday's post_save and post_delete: now, and again once the edit is committed
    (a read between the two would have remembered the table without it)."""
    _forget()
    transaction.on_commit(_forget)


def _forget() -> None:
    global _holidays
    _holidays = None


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
