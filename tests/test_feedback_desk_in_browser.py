"""The handling desk in headless Chromium, as a commune officer uses it: Vietnamese first, the queue
with the overdue report in red, the map drawn offline, a report acknowledged from its page."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from feedback import workflow
from feedback.models import Report, Status
from tests.browser import offline_page, screenshot
from tests.feedback_world import IN_PHUONG_1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_a_commune_officer_works_the_queue_in_vietnamese(live_server, feedback_world):
    w = feedback_world

    def submit(code, ago, text):
        intake = workflow.Intake(category=w.categories[code], description=text,
                                 location=Point(IN_PHUONG_1[0] + ago.days * 0.0002, IN_PHUONG_1[1], srid=4326),
                                 reporter_name="Phạm Thị Hoa", reporter_phone="0977123123")
        return workflow.submit(intake, account=w.citizen_app, now=timezone.now() - ago)

    late = submit("do_thi", timedelta(days=20), "Lấn chiếm vỉa hè trước chợ")
    fresh = submit("giao_thong", timedelta(), "Đèn tín hiệu ngã tư không hoạt động")
    with offline_page(viewport=(1400, 800)) as (page, outside):
        signed_in(page, live_server, w.officer)
        page.goto(f"{live_server.url}/feedback/")
        page.wait_for_function("window.geoIocReady === true", timeout=60_000)
        assert page.evaluate("window.geoIocErrors || []") == []
        assert "Bàn xử lý phản ánh 1022" in page.inner_text("h1")
        rows = page.locator("#queue tbody tr")
        assert rows.count() == 2
        assert rows.nth(0).get_attribute("class") == "overdue"
        colour = rows.nth(0).evaluate("(row) => getComputedStyle(row).color")
        assert colour == "rgb(185, 28, 28)"
        assert "quá hạn" in rows.nth(0).inner_text() and "giờ làm việc" in rows.nth(1).inner_text()
        drawn = page.evaluate("window.geoIocMap.queryRenderedFeatures({layers: ['reports']}).length")
        assert drawn == 2
        shot = screenshot(page, "feedback-desk")
        assert shot.stat().st_size > 10_000

        page.click(f"text={fresh.service_request_id}")
        page.select_option("#action", "acknowledge")
        page.fill("#public_response", "Đã tiếp nhận, chuyển Đội quản lý đô thị kiểm tra.")
        page.click("#act button")
        page.wait_for_selector("#history tbody tr:nth-child(2)")
        assert "Xác nhận" in page.inner_text("#history")
        assert "Phạm Thị Hoa" in page.inner_text("#contact")
        screenshot(page, "feedback-report")
    assert outside == []
    assert Report.objects.get(pk=fresh.pk).status == Status.ACKNOWLEDGED
    assert Report.objects.get(pk=late.pk).status == Status.RECEIVED
