"""The wall's alert panels: the firing alerts of the rules the display may see, newest first, and a
ticker entry; a display that may not see a restricted rule is shown nothing of it; the scene's data
version moves when an alert fires or is acknowledged, so a polling wall redraws."""

import pytest
from django.core.exceptions import ValidationError

from monitoring.acknowledgements import acknowledge
from monitoring.evaluation import evaluate
from tests.alert_api_world import commune, dengue_rule, health_steward
from tests.conftest import client_for
from wall.layout import validate_layout
from wall.models import Scene

pytestmark = pytest.mark.django_db
AREA = "Phường Sốt Xuất Huyết"
LAYOUT = {"grid": {"rows": 1, "cols": 2}, "panels": [
    {"id": "alerts", "kind": "alerts", "row": 0, "col": 0, "title_vi": "Cảnh báo", "title_en": "Alerts",
     "query": {"limit": 5}},
    {"id": "ticker", "kind": "alert_ticker", "row": 0, "col": 1, "query": {"severity": ["critical"]}},
]}


@pytest.fixture
def scene(db) -> Scene:
    made = Scene.objects.create(slug="alerts-wall", title_vi="Cảnh báo", title_en="Alerts", layout=LAYOUT)
    made.full_clean()
    return made


@pytest.fixture
def rule(dengue):
    return dengue_rule(dengue, commune())


def panels(user, slug="alerts-wall", language="vi") -> tuple[dict, str]:
    response = client_for(user).get(f"/api/wall/scenes/{slug}/data", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    body = response.json()
    return {p["id"]: p["data"] for p in body["panels"]}, body["version"]


def test_the_health_group_sees_the_firing_dengue_alert_in_the_panel_and_the_ticker(scene, rule, health_officer):
    _, quiet = panels(health_officer)
    evaluate(rule)
    shown, version = panels(health_officer)
    assert version != quiet
    [alert] = shown["alerts"]["alerts"]
    assert (alert["rule"], alert["severity"], alert["area"], alert["value"], alert["acknowledged"]) == (
        "dengue-cases", "critical", AREA, 1.0, False)
    [item] = shown["ticker"]["items"]
    assert item["text"] == f"NGHIÊM TRỌNG · Ca sốt xuất huyết · {AREA} · 1 / 0"
    english, _ = panels(health_officer, language="en")
    assert english["ticker"]["items"][0]["text"].startswith("CRITICAL · Dengue cases")


def test_a_display_that_may_not_see_the_rule_is_shown_nothing_of_it(scene, rule, official, outsider):
    evaluate(rule)
    for user in (None, outsider, official):
        shown, _ = panels(user)
        assert shown["alerts"]["alerts"] == [] and shown["ticker"]["items"] == []
        response = client_for(user).get("/api/wall/scenes/alerts-wall/data")
        assert AREA not in response.content.decode() and "dengue" not in response.content.decode()


def test_an_acknowledgement_moves_the_data_version(scene, rule, dengue, health_group):
    nurse = health_steward(dengue, health_group)
    [event] = evaluate(rule)
    _, before = panels(nurse)
    acknowledge(nurse, event.pk, note="ok")
    shown, after = panels(nurse)
    assert after != before and shown["alerts"]["alerts"][0]["acknowledged"] is True


def test_a_layout_with_a_bad_alert_query_is_refused():
    bad = {"grid": {"rows": 1, "cols": 1}, "panels": [
        {"id": "a", "kind": "alerts", "row": 0, "col": 0, "query": {"severity": ["loud"], "limit": 99}}]}
    with pytest.raises(ValidationError):
        validate_layout(bad)
