"""The 1022 KPIs over any window, per commune, handling unit and category, worked out by hand on a
few reports with known timings; the API answers only those who may see the feedback layer."""

from datetime import datetime

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from feedback import workflow
from feedback.kpis import kpis, overdue_per_commune
from feedback.models import Action
from feedback.working_time import ICT
from tests.feedback_world import IN_BINH_TAM, IN_PHUONG_1

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=ICT)
LATER = datetime(2026, 3, 20, 8, 0, tzinfo=ICT)


def at(day: int, hour: float) -> datetime:
    return datetime(2026, 3, day, int(hour), int(hour % 1 * 60), tzinfo=ICT)


@pytest.fixture
def history(feedback_world):
    w = feedback_world

    def report(where, code, received):
        intake = workflow.Intake(category=w.categories[code], description="x", location=Point(*where, srid=4326))
        return workflow.submit(intake, account=None, now=received)

    # Phường 1: one handled on time (1 h to acknowledge, 3 h to resolve), rated 5; one late (resolved after
    # its 5-day deadline, acknowledged after 2 h), rated 2; one still open and overdue.
    on_time = report(IN_PHUONG_1, "giao_thong", at(2, 8))
    workflow.act(on_time, action=Action.ACKNOWLEDGE, actor=w.officer, now=at(2, 9))
    workflow.act(on_time, action=Action.RESOLVE, actor=w.officer, now=at(2, 11))
    workflow.act(on_time, action=Action.CLOSE, actor=w.operator, now=at(3, 8))
    workflow.rate(on_time, rating=5)
    late = report(IN_PHUONG_1, "do_thi", at(2, 8))
    workflow.act(late, action=Action.ACKNOWLEDGE, actor=w.officer, now=at(2, 10))
    workflow.act(late, action=Action.RESOLVE, actor=w.officer, now=at(10, 8))
    workflow.act(late, action=Action.CLOSE, actor=w.operator, now=at(10, 9))
    workflow.rate(late, rating=2)
    report(IN_PHUONG_1, "do_thi", at(3, 8))
    # Bình Tâm: one open, not yet due on the 3rd.
    report(IN_BINH_TAM, "giao_thong", at(3, 8))
    return w


def test_kpis_per_commune_are_worked_out_by_hand(history):
    rows = {k.key: k for k in kpis(by="commune", start=None, end=None, now=LATER)}
    phuong = rows["27685"]
    assert (phuong.name, phuong.received, phuong.processed) == ("Phường 1", 3, 2)
    assert phuong.processed_pct == 66.7 and phuong.on_time_pct == 50.0 and phuong.overdue_now == 1
    assert phuong.median_hours_to_acknowledge == 1.5  # 1 h and 2 h
    # 3 h (8:00–11:00) and 45 h (Monday 8:00 to the next Tuesday 8:00, weekend and lunches off).
    assert phuong.median_hours_to_resolve == (3 + 45) / 2
    assert (phuong.satisfaction, phuong.satisfied_pct, phuong.ratings) == (3.5, 50.0, 2)
    assert rows["27700"].received == 1 and rows["27700"].overdue_now == 1  # by the 20th, it is late too


def test_a_window_and_other_groupings(history):
    only_the_third = kpis(by="commune", start=at(3, 0), end=at(3, 23), now=at(3, 9))
    assert {k.key: (k.received, k.overdue_now) for k in only_the_third} == {"27685": (1, 0), "27700": (1, 0)}
    by_category = {k.key: k.received for k in kpis(by="category", start=None, end=None, now=LATER)}
    assert by_category == {"giao_thong": 2, "do_thi": 2}
    by_unit = {k.name: k.received for k in kpis(by="department", start=None, end=None, now=LATER)}
    assert by_unit == {"UBND Phường 1": 3, "UBND xã Bình Tâm": 1}
    assert overdue_per_commune(now=LATER) == {"27685": 1, "27700": 1}


def test_the_kpi_api_follows_the_feedback_layers_access(history):
    staff = Client()
    staff.force_login(history.outsider)
    answer = staff.get("/api/feedback/kpis/", {"by": "category", "datetime": "2026-03-01/2026-03-31"})
    assert answer.status_code == 200
    assert {g["key"]: g["received"] for g in answer.json()["groups"]} == {"giao_thong": 2, "do_thi": 2}
    anonymous = Client().get("/api/feedback/kpis/")
    assert anonymous.status_code == 404 and anonymous.json()["code"] == "layer_not_found"
    assert staff.get("/api/feedback/kpis/", {"by": "district"}).status_code == 400
