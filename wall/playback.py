"""Which scene of a playlist is on now. Every wall asks the server, and the server works it out
from the stored position, when it started and the durations, so all walls agree without a clock
process moving the position along."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from wall.models import Playlist, PlaylistEntry, WallState


@dataclass(frozen=True)
class NowPlaying:
    position: int
    started_at: datetime
    ends_at: datetime | None  # None when paused


def entries_of(playlist: Playlist) -> list[PlaylistEntry]:
    return list(playlist.entries.select_related("scene").order_by("order", "id"))


def now_playing(durations: list[int], state: WallState, now: datetime) -> NowPlaying:
    """Advance from the stored position through the durations (seconds) up to `now`."""
    count = len(durations)
    position = state.position % count
    if state.paused:
        return NowPlaying(position, state.started_at, None)
    elapsed = max((now - state.started_at).total_seconds(), 0.0)
    started = state.started_at
    cycle = sum(durations)
    # Whole cycles first: a wall that comes back after a night must not loop a thousand times.
    whole = int(elapsed // cycle)
    started += timedelta(seconds=whole * cycle)
    elapsed -= whole * cycle
    while elapsed >= durations[position]:
        elapsed -= durations[position]
        started += timedelta(seconds=durations[position])
        position = (position + 1) % count
    return NowPlaying(position, started, started + timedelta(seconds=durations[position]))
