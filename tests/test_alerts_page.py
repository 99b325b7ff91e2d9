"""The Alerts page: current and past alerts of the rules the caller may see, filtered; acknowledge and
silence buttons for staff only; an outsider is shown nothing of a restricted rule; the dashboard's
banner counts what nobody acknowledged yet, for staff."""

import pytest
from django.test import Client
from django.utils import timezone

from monitoring.evaluation import evaluate
from monitoring.models import AlertEvent, Silence
from tests.alert_api_world import commune, dengue_rule, health_steward

pytestmark = pytest.mark.django_db
AREA = "Phường Sốt Xuất Huyết"


@pytest.fixture
def firing(dengue):
    rule = dengue_rule(dengue, commune())
    evaluate(rule)
    return rule


@pytest.fixture
def nurse(dengue, health_group):
    return health_steward(dengue, health_group)


def page_of(user, **params):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client, client.get("/alerts/", params)


def test_it_asks_an_anonymous_caller_to_sign_in():
    _client, response = page_of(None)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_outsider_and_an_official_are_shown_nothing_of_the_dengue_rule(firing, outsider, official):
    for user in (outsider, official):
        _client, response = page_of(user)
        assert response.status_code == 200
        assert AREA not in response.content.decode() and "sốt xuất huyết" not in response.content.decode().lower()


def test_the_health_group_sees_it_without_buttons_and_staff_with_them(firing, health_officer, nurse):
    _client, seen = page_of(health_officer)
    assert AREA in seen.content.decode() and "ack-button" not in seen.content.decode()
    _client, staff = page_of(nurse)
    assert 'data-unacknowledged="1"' in staff.content.decode() and "ack-button" in staff.content.decode()


@pytest.mark.parametrize(("params", "shown"), [
    ({"severity": "critical"}, True), ({"severity": "info"}, False), ({"rule": "dengue-cases"}, True),
    ({"rule": "other"}, False), ({"unit": "27001"}, True), ({"unit": "27002"}, False), ({"unit": "not a code"}, True),
    ({"service": "no-such-service"}, False),
])
def test_the_filters_narrow_the_list(firing, nurse, params, shown):
    _client, response = page_of(nurse, **params)
    assert response.status_code == 200 and ('data-status="firing"' in response.content.decode()) is shown


def test_staff_acknowledge_and_silence_from_the_page_and_others_may_not(firing, nurse, health_officer):
    event = AlertEvent.objects.get(rule=firing)
    client, _ = page_of(health_officer)
    refused = client.post("/alerts/", {"action": "ack", "event": event.pk})
    assert refused.status_code == 403 and AlertEvent.objects.get(pk=event.pk).acknowledged_at is None
    client, _ = page_of(nurse)
    done = client.post("/alerts/?severity=critical", {"action": "ack", "event": event.pk, "note": "Đã xử lý"})
    assert (done.status_code, done["Location"]) == (302, "/alerts/?severity=critical")
    assert AlertEvent.objects.get(pk=event.pk).acknowledge_note == "Đã xử lý"
    assert 'data-unacknowledged="0"' in client.get("/alerts/").content.decode()
    muted = client.post("/alerts/", {"action": "silence", "rule": "dengue-cases", "area": "", "hours": "4",
                                     "reason": "Phun thuốc"})
    assert muted.status_code == 302 and Silence.objects.get().reason == "Phun thuốc"
    no_reason = client.post("/alerts/", {"action": "silence", "rule": "dengue-cases", "hours": "4", "reason": " "})
    assert no_reason.status_code == 400 and Silence.objects.count() == 1
    odd_hours = client.post("/alerts/", {"action": "silence", "rule": "dengue-cases", "hours": "5", "reason": "x"})
    assert odd_hours.status_code == 400 and Silence.objects.count() == 1


def test_the_dashboard_banner_counts_unacknowledged_alerts_for_staff_only(firing, nurse, health_officer):
    client = Client()
    client.force_login(nurse)
    assert 'id="alerts-banner"' in client.get("/").content.decode()
    assert 'data-count="1"' in client.get("/").content.decode()
    AlertEvent.objects.update(acknowledged_at=timezone.now())
    assert 'id="alerts-banner"' not in client.get("/").content.decode()  # nothing left to acknowledge
    client.force_login(health_officer)
    assert 'id="alerts-banner"' not in client.get("/").content.decode()
    assert 'id="alerts-banner"' not in Client().get("/").content.decode()
