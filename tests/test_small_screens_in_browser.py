"""The dashboard from 800 px to 4K (issue #19 point 9): the key controls lie inside the window and do
not cover one another (bounding boxes); the time bar leaves the scale bar visible; the language menu
stays on screen; the map tools are a few Tab presses away (skip links). /wall/control/ on a tablet:
tests/test_wall_control_on_a_tablet_in_browser.py (the wall world and the demo world collide in one
module)."""

import shutil

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.browser import CHROMIUM, screenshot, wait_for_map
from tests.browser import live_server_page as browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
WAIT_MS = 240_000
SIZES = [(800, 600), (1024, 768), (1366, 768), (1920, 1080), (3840, 2160)]
# The controls a person must reach; each must be whole inside the window.
KEY_CONTROLS = {
    "language": "#language",
    "search": "#search-input",
    "sign-out": ".topnav form button",
    "tools": ".map-tools",
    "print": "#print-map",
    "zoom": ".maplibregl-ctrl-zoom-in",
    "scale": ".maplibregl-ctrl-scale",
    "time": "#timeline",
    "legend": "#map-legend",
    "tabs": ".tabs",
}
# Pairs that share the map and must not cover each other.
APART = [("time", "scale"), ("tools", "legend"), ("time", "legend"), ("tools", "zoom"), ("legend", "scale"), ("tools", "scale"),
         ("legend", "zoom"), ("time", "zoom"), ("search", "language"), ("search", "sign-out")]


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def boxes(page, selectors: dict[str, str]) -> dict[str, dict]:
    return page.evaluate("""(selectors) => Object.fromEntries(Object.entries(selectors).map(([name, css]) => {
        const node = document.querySelector(css);
        if (!node || !node.getClientRects().length) return [name, null];
        const r = node.getBoundingClientRect();
        return [name, {x: r.left, y: r.top, right: r.right, bottom: r.bottom}];
    }))""", selectors)


def overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["right"] - 0.5 and b["x"] < a["right"] - 0.5 and a["y"] < b["bottom"] - 0.5 and b["y"] < a["bottom"] - 0.5


def open_dashboard(page, live_server) -> None:
    page.goto(live_server.url + "/#map=10.00/10.6/106.3&layers=land-use-plan,health-facilities,feedback-1022",
              timeout=WAIT_MS)
    wait_for_map(page, timeout=WAIT_MS)
    page.wait_for_selector("#timeline:not([hidden])", timeout=WAIT_MS)
    page.wait_for_selector("#map-legend:not([hidden])", timeout=WAIT_MS)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_key_controls_are_inside_the_window_and_apart(live_server, demo, superuser, size, lang):
    width, height = size
    with browser(viewport=size, locale="vi-VN" if lang == "vi" else "en-GB") as (page, outside):
        signed_in(page, live_server, superuser)
        page.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}])
        open_dashboard(page, live_server)
        found = boxes(page, KEY_CONTROLS)
        screenshot(page, f"dashboard-{lang}-{width}x{height}")
        assert [name for name, box in found.items() if box is None] == []
        outside_window = {name: box for name, box in found.items()
                          if box["x"] < 0 or box["y"] < 0 or box["right"] > width + 0.5 or box["bottom"] > height + 0.5}
        assert outside_window == {}
        assert [(a, b) for a, b in APART if overlap(found[a], found[b])] == []
        # Nothing scrolls sideways: the page is as wide as the window.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert outside == []


def test_the_map_tools_are_a_few_tab_presses_away(live_server, demo, superuser):
    with browser(viewport=(1366, 768)) as (page, _outside):
        signed_in(page, live_server, superuser)
        open_dashboard(page, live_server)
        page.locator("body").focus()
        presses = 0
        # The skip links come first: Tab to "Skip to the map tools", Enter, then Tab into the tools.
        while presses < 6:
            page.keyboard.press("Tab")
            presses += 1
            if page.evaluate("document.activeElement.getAttribute('href')") == "#map-tools":
                break
        assert page.is_visible("a.skip-link[href='#map-tools']")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        presses += 2
        assert page.evaluate("document.activeElement.closest('.map-tools') !== null")
        assert presses <= 5
        tools = page.evaluate("[...document.querySelectorAll('.map-tools button')].map((b) => b.id)")
        assert page.evaluate("document.activeElement.id") == tools[0]
