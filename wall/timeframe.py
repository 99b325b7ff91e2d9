"""The "now" a scene is measured from, and time windows like "24h" or "7d" relative to it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime


_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Window:
    """A half-open interval (start, end]: a feature at exactly `end` is in, one at `start` is not,
    so consecutive windows never count a feature twice."""

    start: datetime
    end: datetime

    def closed(self) -> tuple[datetime, datetime]:
        """The same window as the closed one layers.query.during takes: timestamps are microseconds,
        so (start, end] is [start + 1 µs, end]."""
        return self.start + _MICROSECOND, self.end

    def previous(self) -> "Window":
        return Window(self.start - (self.end - self.start), self.start)


def duration(text: str) -> timedelta:
    """"24h" → 24 hours, "7d" → 7 days (the layout schema allows nothing else)."""
    amount, unit = int(text[:-1]), text[-1]
    return timedelta(hours=amount) if unit == "h" else timedelta(days=amount)


def reference_time(as_of: datetime | None) -> tuple[datetime, bool]:
    """(now, live): the scene's own `as_of`, else settings.WALL_NOW, else the real time (live=True)."""
    if as_of is not None:
        return as_of, False
    fixed = getattr(settings, "WALL_NOW", "")
    if fixed:
        parsed = parse_datetime(fixed)
        if parsed is None or timezone.is_naive(parsed):
            raise ValueError("WALL_NOW must be an ISO 8601 datetime with a UTC offset")
        return parsed, False
    return timezone.now(), True


def window_ending(now: datetime, text: str) -> Window:
    return Window(now - duration(text), now)
