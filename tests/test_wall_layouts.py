"""A layout is data an operator edits: the schema and the bezel rules catch what would break a wall."""

import copy
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from wall.layout import validate_layout
from wall.seed import SCENES, TRAFFIC

KPI = {"layer": "traffic-incidents"}


def layout(*panels: dict, grid=(2, 2), screens=None) -> dict:
    body = {"grid": {"rows": grid[0], "cols": grid[1]}, "panels": list(panels)}
    if screens:
        body["screens"] = {"rows": screens[0], "cols": screens[1]}
    return body


def kpi(pid: str, row: int, col: int, rows: int = 1, cols: int = 1, **query) -> dict:
    return {"id": pid, "kind": "kpi", "row": row, "col": col, "rows": rows, "cols": cols, "query": KPI | query}


def problems(value: dict) -> str:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_layout(value)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize("scene", SCENES, ids=[s[0] for s in SCENES])
def test_the_demo_layouts_are_valid(scene):
    validate_layout(scene[3])


def test_it_rejects_a_panel_across_a_bezel():
    # A 4 × 4 grid on 2 × 2 screens: a panel over cells 1–2 sits across the middle bezel.
    assert "bezel" in problems(layout(kpi("a", 0, 1, cols=2), grid=(4, 4), screens=(2, 2)))


def test_it_accepts_a_panel_covering_whole_screens_or_inside_one():
    validate_layout(layout(kpi("a", 0, 0, rows=2, cols=4), kpi("b", 2, 2), grid=(4, 4), screens=(2, 2)))


def test_it_rejects_overlapping_panels_and_panels_outside_the_grid():
    assert "overlap" in problems(layout(kpi("a", 0, 0, cols=2), kpi("b", 0, 1)))
    assert "does not fit" in problems(layout(kpi("a", 1, 1, rows=2)))


def test_it_rejects_a_sum_without_a_property_and_an_unknown_aggregate():
    assert "needs a property" in problems(layout(kpi("a", 0, 0, aggregate="sum")))
    assert "aggregate" in problems(layout(kpi("a", 0, 0, aggregate="median")))


def test_it_rejects_a_window_it_cannot_read():
    assert "window" in problems(layout(kpi("a", 0, 0, window="last week")))


def test_the_admin_shows_layout_problems_on_the_layout_field(admin_client):
    broken = copy.deepcopy(TRAFFIC)
    broken["panels"][1]["col"] = 2  # onto the map
    response = admin_client.post("/admin/wall/scene/add/", {
        "slug": "broken", "title_vi": "Hỏng", "title_en": "Broken", "layout": json.dumps(broken),
        "as_of_0": "", "as_of_1": ""})
    assert response.status_code == 200
    # Vietnamese first: the admin speaks the site's language.
    assert "chồng lên nhau" in " ".join(response.context["adminform"].form.errors["layout"])


def test_the_admin_saves_a_valid_scene(admin_client):
    response = admin_client.post("/admin/wall/scene/add/", {
        "slug": "lobby", "title_vi": "Sảnh", "title_en": "Lobby", "layout": json.dumps(layout(kpi("a", 0, 0))),
        "as_of_0": "", "as_of_1": ""})
    assert response.status_code == 302


def test_it_rejects_a_chart_with_more_bars_than_a_screen_can_show():
    chart = {"id": "c", "kind": "chart", "row": 0, "col": 0,
             "query": {"layer": "traffic-incidents", "window": "365d", "bucket": "1h"}}
    assert "at most 400 bars" in problems(layout(chart))
