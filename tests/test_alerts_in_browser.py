"""An alert fires and a duty operator sees it where people look, in headless Chromium: the dashboard's
banner (and the firing area drawn on the map), the Alerts page, where acknowledging it makes the count
drop, and a wall scene's alerts panel and ticker. An outsider's wall shows nothing of the restricted
dengue rule."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from layers.catalog import publish_changes
from layers.models import Feature
from monitoring import alert_layers
from monitoring.evaluation import evaluate
from monitoring.models import AlertEvent
from tests.alert_api_world import commune, dengue_rule, health_steward
from tests.browser import live_server_page, screenshot, wait_for_map
from wall.models import Scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT_MS = 60000
AREA = "Phường Sốt Xuất Huyết"


@pytest.fixture
def quick(settings):
    settings.WALL_STATE_POLL_MS = 250
    settings.WALL_DATA_POLL_MS = 500


@pytest.fixture
def fired(dengue, health_group):
    """Dengue cases summed per commune, over 10: quiet at 7 cases, firing once 5 more are reported."""
    nurse = health_steward(dengue, health_group)
    rule = dengue_rule(dengue, commune(), aggregate="sum", property="cases", threshold=10, recovery=8)
    assert evaluate(rule) == []
    Feature.objects.create(layer=dengue, source_id="d2", geom="SRID=4326;POINT(106.412 10.541)",
                           properties={"cases": 5})
    publish_changes(dengue)
    [event] = evaluate(rule)
    alert_layers.refresh()
    return nurse, rule, event


def sign_in(page, live_server, user: User) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def alerts_scene(rule) -> Scene:
    slug = alert_layers.layer_slug(alert_layers.scope_of(rule))
    scene = Scene.objects.create(slug="alerts-desk", title_vi="Cảnh báo", title_en="Alerts", layout={
        "grid": {"rows": 2, "cols": 2},
        "panels": [
            {"id": "map", "kind": "map", "row": 0, "col": 0, "rows": 2, "cols": 1, "title_vi": "Khu vực cảnh báo",
             "title_en": "Alert areas", "query": {"layers": [{"layer": slug}], "bbox": [106.38, 10.52, 106.44, 10.56]}},
            {"id": "alerts", "kind": "alerts", "row": 0, "col": 1, "title_vi": "Cảnh báo đang diễn ra",
             "title_en": "Firing alerts", "query": {"limit": 10}},
            {"id": "ticker", "kind": "alert_ticker", "row": 1, "col": 1, "title_vi": "Tin cảnh báo",
             "title_en": "Alert news"},
        ]})
    scene.full_clean()
    return scene


def test_an_alert_fires_and_is_seen_on_the_dashboard_the_alerts_page_and_the_wall(live_server, fired, quick):
    nurse, rule, event = fired
    layer_slug = alert_layers.layer_slug(alert_layers.scope_of(rule))
    with live_server_page() as (page, outside):
        sign_in(page, live_server, nurse)
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(f"{live_server.url}/#map=13/10.541/106.41", timeout=WAIT_MS)
        banner = page.wait_for_selector("#alerts-banner.has-alerts", timeout=WAIT_MS)
        assert banner.get_attribute("data-count") == "1"
        assert "1" in banner.inner_text()
        wait_for_map(page, timeout=WAIT_MS)
        page.wait_for_function("window.geoIoc && window.geoIoc.map.loaded() && window.geoIoc.map.areTilesLoaded()",
                               timeout=WAIT_MS)
        assert any(f"/tiles/{layer_slug}/" in url for url in asked), "the firing alerts' layer is drawn"
        screenshot(page, "alerts-dashboard-banner")

        banner.click()
        page.wait_for_url("**/alerts/", timeout=WAIT_MS)
        row = page.locator("#current-alerts tr[data-status=firing]")
        assert row.count() == 1 and AREA in row.inner_text()
        assert page.get_attribute("#alerts-summary", "data-unacknowledged") == "1"
        screenshot(page, "alerts-page-firing")
        row.locator("input[name=note]").fill("Đã báo trạm y tế phường")
        row.locator("button.ack-button").click()
        page.wait_for_selector("#alerts-summary[data-unacknowledged='0']", timeout=WAIT_MS)
        assert "Đã báo trạm y tế phường" in page.locator("#current-alerts tr[data-status=firing]").inner_text()
        screenshot(page, "alerts-page-acknowledged")
        assert AlertEvent.objects.get(pk=event.pk).acknowledged_by == nurse

        page.goto(f"{live_server.url}/", timeout=WAIT_MS)
        page.wait_for_selector("#sign-in, .who", timeout=WAIT_MS)
        assert page.locator("#alerts-banner").count() == 0  # nothing left to acknowledge

        alerts_scene(rule)
        page.goto(f"{live_server.url}/wall/?scene=alerts-desk", timeout=WAIT_MS)
        item = page.wait_for_selector("[data-panel=alerts] li.alert", timeout=WAIT_MS)
        assert item.get_attribute("data-severity") == "critical" and AREA in item.inner_text()
        assert "12" in item.inner_text()  # the value: 7 + 5 cases
        ticker = page.wait_for_selector("[data-panel=ticker] .ticker li", timeout=WAIT_MS)
        assert AREA in ticker.inner_text() and "NGHIÊM TRỌNG" in ticker.inner_text()
        page.wait_for_selector("[data-panel=map][data-map-ready]", timeout=WAIT_MS)
        screenshot(page, "alerts-wall-scene")
        assert outside == []

    anonymous = Client().get("/api/wall/scenes/alerts-desk/data")
    assert anonymous.status_code == 404 and AREA not in anonymous.content.decode()
