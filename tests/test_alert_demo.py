"""The demo world's alert rules (issue #15 point 7): the seven rules exist and are valid, the dengue
rule is seen only by the health group, and the history replayed with a simulated clock holds events
that fired and resolved (salinity in the dry season) and areas still firing (flood depth, overdue
1022 reports); loading twice changes nothing."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import override_settings

from fixtures.alerts_demo import RULES, load_demo_alerts
from fixtures.feedback_demo import load_feedback_demo
from fixtures.load import load_world
from fixtures.monitoring import load_demo_monitoring
from fixtures.rasters import load_demo_rasters
from monitoring.models import AlertEvent, AlertRule, AlertState
from monitoring.rules import check_rule, visible_rules
from tests.demo_world import loaded_for_the_module

QUIET = lambda _text: None


@pytest.fixture(scope="module")
def alerts_demo(long_an, django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")

    def load():
        load_world(long_an)
        load_demo_rasters(world=long_an)
        # The last half year of values: the freshness rule's clock runs over it.
        load_demo_monitoring(seed=2022, first=(2026, 5), last=(2026, 11), layers="none", progress=QUIET)
        load_feedback_demo(reports=3000)
        report = load_demo_alerts(progress=QUIET)
        print(f"demo alerts: {report}")
        return report

    with override_settings(MEDIA_ROOT=media), loaded_for_the_module(django_db_blocker, load) as baseline:
        yield baseline


@pytest.fixture
def demo_alerts(alerts_demo, db):
    return {rule.slug: rule for rule in AlertRule.objects.all()}


def test_every_demo_rule_is_there_and_valid(demo_alerts):
    assert set(demo_alerts) == {spec.slug for spec in RULES}
    for rule in demo_alerts.values():
        check_rule(rule)
        assert rule.last_error == "" and rule.last_evaluated_at is not None, rule.slug
    salinity = demo_alerts["do-man-vuot-4gl"]
    assert (salinity.threshold, salinity.recovery, salinity.metric) == (4.0, 3.5, "station")
    assert demo_alerts["ngap-sau-trung-binh-xa"].metric == "raster"
    assert demo_alerts["nop-so-lieu-tre-han"].metric == "freshness"


def test_the_dengue_rule_is_seen_by_the_health_group_only(demo_alerts):
    health_officer = User.objects.create_user("an-health", email="an@example.vn")
    health_officer.groups.add(Group.objects.get(name="health"))
    outsider = User.objects.create_user("binh-outsider", email="binh@example.vn")
    dengue = demo_alerts["sot-xuat-huyet-tuan"]
    assert dengue.layer.access == "restricted"
    assert visible_rules(health_officer).filter(pk=dengue.pk).exists()
    assert not visible_rules(outsider).filter(pk=dengue.pk).exists()
    assert list(dengue.recipient_groups.values_list("name", flat=True)) != []


def test_the_history_holds_fired_and_resolved_events_and_areas_still_firing(demo_alerts):
    events = AlertEvent.objects.all()
    assert events.filter(resolved_at__isnull=False).exists() and events.filter(resolved_at__isnull=True).exists()
    # Salinity crossed 4 g/l in the dry season 2022–2023 and came back below 3.5 g/l.
    salinity = events.filter(rule__slug="do-man-vuot-4gl")
    assert salinity.filter(resolved_at__isnull=False).exists()
    assert all(e.peak_value > 4.0 for e in salinity)
    assert all(e.fired_at.year in (2022, 2023) for e in salinity)
    # The flood season's deepest communes still fire.
    assert AlertState.objects.filter(rule__slug="ngap-sau-trung-binh-xa", status="firing").exists()
    # Each rule's states are those of its areas: 2025 communes for the flood, stations for salinity.
    assert AlertState.objects.filter(rule__slug="phan-anh-1022-qua-han").count() > 50
    # No notification for the past.
    assert not AlertEvent.objects.filter(notified_at__isnull=False).exists()


def test_the_rules_that_fired_in_the_replay(demo_alerts):
    fired = set(AlertEvent.objects.values_list("rule__slug", flat=True).distinct())
    assert {"do-man-vuot-4gl", "ngap-sau-trung-binh-xa", "sot-xuat-huyet-tuan"} <= fired, fired


def test_loading_again_keeps_the_history(demo_alerts):
    before = list(AlertEvent.objects.order_by("pk").values_list("pk", "fired_at", "resolved_at"))
    report = load_demo_alerts(progress=QUIET)
    assert report.rules == len(RULES)
    assert list(AlertEvent.objects.order_by("pk").values_list("pk", "fired_at", "resolved_at")) == before
