"""The wall speaks its page's language: numbers and times the English way on the English wall, the
Vietnamese way on the Vietnamese one (the dashboard's i18n module decides both), and its maps are
drawn by the dashboard's map module from the server's styles."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser import offline_page, screenshot
from tests.conftest import add_features
from tests.test_wall_in_browser import ONE_SCREEN
from tests.wall_world import reading
from wall.pages import MESSAGES

pytestmark = pytest.mark.django_db(transaction=True)
WALL_SCRIPTS = Path(__file__).resolve().parent.parent / "wall" / "static" / "wall"
# The environment scene's reference time is 23:00 on 31 Dec 2022 (ICT); the poor-air reading is 2 h
# older, and the highest PM2.5 of the last 24 h is the reading added below.
EXPECTED = {
    "en-GB": {"pm25": "1,234.5 µg/m³", "previous": "(previous period: 31.0)", "as_of": "Data as of 31/12, 23:00",
              "ticker": "31/12, 21:00", "weekday": r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"},
    "vi-VN": {"pm25": "1.234,5 µg/m³", "previous": "(kỳ trước: 31,0)", "as_of": "Số liệu tính đến 23:00 31-12",
              "ticker": "21:00 31-12", "weekday": r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật)"},
}


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-GB", "vi-VN"])
def test_numbers_and_times_follow_the_walls_language(live_server, demo_wall, wall_world, locale):
    add_features(wall_world["air"], [reading("r4", timedelta(hours=3), "KK-TA", 60, "trung_binh", 1234.5)])
    expected = EXPECTED[locale]
    with offline_page(viewport=ONE_SCREEN, locale=locale) as (page, outside):
        page.goto(live_server.url + "/wall/?scene=environment")
        page.wait_for_selector("[data-panel=pm25-max] .kpi-value")
        assert page.locator("html").get_attribute("lang") == locale[:2]
        assert page.locator("[data-panel=pm25-max] .kpi-value").inner_text() == expected["pm25"]
        assert expected["previous"] in page.locator("[data-panel=pm25-max] .kpi-change").inner_text()
        assert page.locator(".as-of").inner_text() == expected["as_of"]
        assert page.locator("[data-panel=latest] time").first.inner_text() == expected["ticker"]
        page.wait_for_function("document.querySelector('.clock-date').textContent !== ''")
        assert re.match(expected["weekday"], page.locator(".clock-date").inner_text())
        assert re.fullmatch(r"\d\d:\d\d:\d\d", page.locator(".clock-time").inner_text())
        page.wait_for_selector("[data-panel=map][data-map-ready]", timeout=20000)
        screenshot(page, f"wall-environment-{locale}-1920x1080")
        assert outside == []


@pytest.mark.browser
def test_the_walls_maps_draw_the_basemap_and_each_layers_own_style(live_server, demo_wall):
    with offline_page(viewport=ONE_SCREEN) as (page, _outside):
        styles = []
        page.on("request", lambda r: "/tiles/styles/" in r.url and styles.append(r.url.split("/tiles/styles/")[1]))
        page.goto(live_server.url + "/wall/?scene=environment")
        page.wait_for_selector("[data-panel=map][data-map-ready]", timeout=20000)
        # The anonymous environment map shows the districts over the basemap (the stations layers
        # are not in this small world).
        assert set(styles) == {"basemap.json", "admin-districts.json"}
        assert page.locator("[data-panel=map] .maplibregl-map").count() == 1


def test_every_string_of_the_walls_script_is_listed_for_translation():
    used = set()
    for script in WALL_SCRIPTS.glob("*.js"):
        used |= set(re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', script.read_text()))
    assert used == set(MESSAGES)


def test_the_walls_script_leaves_formats_and_map_styles_to_the_shared_modules():
    wall = "\n".join(script.read_text() for script in WALL_SCRIPTS.glob("*.js") if script.name != "control.js")
    assert "../dashboard/js/i18n.js" in wall and "../dashboard/js/map.js" in wall
    # No locale of its own, no number or date formatter, no paint of its own: those are shared.
    assert not re.search(r"Intl\.|toLocaleString|\"(vi-VN|en-GB|en-US)\"|new maplibregl\.Map", wall)
    assert not re.search(r'"(fill|line|circle)-(opacity|width|radius)"|"background-color"', wall)
    assert not re.search(r"\d{2,3}\.\d{2}, \d{1,2}\.\d{2}", wall)  # no coordinates of the province
