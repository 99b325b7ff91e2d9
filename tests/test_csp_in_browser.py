"""With the Content-Security-Policy on, the dashboard, the wall, the tile preview and the API docs
work in Chromium without a single violation report (the policy allows what they need, and nothing
of theirs comes from another origin)."""

import time

import pytest

from tests.browser import wait_for_map
from tests.test_dashboard_in_browser import WAIT_MS, browser
from tests.test_wall_in_browser import sign_in_display
from wall.seed import ensure_demo_scenes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded from the first script on: every violation the page (or a worker it starts) reports.
LISTEN = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def violations(page, console: list[str]) -> list[str]:
    return page.evaluate("window.cspViolations") + [m for m in console if "Content Security Policy" in m]


def wait_until(page, expression: str) -> None:
    """page.wait_for_function evaluates its predicate with eval inside the page, which this very
    policy forbids (no 'unsafe-eval'); evaluating from outside, through the DevTools protocol, is not
    subject to it."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, expression
        page.wait_for_timeout(100)


def watched(page) -> list[str]:
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on("console", lambda message: console.append(message.text))
    return console


def test_the_dashboard_reports_no_violation(live_server, demo):
    with browser(csp=True) as (page, outside):
        console = watched(page)
        page.goto(live_server.url + "/", timeout=WAIT_MS)
        wait_for_map(page, timeout=WAIT_MS)
        wait_until(page, "window.geoIoc.map.loaded() && window.geoIoc.map.areTilesLoaded()")
        assert violations(page, console) == [] and outside == []


def test_the_wall_reports_no_violation(live_server, demo, display):
    ensure_demo_scenes()  # over the demo world, as `make run` shows them
    with browser(viewport=(1920, 1080), csp=True) as (page, outside):
        console = watched(page)
        sign_in_display(page, live_server, display, "&scene=traffic")
        page.wait_for_selector("#wall[data-scene=traffic] .panel-kpi .kpi-value", timeout=WAIT_MS)
        assert violations(page, console) == [] and outside == []


def test_the_tile_preview_reports_no_violation(live_server, demo):
    with browser(csp=True) as (page, outside):
        console = watched(page)
        page.goto(live_server.url + "/tiles/preview/?layers=schools", timeout=WAIT_MS)
        wait_until(page, "window.geoIocReady === true")
        assert page.evaluate("window.geoIocErrors || []") == []
        assert violations(page, console) == [] and outside == []


def test_the_api_docs_report_no_violation(live_server):
    with browser(csp=True) as (page, outside):
        console = watched(page)
        page.goto(live_server.url + "/api/docs/", timeout=WAIT_MS)
        page.wait_for_selector(".swagger-ui .opblock", timeout=WAIT_MS)
        assert violations(page, console) == [] and outside == []
