"""Periods of an indicator: a day, an ISO week, a month, a quarter or a year, as [start, end) dates,
and how they are written ("2025-07-15", "2025-W28", "2025-07", "2025-Q3", "2025")."""

import re
from datetime import date, timedelta

from monitoring.models import PeriodType

_PATTERNS = {
    PeriodType.DAY: re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    PeriodType.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
    PeriodType.MONTH: re.compile(r"^(\d{4})-(\d{1,2})$"),
    PeriodType.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    PeriodType.YEAR: re.compile(r"^(\d{4})$"),
}
EXAMPLES = {PeriodType.DAY: "2025-07-15", PeriodType.WEEK: "2025-W28", PeriodType.MONTH: "2025-07",
            PeriodType.QUARTER: "2025-Q3", PeriodType.YEAR: "2025"}


def parse_period(text: str, period_type: str) -> date:
    """The first day of the period `text` names; ValueError when it is not one of `period_type`.
    A month also reads as its first day ("2025-07-01") and as "07/2025", as spreadsheets write it."""
    text = str(text).strip()
    if period_type == PeriodType.MONTH:
        if m := re.match(r"^(\d{4})-(\d{2})-01$", text):
            text = f"{m[1]}-{m[2]}"
        elif m := re.match(r"^(\d{1,2})/(\d{4})$", text):
            text = f"{m[2]}-{m[1]}"
    match = _PATTERNS[period_type].match(text)
    if not match:
        raise ValueError(text)
    year = int(match[1])
    if not 1900 <= year <= 2200:
        raise ValueError(text)
    if period_type == PeriodType.DAY:
        return date(year, int(match[2]), int(match[3]))
    if period_type == PeriodType.WEEK:
        return date.fromisocalendar(year, int(match[2]), 1)
    if period_type == PeriodType.MONTH:
        return date(year, int(match[2]), 1)
    if period_type == PeriodType.QUARTER:
        return date(year, 3 * int(match[2]) - 2, 1)
    return date(year, 1, 1)


def period_end(start: date, period_type: str) -> date:
    """The first day after the period that starts on `start`."""
    if period_type == PeriodType.DAY:
        return start + timedelta(days=1)
    if period_type == PeriodType.WEEK:
        return start + timedelta(days=7)
    months = {PeriodType.MONTH: 1, PeriodType.QUARTER: 3, PeriodType.YEAR: 12}[period_type]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(day: date, period_type: str) -> date:
    """The first day of the period holding `day`."""
    if period_type == PeriodType.DAY:
        return day
    if period_type == PeriodType.WEEK:
        return day - timedelta(days=day.weekday())
    if period_type == PeriodType.MONTH:
        return day.replace(day=1)
    if period_type == PeriodType.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def label(start: date, period_type: str) -> str:
    if period_type == PeriodType.DAY:
        return start.isoformat()
    if period_type == PeriodType.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period_type == PeriodType.MONTH:
        return f"{start.year}-{start.month:02d}"
    if period_type == PeriodType.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)
