"""WALL_* settings are checked at start-up, not when the first wall asks for its numbers."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wall import conf


@register()
def wall_settings(app_configs, **kwargs) -> list[Error]:
    errors = []
    fixed = getattr(settings, "WALL_NOW", "")
    if fixed:
        parsed = parse_datetime(fixed)
        if parsed is None or timezone.is_naive(parsed):
            errors.append(Error("WALL_NOW must be an ISO 8601 datetime with a UTC offset, "
                                "e.g. 2022-12-31T12:00:00+07:00, or empty for the real time.", id="wall.E001"))
    if conf.state_poll_ms() < 100 or conf.data_poll_ms() < conf.state_poll_ms():
        errors.append(Error("WALL_STATE_POLL_MS must be at least 100 and WALL_DATA_POLL_MS at least as long.",
                            id="wall.E002"))
    return errors
