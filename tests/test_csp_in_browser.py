"""With the Content-Security-Policy on, the dashboard, the wall, the tile preview and the API docs
work in Chromium without a single violation report (the policy allows what they need, and nothing
of theirs comes from another origin)."""
# ruff: noqa: F811

import pytest

from tests.test_dashboard_in_browser import WAIT_MS, browser, demo, long_an, open_dashboard  # noqa: F401
from tests.test_wall_in_browser import sign_in_display
from tests.test_wall_world import demo_wall, display, wall_world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded from the first script on: every violation the page (or a worker it starts) reports.
LISTEN = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def violations(page, console: list[str]) -> list[str]:
    return page.evaluate("window.cspViolations") + [m for m in console if "Content Security Policy" in m]


def watched(page) -> list[str]:
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on("console", lambda message: console.append(message.text))
    return console


def test_the_dashboard_reports_no_violation(live_server, demo):
    with browser() as (page, outside):
        console = watched(page)
        open_dashboard(page, live_server)
        assert violations(page, console) == [] and outside == []


def test_the_wall_reports_no_violation(live_server, demo_wall, display):
    with browser(viewport=(1920, 1080)) as (page, outside):
        console = watched(page)
        sign_in_display(page, live_server, display, "&scene=traffic")
        page.wait_for_selector("#wall[data-scene=traffic] .panel-kpi .kpi-value", timeout=WAIT_MS)
        assert violations(page, console) == [] and outside == []


def test_the_tile_preview_reports_no_violation(live_server, demo):
    with browser() as (page, outside):
        console = watched(page)
        page.goto(live_server.url + "/tiles/preview/?layers=schools", timeout=WAIT_MS)
        page.wait_for_function("window.geoIocReady === true", timeout=WAIT_MS)
        assert page.evaluate("window.geoIocErrors || []") == []
        assert violations(page, console) == [] and outside == []


def test_the_api_docs_report_no_violation(live_server):
    with browser() as (page, outside):
        console = watched(page)
        page.goto(live_server.url + "/api/docs/", timeout=WAIT_MS)
        page.wait_for_selector(".swagger-ui .opblock", timeout=WAIT_MS)
        assert violations(page, console) == [] and outside == []
