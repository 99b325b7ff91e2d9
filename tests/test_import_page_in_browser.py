"""A data steward imports a VN-2000 shapefile through the web page in headless Chromium: the
progress bar moves, the page asks for the missing CRS, and the report shows in Vietnamese."""

import shutil

import pytest
from django.conf import settings

from layers.models import Layer
from tests.browser import CHROMIUM, offline_page, screenshot
from tests.import_files import write_shapefile_zip
from tests.import_workers import start_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]


@pytest.fixture
def worker(tmp_path):
    """A worker on the broker this process queues to (the import page's API calls queue the job)."""
    proc = start_worker(tmp_path, "page", broker=settings.CELERY_BROKER_URL)
    yield proc
    proc.terminate()
    proc.wait(timeout=60)


def sign_in(page, base: str) -> None:
    page.goto(base + "/accounts/login/?next=/imports/")
    page.fill("#id_username", "steward")
    page.fill("#id_password", "pw-steward")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/imports/")


def test_a_steward_imports_a_shapefile_and_answers_the_crs_question(live_server, steward, worker, tmp_path):
    upload = write_shapefile_zip(tmp_path, encoding="tcvn3", crs="")
    with offline_page() as (page, outside):
        sign_in(page, live_server.url)
        assert "Nhập dữ liệu" in page.inner_text("main h2")
        page.set_input_files("input[name=file]", str(upload))
        page.fill("input[name=title]", "Thửa đất Long An")
        page.select_option("select[name=domain]", "land_plan")
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#job-status.needs_input", timeout=60_000)
        assert "hệ tọa độ" in page.inner_text("#job-needs-text")
        assert page.input_value("#job-choice") == "EPSG:9210"
        page.click("#job-confirm")
        # The file read, the page shows its first rows before anything is published.
        page.wait_for_selector("#job-preview:not([hidden])", timeout=60_000)
        page.click("#job-publish")
        page.wait_for_selector("#job-status.succeeded", timeout=60_000)
        assert page.evaluate("document.getElementById('job-progress').value") == 100
        assert "5 đã đọc" in page.inner_text("#job-counts")
        assert "TCVN3" in page.inner_text("#job-warnings").upper()
        screenshot(page, "imports-vi-1366x768")
        assert outside == []
    layer = Layer.objects.get(slug="thua-dat-long-an")  # the address derived from the title
    assert layer.feature_count == 5 and layer.title_vi == "Thửa đất Long An"


def test_the_page_is_for_stewards_only(client, official):
    client.force_login(official)
    assert client.get("/imports/").status_code == 403
