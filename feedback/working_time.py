"""The working-time clock of the 1022 regulation: Monday to Friday, 7:30–11:30 and 13:30–17:00 in
Asia/Ho_Chi_Minh, except the days of the holiday table (feedback.models.Holiday, Tết included).
A working day is 7.5 working hours."""

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
PERIODS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
HOURS_PER_DAY = 7.5
# No deadline is further than this many calendar days away (a year of holidays would be a bug).
_MAX_DAYS = 400


def _periods_of(day: date, holidays: Collection[date]) -> list[tuple[datetime, datetime]]:
    if day.weekday() >= 5 or day in holidays:
        return []
    return [(datetime.combine(day, a, ICT), datetime.combine(day, b, ICT)) for a, b in PERIODS]


def add_working_hours(start: datetime, hours: float, *, holidays: Collection[date]) -> datetime:
    """The moment `hours` working hours after `start` (an aware datetime). A report received outside
    working time starts its clock at the next period; a deadline falls inside a period, never on its
    end's other side (4 hours from Friday 15:00 is Monday 9:30)."""
    remaining = timedelta(hours=float(hours))
    local = start.astimezone(ICT)
    day = local.date()
    for _ in range(_MAX_DAYS):
        for begin, end in _periods_of(day, holidays):
            begin = max(begin, local)
            if begin >= end:
                continue
            if begin + remaining <= end:
                return begin + remaining
            remaining -= end - begin
        day += timedelta(days=1)
    raise ValueError(f"no deadline within {_MAX_DAYS} days of {start.isoformat()}")


def working_hours_between(start: datetime, end: datetime, *, holidays: Collection[date]) -> float:
    """Working hours from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    total = timedelta()
    day, last = start.astimezone(ICT).date(), end.astimezone(ICT).date()
    while day <= last:
        for begin, finish in _periods_of(day, holidays):
            overlap = min(finish, end) - max(begin, start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 3600
