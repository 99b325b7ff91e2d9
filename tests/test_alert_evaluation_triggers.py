"""When rules are evaluated: on their interval, at once after new data (a layer version they have not
seen), never twice at once; and by the Celery worker after a reading is pushed over the API."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from layers.catalog import publish_changes
from layers.models import Layer
from monitoring.evaluation import LOCK_SPACE, due_rules, evaluate
from monitoring.models import AlertEvent, AlertRule, AlertState
from monitoring.tasks import evaluate_alerts
from tests.alert_world import START, STATION_SCHEMA, reading, salinity_rule
from tests.conftest import make_layer, other_session, token_client, wait_for, worker_idle
from tests.departments import make_department


def test_a_rule_is_due_when_never_evaluated_when_its_interval_ran_out_or_its_layer_has_new_data(stations):
    rule = salinity_rule(stations, interval_seconds=600)
    now = timezone.now()
    assert list(due_rules(now=now)) == [rule]
    evaluate(rule, now=now)
    assert list(due_rules(now=now + timedelta(minutes=5))) == []
    assert list(due_rules(now=now + timedelta(minutes=10))) == [rule]
    publish_changes(stations)  # new data: due at once
    assert list(due_rules(now=now + timedelta(minutes=1))) == [rule]
    AlertRule.objects.filter(pk=rule.pk).update(enabled=False)
    assert list(due_rules(now=now + timedelta(minutes=10))) == []


@pytest.mark.django_db(transaction=True)
def test_an_evaluation_of_a_rule_already_being_evaluated_elsewhere_is_skipped():
    layer = make_layer("salinity-locked", time_kind="instant", domain="water", property_schema=STATION_SCHEMA)
    rule = salinity_rule(layer, pending_seconds=0)
    reading(layer, START, 5.0)
    with other_session(autocommit=False) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, rule.pk])
        assert evaluate(rule, now=START) == []
        assert not AlertState.objects.filter(rule=rule).exists()
        other.rollback()
    assert len(evaluate(rule, now=START)) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_reading_pushed_over_the_api_fires_its_rule_on_the_worker_within_seconds(celery_worker):
    logger = User.objects.create_user("salinity-pusher", is_staff=True)
    department = make_department("water-alerts", stewards=(logger,))
    layer = make_layer("salinity-pushed", time_kind="instant", domain="water", property_schema=STATION_SCHEMA,
                       owner=department)
    rule = salinity_rule(layer, pending_seconds=0, window_hours=24)
    evaluate(rule)
    now = timezone.now().replace(microsecond=0)
    body = {"type": "Feature", "id": "MN-BX-now", "time": now.isoformat(),
            "geometry": {"type": "Point", "coordinates": [106.45, 10.62]},
            "properties": {"station_code": "MN-BX", "salinity_gl": 4.8}}
    assert token_client(logger).post(f"/api/layers/{layer.slug}/observations/", body, format="json").status_code == 200
    seen = AlertRule.objects.get(pk=rule.pk).seen_version
    # Published at once or by the deferred bump (the layer was published a moment ago, when made).
    wait_for(lambda: Layer.objects.get(pk=layer.pk).version > seen, 5, "the reading published")
    evaluate_alerts.delay()  # what the beat sends every MONITORING_ALERTS_POLL_SECONDS
    event = wait_for(lambda: AlertEvent.objects.filter(rule=rule).first(), 20, "the rule fired on the worker")
    assert (event.area_key, event.fired_value) == ("MN-BX", 4.8)
    wait_for(worker_idle, 10, "the worker done (notifications, evaluations)")
