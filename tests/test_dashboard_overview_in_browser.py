"""The "today" overview in headless Chromium, on the demo world with the platform's now pinned to a
morning of 2022: signed-in staff open on it, its cards show the database's numbers, an overdue report
in the attention list flies the map there, the presets move the window (today = the platform's day),
a custom window comes from the date pickers; an official outside the health group sees no alert of
the restricted dengue layer that a health officer sees; an anonymous visitor keeps the public view."""

import shutil
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import Point
from django.db.models import Q

from feedback.categories import ensure_categories
from feedback.models import Report, Status
from feedback.working_time import ICT
from layers.models import Feature, Layer
from monitoring.models import AlertRule, AlertState, AlertStatus
from tests.browser import CHROMIUM, screenshot
from tests.browser import live_server_page as browser
from tests.test_dashboard_in_browser import WAIT_MS, open_dashboard, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
NOW = datetime(2022, 11, 15, 10, 0, tzinfo=ICT)  # the platform's now: a Tuesday morning of the demo year
MIDNIGHT = datetime(2022, 11, 15, tzinfo=ICT)
OVERDUE_AT = (106.2870, 10.6420)  # far from the province's centre, where the map opens


@pytest.fixture
def pinned(settings):
    settings.WALL_NOW = NOW.isoformat()


def report(received: datetime, where=(106.41, 10.54), status=Status.RECEIVED) -> Report:
    category = ensure_categories()["giao_thong"]
    return Report.objects.create(category=category, description="Ổ gà lớn giữa đường", location=Point(*where, srid=4326),
                                 commune_name="Phường 1", status=status, received_at=received,
                                 acknowledge_due=received + timedelta(hours=8), resolve_due=received + timedelta(days=5),
                                 updated_at=received)


def cards(page) -> dict[str, int]:
    return page.eval_on_selector_all("#today-cards .today-card",
                                     "els => Object.fromEntries(els.map(e => [e.dataset.card, Number(e.dataset.value)]))")


def overview_window(page) -> tuple[datetime, datetime, str]:
    root = page.locator("#panel-today")
    parse = lambda name: datetime.fromisoformat(root.get_attribute(name).replace("Z", "+00:00"))  # noqa: E731
    return parse("data-start"), parse("data-end"), root.get_attribute("data-preset")


def wait_for_preset(page, preset: str) -> None:
    page.wait_for_selector(f"#panel-today[data-preset='{preset}']:not([aria-busy])", timeout=WAIT_MS)


def incidents_between(start: datetime, end: datetime) -> int:
    layer = Layer.objects.get(slug="traffic-incidents")
    return Feature.objects.filter(layer=layer, time_start__gt=start, time_start__lte=end).count()


