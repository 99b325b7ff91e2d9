"""Accessibility of the pages people work in (issue #19 point 9): axe-core (from npm, injected by the
test only: the app never serves it) finds no serious or critical WCAG 2 A/AA violation (contrast,
labels, landmarks, button names) on the dashboard, the wall's control page, the import page, the
feedback desk, the open-data portal and the OGC API's HTML pages, in Vietnamese and English."""

import json
import shutil
from pathlib import Path

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
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "dashboard": "/",
    "wall-control": "/wall/control/",
    "imports": "/imports/",
    "feedback-desk": "/feedback/",
    "open-data": "/data/",
    "ogc": "/ogc/",
    "ogc-collections": "/ogc/collections?f=html",
}


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2 A/AA findings of axe-core on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 6).map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
        }));
    }""")
    return found


def settle(page, name: str) -> list[dict]:
    """Wait for the page to be drawn; returns what axe found on a view the page shows first and then
    leaves (signed-in staff open the dashboard on the "today" overview, the layer panel a tab away)."""
    if name != "dashboard":
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        return []
    wait_for_map(page, timeout=WAIT_MS)
    first = []
    if page.locator("#tab-today[aria-selected='true']").count():  # not when a shared link opened the page
        page.wait_for_selector("#panel-today[data-preset]:not([aria-busy]) #today-cards .today-card", timeout=WAIT_MS)
        first = axe_violations(page)
    if page.locator("#tab-today").count():
        page.click("#tab-layers")
    page.wait_for_selector("#layer-groups .layer-row", timeout=WAIT_MS)
    return first


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_violation(live_server, demo, superuser, name, lang):
    with browser(viewport=(1366, 768), locale="vi-VN" if lang == "vi" else "en-GB") as (page, outside):
        signed_in(page, live_server, superuser)
        page.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}])
        page.goto(live_server.url + PAGES[name], timeout=WAIT_MS)
        found = settle(page, name) + axe_violations(page)
        screenshot(page, f"a11y-{name}-{lang}-1366x768")
        assert found == [], json.dumps(found, ensure_ascii=False, indent=1)
        assert outside == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_dashboards_tabs_table_and_print_dialog_have_no_serious_violation(live_server, demo, superuser, lang):
    with browser(viewport=(1366, 768), locale="vi-VN" if lang == "vi" else "en-GB") as (page, outside):
        signed_in(page, live_server, superuser)
        page.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}])
        page.goto(live_server.url + "/#map=10.00/10.6/106.3&layers=land-use-plan,health-facilities,feedback-1022",
                  timeout=WAIT_MS)
        settle(page, "dashboard")
        page.wait_for_selector("#timeline:not([hidden])")
        found = {}
        page.click("#tab-monitoring")
        page.wait_for_selector("#monitoring .monitoring-services", state="attached", timeout=60_000)
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        found["monitoring"] = axe_violations(page)
        page.click("#tab-zones")
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        found["zones"] = axe_violations(page)
        page.click("#table-toggle")
        page.wait_for_selector("#table-drawer table", timeout=60_000)
        found["table"] = axe_violations(page)
        page.click("#print-map")
        page.wait_for_selector("#print-dialog[open]")
        found["print"] = axe_violations(page)
        screenshot(page, f"a11y-dashboard-print-dialog-{lang}")
        assert {state: v for state, v in found.items() if v} == {}, json.dumps(found, ensure_ascii=False, indent=1)
        assert outside == []
