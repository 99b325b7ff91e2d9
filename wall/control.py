"""Operator commands for a playlist: pause, resume, next, previous, go to a position.

Each command locks the playlist's state row, resolves where playback is now, applies the command
and bumps `revision`, in one transaction: two operators pressing "next" at once skip two scenes,
never one.

An operator works on the playlist as it is on the operator's own wall (the scenes `operator` is
shown, see `wall.panels`): next and previous step to the scene shown after or before the one on
that wall now, and `goto` counts positions in that list, so no command reaches a hidden scene.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from wall.models import Playlist, WallState
from wall.panels import scenes_shown
from wall.playback import entries_of, now_playing, now_showing

ACTIONS = ("pause", "resume", "next", "previous", "goto")


def ensure_state(playlist: Playlist) -> WallState:
    state, _created = WallState.objects.get_or_create(playlist=playlist, defaults={"started_at": timezone.now()})
    return state


@transaction.atomic
def command(playlist: Playlist, *, action: str, position: int | None = None, by: str = "",
            operator: AbstractBaseUser | None = None) -> WallState:
    """`operator`: whose wall the command is read from; None: the whole playlist."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    entries = entries_of(playlist)
    durations = [entry.duration_seconds for entry in entries]
    if not durations:
        raise ValueError("the playlist has no scenes")
    ensure_state(playlist)
    state = WallState.objects.select_for_update().get(playlist=playlist)
    now = timezone.now()
    playing = now_playing(durations, state, now)
    count = len(durations)
    shown = [True] * count if operator is None else scenes_shown([entry.scene for entry in entries], operator)
    mine = [i for i in range(count) if shown[i]]
    if not mine:
        raise ValueError("none of the playlist's scenes is shown")
    if action == "pause":
        state.position, state.started_at, state.paused = playing.position, playing.started_at, True
    elif action == "resume":
        # The scene gets its full time again: the pause may have been long.
        state.position, state.started_at, state.paused = playing.position, now, False
    else:
        if action == "goto" and position is None:
            raise ValueError("goto needs a position")
        on = mine.index(now_showing(durations, shown, state, now).position)
        target = {"next": on + 1, "previous": on - 1}.get(action, position)
        state.position, state.started_at = mine[target % len(mine)], now
    state.revision += 1
    state.changed_by = by[:150]
    state.save()
    return state
