"""The wall's tunables (WALL_* in geo_ioc/settings.py), read in one place."""

from django.conf import settings


def state_poll_ms() -> int:
    # Walls follow the control page within about this long.
    return settings.WALL_STATE_POLL_MS


def data_poll_ms() -> int:
    return settings.WALL_DATA_POLL_MS


def default_playlist() -> str:
    return settings.WALL_DEFAULT_PLAYLIST
