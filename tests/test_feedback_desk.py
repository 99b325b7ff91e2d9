"""The handling desk at /feedback/: a commune officer's queue holds only their unit's reports, soonest
deadline first and overdue ones marked; the report page shows contact details to its handlers and
takes the workflow's steps; 1022 operators see all; anyone else is told the report does not exist."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from feedback import workflow
from feedback.models import Report, Status
from tests.feedback_world import IN_BINH_TAM, IN_PHUONG_1

pytestmark = pytest.mark.django_db


def submit(world, where, code="giao_thong", ago=timedelta(), **fields):
    intake = workflow.Intake(category=world.categories[code], description=f"Phản ánh {code}",
                             location=Point(*where, srid=4326), reporter_name="Lê Văn Liên Hệ",
                             reporter_phone="0933000111", **fields)
    return workflow.submit(intake, account=world.citizen_app, now=timezone.now() - ago)


@pytest.fixture
def reports(feedback_world):
    w = feedback_world
    return {
        "fresh": submit(w, IN_PHUONG_1),
        "late": submit(w, IN_PHUONG_1, "do_thi", ago=timedelta(days=30)),
        "elsewhere": submit(w, IN_BINH_TAM),
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_officer_sees_the_queue_of_their_unit_soonest_deadline_first(feedback_world, reports):
    page = signed_in(feedback_world.officer).get("/feedback/")
    assert page.status_code == 200
    html = page.content.decode()
    late, fresh = reports["late"].service_request_id, reports["fresh"].service_request_id
    assert html.index(late) < html.index(fresh)  # the overdue one first
    assert reports["elsewhere"].service_request_id not in html
    assert 'class="overdue" data-id="%d"' % reports["late"].pk in html
    assert "Lê Văn Liên Hệ" not in html  # the queue and its map carry no contact details


def test_the_report_page_shows_contact_details_only_to_its_handlers(feedback_world, reports):
    url = f"/feedback/reports/{reports['fresh'].pk}/"
    assert "0933000111" in signed_in(feedback_world.officer).get(url).content.decode()
    assert "0933000111" in signed_in(feedback_world.operator).get(url).content.decode()
    other_unit = signed_in(feedback_world.binh_tam_officer).get(url)
    unknown = signed_in(feedback_world.binh_tam_officer).get("/feedback/reports/999999/")
    assert other_unit.status_code == unknown.status_code == 404 and b"0933000111" not in other_unit.content
    assert signed_in(feedback_world.outsider).get("/feedback/").status_code == 403
    assert Client().get("/feedback/").status_code == 302


def test_an_operator_sees_every_unit_and_forwards_a_report(feedback_world, reports):
    operator = signed_in(feedback_world.operator)
    html = operator.get("/feedback/").content.decode()
    assert all(r.service_request_id in html for r in reports.values())
    answer = operator.post(f"/feedback/reports/{reports['elsewhere'].pk}/act",
                           {"action": "forward", "department": feedback_world.phuong_1.pk, "note": "Sai địa bàn"})
    assert answer.status_code == 302
    moved = Report.objects.get(pk=reports["elsewhere"].pk)
    assert moved.department == feedback_world.phuong_1 and moved.status == Status.ASSIGNED
    assert moved.transitions.last().note == "Sai địa bàn"


def test_a_duplicate_is_marked_from_the_nearby_similar_reports(feedback_world, reports):
    w = feedback_world
    again = submit(w, (IN_PHUONG_1[0] + 0.001, IN_PHUONG_1[1]))
    officer = signed_in(w.officer)
    page = officer.get(f"/feedback/reports/{again.pk}/").content.decode()
    assert 'id="nearby"' in page and f'value="{reports["fresh"].pk}"' in page
    assert f'value="{reports["elsewhere"].pk}"' not in page  # another unit's, and 2 km away
    officer.post(f"/feedback/reports/{again.pk}/act", {"action": "duplicate", "duplicate_of": reports["fresh"].pk})
    again.refresh_from_db()
    assert again.status == Status.DUPLICATE and again.duplicate_of_id == reports["fresh"].pk


def test_a_step_the_state_does_not_allow_is_refused_on_the_page(feedback_world, reports):
    answer = signed_in(feedback_world.officer).post(f"/feedback/reports/{reports['fresh'].pk}/act",
                                                    {"action": "close"})
    assert answer.status_code == 409
    assert reports["fresh"].transitions.count() == 1


def test_the_citizen_follows_the_report_by_its_link_and_rates_it_once_closed(feedback_world, reports):
    w, report = feedback_world, reports["fresh"]
    citizen = Client()
    url = f"/feedback/status/{report.status_key}/"
    page = citizen.get(url).content.decode()
    assert "Đã tiếp nhận" in page and "0933000111" not in page and 'name="rating"' not in page
    assert citizen.post(url, {"rating": "5"}).status_code == 400  # not closed yet
    for action in ("acknowledge", "resolve", "close"):
        workflow.act(report, action=action, actor=w.officer, public_response="Đã sửa đèn." if action == "resolve" else "")
    page = citizen.get(url).content.decode()
    assert 'name="rating"' in page and "Đã sửa đèn." in page
    assert citizen.post(url, {"rating": "4"}).status_code == 302
    report.refresh_from_db()
    assert report.rating == 4
    assert citizen.post(url, {"rating": "1"}).status_code == 400
    assert Client().get("/feedback/status/not-a-key/").status_code == 404
