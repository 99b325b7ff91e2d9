"""A mistyped WALL_* setting stops the server at start-up instead of breaking the first wall."""

from wall.checks import wall_settings
from wall.seed import map_layers


def test_a_wall_now_without_a_utc_offset_is_refused(settings):
    settings.WALL_NOW = "2022-12-31T12:00:00"
    assert [e.id for e in wall_settings(None)] == ["wall.E001"]


def test_a_reference_time_with_its_offset_is_accepted(settings):
    settings.WALL_NOW = "2022-12-31T12:00:00+07:00"
    assert wall_settings(None) == []


def test_walls_may_not_hammer_the_server(settings):
    settings.WALL_STATE_POLL_MS = 20
    assert [e.id for e in wall_settings(None)] == ["wall.E002"]


def test_the_demo_maps_name_the_layers_to_seed_tiles_for():
    layers = map_layers()
    assert {"admin-districts", "roads", "feedback-1022"} <= layers["plain"]
    assert layers["windowed"] == {"traffic-incidents"}
