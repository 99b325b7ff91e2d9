"""One colour, one meaning: over the demo world's styles, red is only ever an alarm (an overdue 1022
report, salinity over its limit, bad air, a serious incident), and in the dashboard's default view no
two domains, and no two categories of a layer, share a colour."""

import pytest

from dashboard.pages import DEFAULT_LAYERS
from fixtures.world import generate_world
from layers.palette import Styled, is_alarm_red, policy_problems
from layers.styles import PALETTE, default_style


@pytest.fixture(scope="module")
def demo_styles() -> list[Styled]:
    return [Styled(layer.slug, layer.domain, layer.style) for layer in generate_world().layers]


def test_the_demo_worlds_styles_keep_the_palette_policy(demo_styles):
    assert policy_problems(demo_styles, default_view=DEFAULT_LAYERS) == []


def test_the_default_view_shows_the_alarm_red_only_for_overdue_reports(demo_styles):
    shown = [layer for layer in demo_styles if layer.slug in DEFAULT_LAYERS]
    reds = [(layer.slug, stop["value"]) for layer in shown
            for stop in (layer.style.get("categories") or {}).get("stops", []) if is_alarm_red(stop["color"])]
    assert reds == [("feedback-1022", "qua_han")]


def test_a_red_hospital_or_two_domains_in_one_colour_are_caught():
    hospital = Styled("hospitals", "health", {"type": "circle", "categories": {"property": "k", "stops": [
        {"value": "provincial", "color": "#e31a1c"}]}})
    assert policy_problems([hospital], default_view=[]) == [
        "hospitals:provincial is drawn in alarm red #e31a1c but is not an alarm"]
    schools = Styled("schools", "education", {"type": "circle", "color": "#1f78b4"})
    rivers = Styled("rivers", "water", {"type": "line", "color": "#1f78b5"})
    assert len(policy_problems([schools, rivers], default_view=["schools", "rivers"])) == 1
    assert policy_problems([schools, rivers], default_view=["schools"]) == []


def test_red_is_told_from_pink_and_maroon():
    assert is_alarm_red("#e31a1c") and is_alarm_red("#de2d26") and is_alarm_red("#ff0000")
    assert not any(is_alarm_red(c) for c in ("#fb9a99", "#7e0023", "#ff7f00", "#e7298a", "#fdae6b"))


def test_new_layers_never_get_an_alarm_red():
    assert not any(is_alarm_red(color) for color in PALETTE)
    assert not is_alarm_red(default_style(geometry_type="Point", color=PALETTE[0])["color"])
