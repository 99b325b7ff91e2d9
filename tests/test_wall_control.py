"""Playlists cycle on the server's clock; operators pause, skip and go back, and every wall reads the
same state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import client_for
from wall.control import command
from wall.models import WallState
from wall.playback import now_playing


def state_at(position: int, started_ago: float, paused: bool = False) -> tuple[WallState, object]:
    now = timezone.now()
    return WallState(position=position, started_at=now - timedelta(seconds=started_ago), paused=paused), now


def test_the_scene_changes_when_its_time_is_up():
    state, now = state_at(0, 59)
    assert now_playing([60, 30, 30], state, now).position == 0
    state, now = state_at(0, 61)
    assert now_playing([60, 30, 30], state, now).position == 1


def test_after_a_night_away_the_position_is_worked_out_without_looping_for_ever():
    state, now = state_at(0, 10 * 3600 * 24 + 65)  # ten days and 65 s; a cycle is 120 s
    playing = now_playing([60, 30, 30], state, now)
    assert playing.position == 1
    assert (playing.ends_at - now).total_seconds() == pytest.approx(25, abs=0.01)


def test_a_paused_playlist_stays_put():
    state, now = state_at(2, 3600, paused=True)
    assert now_playing([60, 30, 30], state, now) .position == 2


def test_next_previous_and_goto_wrap_around(demo_wall):
    assert command(demo_wall, action="previous").position == 3
    assert command(demo_wall, action="next").position == 0
    assert command(demo_wall, action="goto", position=6).position == 2


def test_pause_then_resume_gives_the_scene_its_full_time_again(demo_wall):
    paused = command(demo_wall, action="pause")
    assert paused.paused is True
    WallState.objects.filter(pk=paused.pk).update(started_at=timezone.now() - timedelta(hours=3))
    resumed = command(demo_wall, action="resume")
    assert (resumed.paused, resumed.position) == (False, paused.position)
    assert timezone.now() - resumed.started_at < timedelta(seconds=5)


def test_every_command_bumps_the_revision(demo_wall):
    before = WallState.objects.get(playlist=demo_wall).revision
    command(demo_wall, action="next")
    command(demo_wall, action="next")
    assert WallState.objects.get(playlist=demo_wall).revision == before + 2


def test_the_state_endpoint_names_the_scene_on_now(demo_wall, official):
    body = client_for(official).get("/api/wall/playlists/long-an-ioc/state").json()
    assert (body["position"], body["scene"], body["paused"]) == (0, "traffic", False)
    assert [s["slug"] for s in body["scenes"]] == ["traffic", "environment", "agriculture", "feedback-1022"]


def test_staff_drive_the_wall_through_the_api(demo_wall, official):
    response = client_for(official).post("/api/wall/playlists/long-an-ioc/control", {"action": "next"}, format="json")
    assert response.status_code == 200
    assert response.json()["scene"] == "environment"
    assert WallState.objects.get(playlist=demo_wall).changed_by == "official"


def test_nobody_else_may_drive_it(demo_wall, api, outsider):
    assert api.post("/api/wall/playlists/long-an-ioc/control", {"action": "next"}, format="json").status_code == 403
    refused = client_for(outsider).post("/api/wall/playlists/long-an-ioc/control", {"action": "next"}, format="json")
    assert refused.json()["code"] == "permission_denied"
    assert WallState.objects.get(playlist=demo_wall).position == 0


def test_a_made_up_command_is_refused_with_the_field_named(demo_wall, official):
    response = client_for(official).post("/api/wall/playlists/long-an-ioc/control", {"action": "rewind"},
                                         format="json")
    assert response.status_code == 400
    assert "action" in response.json()["fields"]


def test_the_control_page_needs_a_signed_in_staff_member(demo_wall, client, official, outsider):
    assert client.get("/wall/control/").status_code == 302
    client.force_login(outsider)
    assert client.get("/wall/control/").status_code == 403
    client.force_login(official)
    assert client.get("/wall/control/").status_code == 200
