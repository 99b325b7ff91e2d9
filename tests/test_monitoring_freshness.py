"""When data is due, when an indicator is late or stale, and how often each department is on time."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from layers.models import Department
from monitoring.freshness import due_at, freshness_of, on_time_kpi
from monitoring.models import Indicator, Service

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monitoring_world")]
ICT = ZoneInfo("Asia/Ho_Chi_Minh")


def service(**rule) -> Service:
    return Service(slug="s", title_vi="s", title_en="s", department=Department.objects.first(), **rule)


def test_due_dates_follow_each_kind_of_rule():
    daily = service(due_rule="daily", due_hour=17)
    weekly = service(due_rule="weekly", due_day=0, due_hour=9)
    monthly = service(due_rule="monthly", due_day=5, due_hour=17)
    assert due_at(daily, date(2025, 8, 6), period_type="day") == datetime(2025, 8, 6, 17, tzinfo=ICT)
    # The week of Monday 4 August is due on the next Monday, 11 August, at 9:00.
    assert due_at(weekly, date(2025, 8, 4), period_type="week") == datetime(2025, 8, 11, 9, tzinfo=ICT)
    assert due_at(monthly, date(2025, 12, 1), period_type="month") == datetime(2026, 1, 5, 17, tzinfo=ICT)
    assert due_at(monthly, date(2025, 7, 1), period_type="quarter") == datetime(2025, 10, 5, 17, tzinfo=ICT)


def test_an_indicator_is_fresh_late_then_stale_as_due_dates_pass_without_data():
    pm25 = Indicator.objects.select_related("service").get(slug="pm25")  # due by the 5th, 17:00
    latest = date(2025, 9, 1)
    assert freshness_of(pm25, latest=latest, now=datetime(2025, 10, 5, 16, tzinfo=ICT)).state == "fresh"
    late = freshness_of(pm25, latest=latest, now=datetime(2025, 11, 5, 18, tzinfo=ICT))
    assert (late.state, late.last_due_period, late.latest_period) == ("late", "2025-10", "2025-09")
    assert late.next_due_period == "2025-11" and late.next_due_at == datetime(2025, 12, 5, 17, tzinfo=ICT)
    assert freshness_of(pm25, latest=latest, now=datetime(2025, 12, 6, tzinfo=ICT)).state == "stale"
    assert freshness_of(pm25, latest=None, now=datetime(2025, 10, 1, tzinfo=ICT)).state == "stale"


def test_the_catalog_and_the_services_carry_the_freshness_badges():
    client = APIClient()
    services = client.get("/api/monitoring/services/").json()["services"]
    assert len(services) == 15
    environment = next(s for s in services if s["slug"] == "moi-truong")
    assert environment["freshness"] in ("fresh", "late", "stale")
    pm25 = next(i for i in environment["indicators"] if i["slug"] == "pm25")
    assert pm25["freshness"]["latest_period"] == "2025-09" and "next_due_at" in pm25["freshness"]
    # The demo holds values up to 2025-09 here; by today's clock that is long overdue.
    assert pm25["freshness"]["state"] == "stale"


def test_the_on_time_kpi_counts_each_department_s_submissions_published_by_their_due_time():
    rows = on_time_kpi(now=datetime(2025, 10, 20, tzinfo=ICT))
    by_code = {row["department"]["code"]: row for row in rows}
    home_affairs = by_code["000.00.05.H39"]  # usually 12 days late in the demo's story
    ioc = by_code["000.00.01.H39"]  # always on time
    assert ioc["year"]["on_time_rate"] == 100.0 and ioc["year"]["submissions"] > 0
    assert home_affairs["year"]["on_time_rate"] < 100.0
    assert home_affairs["month"]["submissions"] <= home_affairs["year"]["submissions"]
