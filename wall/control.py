"""Operator commands for a playlist: pause, resume, next, previous, go to a position.

Each command locks the playlist's state row, resolves where playback is now, applies the command
and bumps `revision`, in one transaction: two operators pressing "next" at once skip two scenes,
never one.
"""

from django.db import transaction
from django.utils import timezone

from wall.models import Playlist, WallState
from wall.playback import entries_of, now_playing

ACTIONS = ("pause", "resume", "next", "previous", "goto")


def ensure_state(playlist: Playlist) -> WallState:
    state, _created = WallState.objects.get_or_create(playlist=playlist, defaults={"started_at": timezone.now()})
    return state


@transaction.atomic
def command(playlist: Playlist, *, action: str, position: int | None = None, by: str = "") -> WallState:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    durations = [entry.duration_seconds for entry in entries_of(playlist)]
    if not durations:
        raise ValueError("the playlist has no scenes")
    ensure_state(playlist)
    state = WallState.objects.select_for_update().get(playlist=playlist)
    now = timezone.now()
    playing = now_playing(durations, state, now)
    count = len(durations)
    if action == "pause":
        state.position, state.started_at, state.paused = playing.position, playing.started_at, True
    elif action == "resume":
        # The scene gets its full time again: the pause may have been long.
        state.position, state.started_at, state.paused = playing.position, now, False
    else:
        target = {"next": playing.position + 1, "previous": playing.position - 1}.get(action, position)
        if target is None:
            raise ValueError("goto needs a position")
        state.position, state.started_at = target % count, now
    state.revision += 1
    state.changed_by = by[:150]
    state.save()
    return state
