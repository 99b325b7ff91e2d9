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


def now_showing(durations: list[int], shown: list[bool], state: WallState,
                now: datetime) -> NowPlaying | None:
    """What a wall that may show only the entries marked in `shown` shows now (`position` indexes the
    whole playlist; None when it may show none). While the shared playlist is on an entry hidden from
    it, the wall shows the next entry it may show, so every wall of one access scope shows the same
    scene and falls back in step when the playlist reaches it. The scene ends with its own entry;
    it started when the run of hidden entries before it did (or at the last command)."""
    if not any(shown):
        return None
    count = len(durations)
    playing = now_playing(durations, state, now)
    position, ends_at = playing.position, playing.ends_at
    while not shown[position]:
        position = (position + 1) % count
        if ends_at is not None:
            ends_at += timedelta(seconds=durations[position])
    # Back over the hidden entries played since the last command: this wall was already on it then.
    started_at, back = playing.started_at, playing.position
    for _ in range(count - 1):
        previous = (back - 1) % count
        earlier = started_at - timedelta(seconds=durations[previous])
        if state.paused or shown[previous] or earlier < state.started_at:
            break
        back, started_at = previous, earlier
    return NowPlaying(position, started_at, ends_at)
