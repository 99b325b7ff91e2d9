"""The 1022 deadlines run on working time: Mon–Fri 7:30–11:30 and 13:30–17:00 (ICT), holidays off."""

from datetime import date, datetime

import pytest

from feedback.models import Holiday, Priority
from feedback.sla import deadlines, holiday_dates
from feedback.working_time import ICT, add_working_hours, working_hours_between

NONE: frozenset[date] = frozenset()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ICT)


def test_eight_working_hours_from_a_monday_morning_end_the_next_morning():
    # 7:30–11:30 (4 h) and 13:30–17:00 (3.5 h) on Monday, then 0.5 h on Tuesday.
    assert add_working_hours(at("2026-03-02 07:30"), 8, holidays=NONE) == at("2026-03-03 08:00")


def test_a_report_received_at_lunch_starts_its_clock_at_half_past_one():
    assert add_working_hours(at("2026-03-02 12:10"), 1, holidays=NONE) == at("2026-03-02 14:30")


def test_four_hours_from_friday_afternoon_cross_the_weekend():
    assert add_working_hours(at("2026-03-06 15:00"), 4, holidays=NONE) == at("2026-03-09 09:30")


def test_a_report_received_on_saturday_night_starts_on_monday():
    assert add_working_hours(at("2026-03-07 22:00"), 0.5, holidays=NONE) == at("2026-03-09 08:00")


def test_five_working_days_skip_tet():
    tet = frozenset(date(2026, 2, d) for d in range(16, 21))
    # Received Friday 13 Feb 2026 at 16:00: 1 h that day, then Tết (16–20 Feb), then 23–27 Feb.
    due = add_working_hours(at("2026-02-13 16:00"), 37.5, holidays=tet)
    assert due == at("2026-02-27 16:00")
    assert add_working_hours(at("2026-02-13 16:00"), 37.5, holidays=NONE) == at("2026-02-20 16:00")
    assert working_hours_between(at("2026-02-13 16:00"), due, holidays=tet) == pytest.approx(37.5)


def test_working_hours_between_counts_only_the_periods():
    assert working_hours_between(at("2026-03-06 16:00"), at("2026-03-09 08:30"), holidays=NONE) == 2
    assert working_hours_between(at("2026-03-09 08:30"), at("2026-03-06 16:00"), holidays=NONE) == 0


def test_an_instant_in_utc_is_read_on_the_vietnamese_clock():
    utc = datetime.fromisoformat("2026-03-02T00:30:00+00:00")  # 7:30 in Hà Nội
    assert add_working_hours(utc, 1, holidays=NONE) == at("2026-03-02 08:30")


@pytest.mark.django_db
def test_the_holiday_table_is_the_editable_source_of_days_off(feedback_world):
    category = feedback_world.categories["giao_thong"]
    received = at("2026-03-06 16:00")
    before = deadlines(category=category, priority=Priority.URGENT, received_at=received, holidays=holiday_dates())
    assert before.resolve == at("2026-03-09 10:30")
    Holiday.objects.create(date=date(2026, 3, 9), name_vi="Ngày nghỉ bù", name_en="Day off in lieu")
    after = deadlines(category=category, priority=Priority.URGENT, received_at=received, holidays=holiday_dates())
    assert after.resolve == at("2026-03-10 10:30")
    assert date(2026, 2, 17) in holiday_dates()  # Tết 2026 comes with the table