def test_staff_open_on_today_with_the_databases_numbers_and_a_list_that_flies_the_map(
        live_server, demo, official, pinned):
    for hours in (1, 3, 9):
        report(NOW - timedelta(hours=hours))
    report(NOW - timedelta(days=3))  # in the 7 days, not today
    late = report(NOW - timedelta(days=20), where=OVERDUE_AT)  # overdue by now
    with browser(viewport=(1600, 900)) as (page, outside):
        sign_in(page, live_server, official)
        open_dashboard(page, live_server)
        assert page.get_attribute("#tab-today", "aria-selected") == "true"
        wait_for_preset(page, "today")
        start, end, _ = overview_window(page)
        # "Today" is the province's calendar day up to the platform's now, not the browser's clock.
        assert (start, end) == (MIDNIGHT, NOW)
        shown = cards(page)
        today = Report.objects.filter(received_at__gt=MIDNIGHT, received_at__lte=NOW).count()
        # Past a deadline now: the 20-day-old report (to resolve), the 3-day-old and the 9-hour-old ones
        # (to acknowledge, 8 hours after they came).
        overdue = Report.objects.filter(Q(resolve_due__lt=NOW) | Q(acknowledged_at__isnull=True, acknowledge_due__lt=NOW),
                                        status=Status.RECEIVED, received_at__lte=NOW).count()
        assert shown["new_reports"] == today == 3
        assert shown["overdue_reports"] == overdue == 3
        assert shown["incidents"] == incidents_between(MIDNIGHT, NOW)
        # The map shows the overview's layers, over its window: not every report of the demo year.
        assert set(page.evaluate("window.geoIoc.overlays.visibleSlugs()")) >= {"feedback-1022", "traffic-incidents"}
        screenshot(page, "dashboard-today-staff-vi")

        item = page.locator("#today-attention li[data-kind=overdue_report] button").first
        item.click()
        page.wait_for_function(
            "([x, y]) => { const c = window.geoIoc.map.getCenter(); return Math.abs(c.lng - x) < 1e-3 && Math.abs(c.lat - y) < 1e-3; }",
            arg=list(late.location.coords), timeout=WAIT_MS)

        page.click("#panel-today button[data-preset='7d']")
        wait_for_preset(page, "7d")
        start, end, _ = overview_window(page)
        assert (start, end) == (NOW - timedelta(days=7), NOW)
        week = cards(page)
        assert week["new_reports"] == 4
        assert week["incidents"] == incidents_between(NOW - timedelta(days=7), NOW) > shown["incidents"]

        page.click("#panel-today button[data-preset='custom']")
        page.fill("#today-from", "2022-11-01")
        page.fill("#today-to", "2022-11-10")
        page.click("#panel-today .today-custom button[type=submit]")
        wait_for_preset(page, "custom")
        start, end, _ = overview_window(page)
        assert start == datetime(2022, 11, 1, tzinfo=ICT) and end.date() == datetime(2022, 11, 10).date()
        assert cards(page)["incidents"] == incidents_between(start, end)
        screenshot(page, "dashboard-today-custom-vi")
        assert outside == []


def _dengue_alert() -> AlertRule:
    rule = AlertRule.objects.create(slug="dengue-outbreak", title_vi="Bùng phát sốt xuất huyết",
                                    title_en="Dengue outbreak", metric="layer", aggregate="count",
                                    layer=Layer.objects.get(slug="dengue-cases"), threshold=5, severity="critical")
    AlertState.objects.create(rule=rule, area_key="80301", area_name="Phường 1", status=AlertStatus.FIRING,
                              value=9, since=NOW - timedelta(hours=2), geom=Point(106.41, 10.54, srid=4326))
    return rule


def test_an_official_outside_the_health_group_never_sees_the_dengue_alert(live_server, demo, official, pinned):
    _dengue_alert()
    health = User.objects.create_user("health-officer", is_staff=True)
    health.groups.add(Group.objects.get(name="health"))
    seen = {}
    with browser(viewport=(1600, 900)) as (page, outside):
        for who in (official, health):
            page.context.clear_cookies()
            sign_in(page, live_server, who)
            open_dashboard(page, live_server)
            wait_for_preset(page, "today")
            seen[who.username] = (cards(page), page.inner_text("#panel-today"))
            if who is official:
                screenshot(page, "dashboard-today-official-no-dengue")
        assert outside == []
    official_cards, official_text = seen["official"]
    health_cards, health_text = seen["health-officer"]
    assert official_cards["alerts_firing"] == 0 and "xuất huyết" not in official_text
    assert health_cards["alerts_firing"] == 1 and "Bùng phát sốt xuất huyết" in health_text


def test_an_anonymous_visitor_keeps_the_public_view(live_server, demo, pinned):
    with browser(viewport=(1600, 900)) as (page, outside):
        open_dashboard(page, live_server)
        assert page.locator("#tab-today").count() == 0
        assert page.get_attribute("#tab-layers", "aria-selected") == "true"
        assert "feedback-1022" not in page.evaluate("window.geoIoc.overlays.visibleSlugs()")
        assert outside == []
