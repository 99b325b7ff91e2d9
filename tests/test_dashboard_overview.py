"""The "today" overview's endpoint: its window is the platform's now (today = the province's day up to
it), its numbers are the database's, and an outsider's overview counts and names nothing hidden."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point

from dashboard.overview import preset_window
from django.conf import settings
from fixtures.world import generate_world
from layers.palette import Styled, policy_problems
from feedback import workflow
from feedback.layer import feedback_layer
from feedback.models import Report
from feedback.working_time import ICT
from layers.models import Layer, TimeKind
from monitoring.access import visible_indicators
from tests.conftest import add_features, make_layer
from tests.feedback_world import IN_BINH_TAM, IN_PHUONG_1

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 12, 9, 30, tzinfo=ICT)  # a Thursday morning, Việt Nam time


def cards(body):
    return {card["key"]: card for card in body["cards"]}


def test_today_is_the_provinces_day_up_to_the_platforms_now(client, settings):
    settings.WALL_NOW = NOW.isoformat()
    body = client.get("/api/overview/").json()
    assert body["preset"] == "today"
    assert datetime.fromisoformat(body["now"].replace("Z", "+00:00")) == NOW
    assert datetime.fromisoformat(body["start"].replace("Z", "+00:00")) == datetime(2026, 3, 12, 0, 0, tzinfo=ICT)
    assert datetime.fromisoformat(body["end"].replace("Z", "+00:00")) == NOW


def test_the_presets_end_at_the_platforms_now():
    assert preset_window("24h", NOW).start == NOW - timedelta(hours=24)
    assert preset_window("7d", NOW).start == NOW - timedelta(days=7)
    assert preset_window("30d", NOW).end == NOW
    # Just after midnight in Tân An it is still the day before in UTC: "today" is the province's day.
    early = datetime(2026, 3, 12, 0, 20, tzinfo=ICT)
    assert preset_window("today", early).start == datetime(2026, 3, 12, tzinfo=ICT)


def test_an_unknown_preset_is_refused_with_the_choices(client):
    response = client.get("/api/overview/", {"preset": "yesterday"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert "24h" in response.json()["fields"]["preset"][0]


def test_a_preset_and_a_custom_window_together_are_refused(client):
    response = client.get("/api/overview/", {"preset": "7d", "datetime": "2026-03-01/2026-03-05"})
    assert response.status_code == 400 and "datetime" in response.json()["fields"]


def test_an_unknown_parameter_and_a_bad_date_are_refused(client):
    assert client.get("/api/overview/", {"day": "1"}).json()["code"] == "unknown_parameter"
    assert client.get("/api/overview/", {"datetime": "2026-13-45"}).status_code == 400


def _report(world, where, received: datetime):
    intake = workflow.Intake(category=world.categories["giao_thong"], description="Ổ gà lớn giữa đường",
                             location=Point(*where, srid=4326), reporter_name="Nguyễn Văn An",
                             reporter_phone="0909123456")
    return workflow.submit(intake, account=world.citizen_app, now=received)


def test_the_1022_cards_are_the_databases_numbers(client, settings, feedback_world):
    settings.WALL_NOW = NOW.isoformat()
    feedback_layer()
    # Two today, one yesterday afternoon (in the 24 h, not today), one a month ago (overdue by now).
    for received in (NOW - timedelta(hours=1), NOW - timedelta(hours=2), NOW - timedelta(hours=20),
                     NOW - timedelta(days=30)):
        _report(feedback_world, IN_PHUONG_1 if received.hour % 2 else IN_BINH_TAM, received)
    client.force_login(feedback_world.operator)
    today = cards(client.get("/api/overview/").json())
    day = cards(client.get("/api/overview/", {"preset": "24h"}).json())
    assert today["new_reports"]["value"] == Report.objects.filter(received_at__gte=datetime(2026, 3, 12, tzinfo=ICT),
                                                                  received_at__lte=NOW).count() == 2
    assert day["new_reports"]["value"] == 3
    overdue = Report.objects.filter(resolve_due__lt=NOW).count()
    assert today["overdue_reports"]["value"] == overdue == 1
    assert today["overdue_reports"]["band"] == "watch"
    body = client.get("/api/overview/").json()
    item = next(i for i in body["attention"] if i["kind"] == "overdue_report")
    assert item["at"] is not None and item["layer"] == settings.FEEDBACK_LAYER


def test_a_visitor_without_the_feedback_layer_gets_no_1022_card(client, settings, feedback_world):
    settings.WALL_NOW = NOW.isoformat()
    feedback_layer()
    _report(feedback_world, IN_PHUONG_1, NOW - timedelta(hours=1))
    body = client.get("/api/overview/").json()  # anonymous: the 1022 layer is internal
    assert "new_reports" not in cards(body)
    assert all(item["kind"] != "overdue_report" for item in body["attention"])


def test_an_outsiders_overview_never_counts_the_restricted_dengue_indicator(client, settings, monitoring_world):
    # After the demo values (2025-04 to 2025-09): every indicator's data is late by then.
    settings.WALL_NOW = "2025-12-20T10:00:00+07:00"
    dengue = visible_indicators(User.objects.create_superuser("admin-overview")).get(slug="dengue-cases")
    Layer.objects.filter(pk=dengue.layer_id).update(access="restricted")
    outsider = User.objects.create_user("outsider-overview", is_staff=True)
    client.force_login(outsider)
    body = client.get("/api/overview/").json()
    seen = visible_indicators(outsider)
    assert not seen.filter(slug="dengue-cases").exists()
    assert cards(body)["late_data"]["value"] == seen.count()
    assert "dengue" not in str(body).lower() and "sốt xuất huyết" not in str(body).lower()
    client.force_login(User.objects.get(username="admin-overview"))
    admin = client.get("/api/overview/").json()
    assert cards(admin)["late_data"]["value"] == cards(body)["late_data"]["value"] + 1


def test_the_overviews_map_keeps_the_palette_policy():
    """The layers the overview switches on keep one colour for one meaning (red only for alarms)."""
    styles = [Styled(layer.slug, layer.domain, layer.style) for layer in generate_world().layers]
    assert set(settings.DASHBOARD_OVERVIEW_LAYERS) <= {s.slug for s in styles}
    assert policy_problems(styles, default_view=settings.DASHBOARD_OVERVIEW_LAYERS) == []


def test_the_stations_over_the_limit_are_counted_once_and_listed_where_they_are(client, settings):
    settings.WALL_NOW = NOW.isoformat()
    layer = make_layer("salinity-readings", time_kind=TimeKind.INSTANT, domain="water", property_schema=[])
    reading = lambda sid, code, x, hours, over: (  # noqa: E731
        sid, f"POINT({x} 10.5)", {"station_code": code, "station_name": f"Trạm {code}", "above_rice_limit": over},
        NOW - timedelta(hours=hours))
    add_features(layer, [reading("a1", "VC-1", 106.5, 2, True), reading("a2", "VC-1", 106.5, 5, True),
                         reading("b1", "VC-2", 106.6, 3, True), reading("c1", "VC-3", 106.7, 1, False),
                         reading("d1", "VC-4", 106.8, 30, True)])  # yesterday morning: not today
    body = client.get("/api/overview/").json()
    assert cards(body)["stations_over_limit"]["value"] == 2
    listed = [item for item in body["attention"] if item["kind"] == "station_over_limit"]
    assert [(item["title_vi"], item["at"]) for item in listed] == [("Trạm VC-1", [106.5, 10.5]), ("Trạm VC-2", [106.6, 10.5])]
