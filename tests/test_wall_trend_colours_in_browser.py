"""Trend colours by meaning on the wall: a KPI whose panel says which way is better shows a worse
change in red and a better one in green, whatever the direction (fewer incidents is good news, fewer
reports resolved is bad news); a KPI that does not say stays neutral."""

import pytest
from django.contrib.auth.models import User

from layers.tokens import create_token
from tests.browser import offline_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
RED, GREEN = "rgb(248, 113, 113)", "rgb(74, 222, 128)"


@pytest.fixture
def display(db) -> User:
    return User.objects.create_user("display-trends", is_staff=True)


def expected_trend(data: dict) -> str:
    change, better = data["change"], data.get("better")
    if not better or not change:
        return "neutral"
    return "better" if (change > 0) == (better == "up") else "worse"


@pytest.mark.parametrize("scene", ["traffic", "environment"])
def test_every_kpi_change_is_coloured_by_what_it_means(live_server, demo_wall, display, scene):
    with offline_page(viewport=(1920, 1080)) as (page, outside):
        page.goto(f"{live_server.url}/wall/?token={create_token(display)}&scene={scene}")
        page.wait_for_selector(f"#wall[data-scene={scene}] .panel-kpi .kpi-value")
        body = page.evaluate("(url) => fetch(url, {cache: 'no-store'}).then(r => r.json())", f"/api/wall/scenes/{scene}/data")
        kpis = {p["id"]: p["data"] for p in body["panels"] if p["kind"] == "kpi" and p["data"].get("previous") is not None}
        assert kpis and all(data["better"] in ("up", "down") for data in kpis.values())
        seen = set()
        for pid, data in kpis.items():
            change = page.locator(f"[data-panel={pid}] .kpi-change")
            trend = change.get_attribute("data-trend")
            assert trend == expected_trend(data), pid
            colour = change.evaluate("e => getComputedStyle(e).color")
            assert colour == {"worse": RED, "better": GREEN}.get(trend, colour), pid
            seen.add(trend)
        screenshot(page, f"wall-trends-{scene}-1920x1080")
        assert outside == []
    assert seen - {"neutral"}, "no KPI changed in this world: nothing was checked"
