"""An operator acknowledges a firing and silences a rule; an outsider cannot reach a restricted one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from layers.errors import InvalidParameter, NotFound, PermissionDenied
from monitoring.acknowledgements import acknowledge, silence, silenced
from monitoring.models import AlertEvent, AlertRule


@pytest.fixture
def dengue_firing(dengue) -> AlertEvent:
    rule = AlertRule.objects.create(slug="dengue-week", title_vi="Sốt xuất huyết", title_en="Dengue", metric="layer",
                                    layer=dengue, aggregate="count", area_kind="zones", threshold=3)
    return AlertEvent.objects.create(rule=rule, area_key="zone-1", area_name="Phường 1", severity="warning",
                                     fired_at=timezone.now(), fired_value=5, peak_value=5)


def test_an_operator_acknowledges_once_and_the_first_who_and_when_stay(dengue_firing, superuser, official):
    first = acknowledge(superuser, dengue_firing.pk, note="Đã báo trạm y tế")
    again = acknowledge(superuser, dengue_firing.pk, note="lần hai")
    assert (again.acknowledged_by, again.acknowledged_at, again.acknowledge_note) == (
        superuser, first.acknowledged_at, "Đã báo trạm y tế")


def test_a_restricted_alert_answers_an_outsider_like_an_unknown_one(dengue_firing, official, health_officer):
    with pytest.raises(NotFound):
        acknowledge(official, dengue_firing.pk)  # staff, but not in the health group
    with pytest.raises(NotFound):
        acknowledge(official, 10**9)
    with pytest.raises(PermissionDenied):
        acknowledge(health_officer, dengue_firing.pk)  # sees it, but not staff


def test_a_silence_mutes_the_rule_or_one_area_until_its_end(dengue_firing, superuser):
    rule, now = dengue_firing.rule, timezone.now()
    silence(superuser, rule, ends_at=now + timedelta(hours=2), reason="Bảo trì trạm", area_key="zone-1")
    assert silenced(rule, "zone-1", now=now) and not silenced(rule, "zone-2", now=now)
    assert not silenced(rule, "zone-1", now=now + timedelta(hours=3))
    with pytest.raises(InvalidParameter):
        silence(superuser, rule, ends_at=now - timedelta(hours=1), reason="quá khứ")
