"""The alert API as operators and apps use it: rules listed and written under the one access rule, bad
rules refused in the one error shape, current alerts and their history filtered, an acknowledgement and
a silence, webhook channels tried; an outsider never sees a restricted dengue rule, its alerts, or the
areas of its firing-alerts layer."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from django.utils import timezone

from monitoring import alert_layers
from monitoring.evaluation import evaluate
from monitoring.models import AlertEvent, AlertRule, NotificationChannel, Silence
from tests.alert_api_world import commune, dengue_rule, health_steward
from tests.conftest import add_features, client_for, make_layer

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(db):
    return commune()


@pytest.fixture
def nurse(dengue, health_group):
    return health_steward(dengue, health_group)


@pytest.fixture
def firing(dengue, unit) -> AlertRule:
    rule = dengue_rule(dengue, unit)
    assert len(evaluate(rule)) == 1
    alert_layers.refresh()
    return rule


def names_in(response) -> str:
    return response.content.decode()


def test_an_outsider_sees_no_restricted_rule_its_alerts_or_its_history(firing, outsider, official):
    for user in (None, outsider, official):
        client = client_for(user)
        for url in ("/api/alerts/rules/", "/api/alerts/", "/api/alerts/events/"):
            response = client.get(url)
            assert response.status_code == 200, (url, response.content)
            assert response.json()["count"] == 0
            assert "dengue" not in names_in(response) and "Sốt Xuất Huyết" not in response.json().__repr__()
        hidden = client.get(f"/api/alerts/rules/{firing.pk}/")
        unknown = client.get("/api/alerts/rules/999999999/")
        assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json()) == (
            404, unknown.json()) and unknown.json()["code"] == "rule_not_found"


def test_the_health_group_sees_the_dengue_rule_firing_in_its_commune(firing, health_officer, unit):
    client = client_for(health_officer)
    rules = client.get("/api/alerts/rules/").json()
    assert [(r["slug"], r["layer"], r["units"], r["firing"]) for r in rules["rules"]] == [
        ("dengue-cases", "dengue", ["27001"], 1)]
    alerts = client.get("/api/alerts/", {"state": "firing"}).json()["alerts"]
    assert [(a["rule"], a["status"], a["area_name"], a["value"], a["severity"]) for a in alerts] == [
        ("dengue-cases", "firing", "Phường Sốt Xuất Huyết", 1.0, "critical")]
    assert alerts[0]["event"] is not None and alerts[0]["acknowledged_at"] is None
    assert client.get("/api/alerts/", {"unit": "27001", "severity": "critical"}).json()["count"] == 1
    assert client.get("/api/alerts/", {"unit": "99999"}).json()["count"] == 0
    assert client.get("/api/alerts/", {"severity": "info"}).json()["count"] == 0
    assert client.get("/api/alerts/", {"rule": "dengue-cases", "state": "normal"}).json()["count"] == 0
    events = client.get("/api/alerts/events/", {"open": "true"}).json()["events"]
    assert [(e["rule"], e["fired_value"], e["resolved_at"]) for e in events] == [("dengue-cases", 1.0, None)]


def test_the_firing_areas_layer_is_hidden_from_an_outsider_and_shown_to_the_health_group(
        firing, outsider, health_officer):
    slug = alert_layers.layer_slug(alert_layers.scope_of(firing))
    assert slug.startswith("alerts-restricted-")
    seen = client_for(health_officer).get(f"/api/layers/{slug}/features/")
    assert seen.status_code == 200
    [feature] = seen.json()["features"]
    assert (feature["properties"]["rule"], feature["properties"]["severity"], feature["properties"]["area"]) == (
        "dengue-cases", "critical", "Phường Sốt Xuất Huyết")
    hidden = client_for(outsider).get(f"/api/layers/{slug}/features/")
    unknown = client_for(outsider).get("/api/layers/alerts-restricted-0/features/")
    assert hidden.status_code == unknown.status_code == 404
    assert "Sốt Xuất Huyết" not in json.dumps(client_for(outsider).get("/api/layers/").json(), ensure_ascii=False)


def test_a_health_steward_acknowledges_and_the_unacknowledged_count_drops(firing, nurse, health_officer):
    event = AlertEvent.objects.get(rule=firing)
    refused = client_for(health_officer).post(f"/api/alerts/{event.pk}/ack", {"note": "x"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")  # sees it, not staff
    done = client_for(nurse).post(f"/api/alerts/{event.pk}/ack", {"note": "Đã báo trạm y tế"}, format="json")
    assert done.status_code == 200, done.content
    assert (done.json()["acknowledged_by"], done.json()["acknowledge_note"]) == ("health-steward", "Đã báo trạm y tế")
    layer = alert_layers.refresh_for(firing)
    assert client_for(nurse).get(f"/api/layers/{layer.slug}/features/").json()["features"][0]["properties"][
        "acknowledged"] is True
    unknown = client_for(nurse).post("/api/alerts/999999999/ack", {}, format="json")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "alert_not_found")


def test_an_official_cannot_acknowledge_a_restricted_alert_and_it_answers_like_an_unknown_one(firing, official):
    event = AlertEvent.objects.get(rule=firing)
    hidden = client_for(official).post(f"/api/alerts/{event.pk}/ack", {}, format="json")
    unknown = client_for(official).post("/api/alerts/999999999/ack", {}, format="json")
    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())
    assert AlertEvent.objects.get(pk=event.pk).acknowledged_at is None


def test_a_health_steward_writes_a_rule_and_changes_its_threshold(dengue, unit, nurse):
    client = client_for(nurse)
    made = client.post("/api/alerts/rules/", {
        "slug": "dengue-week", "title_vi": "Sốt xuất huyết trong tuần", "title_en": "Dengue this week",
        "metric": "layer", "layer": "dengue", "aggregate": "sum", "property": "cases", "area_kind": "units",
        "units": ["27001"], "threshold": 5, "recovery": 3, "severity": "warning",
        "recipient_users": ["health-steward"]}, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["layer"], body["units"], body["threshold"], body["recovery"], body["firing"]) == (
        "dengue", ["27001"], 5.0, 3.0, 0)
    changed = client.patch(f"/api/alerts/rules/{body['id']}/", {"threshold": 6}, format="json")
    assert changed.status_code == 200 and changed.json()["threshold"] == 6.0
    wrong = client.patch(f"/api/alerts/rules/{body['id']}/", {"recovery": 7}, format="json")
    assert (wrong.status_code, wrong.json()["code"], list(wrong.json()["fields"])) == (400, "invalid_rule", ["recovery"])
    assert AlertRule.objects.get(pk=body["id"]).recovery == 3


RULE = {"slug": "bad", "title_vi": "Sai", "title_en": "Bad", "metric": "layer", "layer": "dengue",
        "aggregate": "max", "property": "cases", "area_kind": "units", "units": ["27001"], "threshold": 4}


@pytest.mark.parametrize(("change", "field"), [
    ({"layer": "no-such-layer"}, "layer"),
    ({"property": "no_such_property"}, "property"),
    ({"property": "name"}, "property"),  # a text property: a threshold needs a number
    ({"recovery": 5}, "recovery"),  # above 4 must recover below it, not above
    ({"comparison": "below", "recovery": 3}, "recovery"),
    ({"units": ["00000"]}, "units"),
    ({"metric": "raster", "raster_statistic": "mean"}, "layer"),  # a raster statistic of a vector layer
    ({"metric": "raster", "raster_statistic": "median"}, "raster_statistic"),
    ({"metric": "freshness", "service": "no-such-service"}, "service"),
    ({"threshold": "bốn"}, "threshold"),
    ({"filters": {"ward": "x"}}, "filters"),
    ({"slug": "Không phải slug"}, "slug"),
])
def test_a_bad_rule_is_refused_in_the_one_error_shape_naming_the_field(dengue, unit, nurse, change, field):
    dengue.property_schema = dengue.property_schema + [{"name": "name", "type": "string", "label_vi": "Tên",
                                                        "label_en": "Name"}]
    dengue.save()
    response = client_for(nurse).post("/api/alerts/rules/", RULE | change, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_rule" and isinstance(body["detail"], str) and field in body["fields"], body
    assert not AlertRule.objects.filter(slug=RULE["slug"]).exists()


def test_a_body_that_is_not_an_object_is_refused(nurse):
    response = client_for(nurse).post("/api/alerts/rules/", [1, 2], format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_rule")


def test_a_hidden_layer_is_refused_as_an_unknown_one_and_a_layer_not_theirs_is_forbidden(dengue, unit, official,
                                                                                         superuser):
    hidden = client_for(official).post("/api/alerts/rules/", RULE, format="json")
    unknown = client_for(official).post("/api/alerts/rules/", RULE | {"layer": "nowhere"}, format="json")
    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())
    incidents = make_layer("incidents-x", access="internal", property_schema=[
        {"name": "cases", "type": "number", "label_vi": "Số", "label_en": "Number"}])
    mine_not = client_for(official).post("/api/alerts/rules/", RULE | {"layer": incidents.slug}, format="json")
    assert (mine_not.status_code, mine_not.json()["code"]) == (403, "permission_denied")
    assert client_for(superuser).post("/api/alerts/rules/", RULE | {"layer": incidents.slug},
                                      format="json").status_code == 201


def test_unknown_parameters_and_values_are_refused(health_officer):
    client = client_for(health_officer)
    for params, field in (({"state": "burning"}, "state"), ({"severity": "huge"}, "severity"),
                          ({"unit": "ab"}, "unit"), ({"limit": "many"}, "limit"), ({"colour": "red"}, "colour")):
        response = client.get("/api/alerts/", params)
        assert response.status_code == 400 and field in response.json()["fields"], (params, response.content)
    assert client.get("/api/alerts/events/", {"open": "maybe"}).status_code == 400


def test_a_silence_mutes_the_rule_until_a_time_with_a_reason(firing, nurse, outsider):
    until = (timezone.now() + timedelta(hours=2)).isoformat()
    made = client_for(nurse).post("/api/alerts/silences/", {"rule": "dengue-cases", "until": until,
                                                            "reason": "Đang phun thuốc"}, format="json")
    assert made.status_code == 201, made.content
    assert (made.json()["rule"], made.json()["area_key"], made.json()["reason"]) == ("dengue-cases", "", "Đang phun thuốc")
    assert client_for(nurse).get("/api/alerts/silences/").json()["count"] == 1
    assert client_for(outsider).get("/api/alerts/silences/").json()["count"] == 0
    hidden = client_for(outsider).post("/api/alerts/silences/", {"rule": "dengue-cases", "until": until,
                                                                 "reason": "x"}, format="json")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "rule_not_found")
    past = client_for(nurse).post("/api/alerts/silences/", {"rule": "dengue-cases", "until": "2001-01-01T00:00:00Z",
                                                            "reason": "x"}, format="json")
    assert past.status_code == 400 and Silence.objects.count() == 1


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list] = []
    answer = 204

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["X-Geo-IOC-Signature"], body))
        self.send_response(self.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    handler = type("Receiver", (_Receiver,), {"received": [], "answer": 204})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def test_a_channel_is_added_listed_without_its_secret_and_tried_with_a_signed_message(nurse, official, receiver):
    server, handler = receiver
    url = f"http://127.0.0.1:{server.server_port}/hook"
    made = client_for(nurse).post("/api/alerts/channels/", {"name": "Trực ban", "url": url,
                                                            "secret": "s3cret-key"}, format="json")
    assert made.status_code == 201, made.content
    listed = client_for(nurse).get("/api/alerts/channels/").json()
    assert listed["count"] == 1 and "s3cret-key" not in json.dumps(listed)
    assert client_for(official).get("/api/alerts/channels/").json()["count"] == 0
    channel_id = made.json()["id"]
    tried = client_for(nurse).post(f"/api/alerts/channels/{channel_id}/test")
    assert tried.json() == {"ok": True, "status": 204, "error": ""}
    [(signed, body)] = handler.received
    assert signed == "sha256=" + hmac.new(b"s3cret-key", body, hashlib.sha256).hexdigest()
    handler.answer = 500
    assert client_for(nurse).post(f"/api/alerts/channels/{channel_id}/test").json()["ok"] is False
    assert NotificationChannel.objects.get(pk=channel_id).failures == 0  # a test counts for nothing
    other = client_for(official).post(f"/api/alerts/channels/{channel_id}/test")
    assert (other.status_code, other.json()["code"]) == (404, "channel_not_found")
    assert client_for(None).get("/api/alerts/channels/").status_code in (401, 403)
    bad = client_for(nurse).post("/api/alerts/channels/", {"name": "x", "url": "not a url", "secret": "short"},
                                 format="json")
    assert bad.status_code == 400 and {"url", "secret"} <= set(bad.json()["fields"])


def test_when_a_watched_layer_becomes_restricted_its_alerts_leave_the_wider_layer(unit, official, health_group):
    clinics = add_features(make_layer("clinic-queue", access="internal", domain="health", property_schema=[
        {"name": "cases", "type": "number", "label_vi": "Số", "label_en": "Number"}]),
        [("c1", "POINT(106.41 10.54)", {"cases": 3})])
    rule = dengue_rule(clinics, unit, slug="clinic-queue-here")
    assert len(evaluate(rule)) == 1
    alert_layers.refresh()
    assert alert_layers.layer_slug(alert_layers.scope_of(rule)) == "alerts-internal"
    seen = client_for(official).get("/api/layers/alerts-internal/features/").json()["features"]
    assert [f["properties"]["rule"] for f in seen] == ["clinic-queue-here"]
    assert alert_layers.refresh_if_stale() is False
    clinics.access = "restricted"
    clinics.save()
    clinics.groups.set([health_group])
    assert alert_layers.refresh_if_stale() is True
    assert client_for(official).get("/api/layers/alerts-internal/features/").json()["features"] == []
    restricted = alert_layers.layer_slug(alert_layers.scope_of(AlertRule.objects.get(pk=rule.pk)))
    assert client_for(official).get(f"/api/layers/{restricted}/features/").status_code == 404


def test_the_beat_task_writes_the_firing_areas_into_the_rules_alert_layer(dengue, unit, health_officer):
    from monitoring.tasks import evaluate_alerts

    rule = dengue_rule(dengue, unit)
    assert evaluate_alerts() == 1
    slug = alert_layers.layer_slug(alert_layers.scope_of(rule))
    features = client_for(health_officer).get(f"/api/layers/{slug}/features/").json()["features"]
    assert [f["properties"]["area"] for f in features] == ["Phường Sốt Xuất Huyết"]
    assert evaluate_alerts() == 0 and alert_layers.refresh_if_stale() is False
