"""A data steward imports through the web page as a steward, not a developer: says in words what is
missing, finds an existing layer by its title without accents or names a new one (its address derived,
a duplicate title suffixed visibly), sees the first rows and a small map before publishing, chooses the
style with the dashboard's style editor (categories of a property, named), publishes, and follows the link to the layer drawn on the dashboard; in Vietnamese and English."""

import json
import shutil

import pytest
from django.conf import settings
from django.test import Client

from layers.models import ImportJob, Layer
from tests import test_imported_layers_drawn_in_browser as drawn_map
from tests.browser import CHROMIUM, screenshot, wait_for_drawn, wait_for_map
from tests.browser import live_server_page as browser
from tests.conftest import make_layer
from tests.departments import make_department
from tests.import_workers import start_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
WAIT_MS = 120_000
POINTS = [("Trạm Tân An", 106.410, 10.540, 12), ("Trạm Bến Lức", 106.451, 10.692, 30), ("Trạm Cần Giuộc", 106.668, 10.583, 7)]


@pytest.fixture
def worker(import_dir, tmp_path):
    """A worker on the broker this process queues to, reading the test's import directory."""
    proc = start_worker(tmp_path, "journey", broker=settings.CELERY_BROKER_URL)
    yield proc
    proc.terminate()
    proc.wait(timeout=60)




def sign_in(page, base: str, user, lang: str = "vi") -> None:
    client = Client()
    client.force_login(user)
    cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base},
               {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}]
    page.context.add_cookies(cookies)
    page.goto(base + "/imports/")


def stations_file(tmp_path):
    path = tmp_path / "tram.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"ten": name, "so_mau": n}}
        for name, lon, lat, n in POINTS]}, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_empty_submit_says_in_words_what_is_missing_and_sends_nothing(live_server, steward):
    with browser() as (page, outside):
        sign_in(page, live_server.url, steward)
        page.click("#import-form button[type=submit]")
        assert page.inner_text("#import-file-error") == "Hãy chọn tệp cần nhập."
        assert "Hãy đặt tên cho lớp mới." in page.inner_text("#import-title-error")
        assert "Hãy chọn lĩnh vực của lớp mới." in page.inner_text("#import-title-error")
        assert page.is_hidden("#job")
        assert outside == []
    assert ImportJob.objects.count() == 0


def test_a_new_layer_is_previewed_coloured_published_and_opened_on_the_map(live_server, demo, steward, worker, tmp_path):
    department = make_department("environment")
    make_layer("diem-vn2000-cu", title_vi="Điểm VN-2000", title_en="Điểm VN-2000", owner=department)
    with browser() as (page, outside):
        sign_in(page, live_server.url, steward)
        page.set_input_files("#import-file", str(stations_file(tmp_path)))
        page.fill("#import-title", "Điểm VN-2000")
        assert "diem-vn-2000" in page.inner_text("#import-address")
        page.select_option("#import-domain", "environment")
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#job-preview:not([hidden])", timeout=WAIT_MS)
        page.wait_for_selector("#preview-map[data-ready]", timeout=WAIT_MS)
        assert "3 đối tượng đầu tiên trong 3" in page.inner_text("#job-preview-text")
        table = page.inner_text("#preview-rows")
        assert "Trạm Bến Lức" in table and "so_mau" in table
        assert not Layer.objects.filter(title_vi__startswith="Điểm VN-2000 (").exists()  # nothing published yet
        # The dashboard's style editor, on the preview's properties: one colour per station, named.
        page.select_option("#style-mode-import", "categories")
        page.select_option("#style-property-import", "ten")
        page.wait_for_selector("#style-stop-color-import-2", timeout=WAIT_MS)
        assert page.inner_text("#preview-style caption") == "Các loại: màu và tên"
        # The colour last: only the editor's last preview has it, so the map waited for below is the
        # final one (each change is previewed, and a later one redraws the layers).
        page.fill("#style-stop-en-import-0", "Ben Luc station")
        page.fill("#style-stop-color-import-0", "#6a3d9a")
        # The small map draws the draft as the dashboard will: Bến Lức in the colour just chosen, the
        # other stations in their own categories' colours (not the one base colour of every point).
        page.wait_for_function("JSON.stringify(window.geoIoc.map.getPaintProperty('preview', 'circle-color') || '')"
                               ".includes('#6a3d9a')", timeout=WAIT_MS)
        page.wait_for_selector("#preview-map[data-ready]", timeout=WAIT_MS)
        wait_for_drawn(page, timeout=WAIT_MS)
        chosen = {page.input_value(f"#style-stop-color-import-{i}") for i in range(3)}
        for name, lon, lat, _n in POINTS:
            seen = drawn_map.pixels_around(page, lon, lat)
            colour = "#6a3d9a" if name == "Trạm Bến Lức" else min(
                chosen - {"#6a3d9a"}, key=lambda c: drawn_map.nearest(seen, drawn_map.rgb(c)))
            assert drawn_map.nearest(seen, drawn_map.rgb(colour)) < 40, name
        assert len(chosen) == 3
        screenshot(page, "import-preview-vi-1366x768")
        page.click("#job-publish")
        page.wait_for_selector("#job-status.succeeded", timeout=WAIT_MS)
        page.wait_for_selector("#job-link[href*='layers=']", timeout=WAIT_MS)
        assert page.inner_text("#job-link") == "Đã công bố. Mở lớp trên bản đồ"
        layer = Layer.objects.get(title_vi="Điểm VN-2000 (2)")  # the department's titles stay unique, visibly
        assert layer.slug == "diem-vn-2000" and layer.feature_count == 3 and layer.owner == department
        stops = {stop["value"]: stop for stop in layer.style["categories"]["stops"]}
        assert layer.style["type"] == "circle" and layer.style["categories"]["property"] == "ten"
        assert sorted(stops) == ["Trạm Bến Lức", "Trạm Cần Giuộc", "Trạm Tân An"]
        assert stops["Trạm Bến Lức"] == {"value": "Trạm Bến Lức", "color": "#6a3d9a", "label_vi": "Trạm Bến Lức",
                                         "label_en": "Ben Luc station"}
        page.click("#job-link")
        wait_for_map(page, timeout=WAIT_MS)
        assert page.is_checked("#toggle-diem-vn-2000")
        wait_for_drawn(page, timeout=WAIT_MS)
        assert "#6a3d9a" in json.dumps(page.evaluate("window.geoIoc.map.getPaintProperty('L:diem-vn-2000:diem-vn-2000', 'circle-color')"))
        assert page.evaluate("window.geoIoc.map.queryRenderedFeatures({layers: ['L:diem-vn-2000:diem-vn-2000']}).length") >= 1
        # Drawn by category: each station in its own stop's colour (pixels, not paint properties).
        for name, lon, lat, _n in POINTS:
            assert drawn_map.nearest(drawn_map.pixels_around(page, lon, lat), drawn_map.rgb(stops[name]["color"])) < 40, name
        assert outside == []


def test_an_existing_layer_is_found_without_accents_and_the_questions_read_in_english(live_server, steward, worker, tmp_path):
    make_layer("tram-quan-trac", title_vi="Trạm quan trắc nước", title_en="Water monitoring stations",
               owner=make_department("environment"))
    with browser(viewport=(1024, 768)) as (page, outside):
        sign_in(page, live_server.url, steward, lang="en")
        page.check("input[name=target][value=existing]")
        page.fill("#target-search", "water moni")
        assert page.input_value("#target-layer") == "tram-quan-trac"
        modes = page.inner_text("select[name=mode]")
        assert "Replace all its features with the file's" in modes and "replace" not in modes
        page.set_input_files("#import-file", str(stations_file(tmp_path)))
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#job-preview:not([hidden])", timeout=WAIT_MS)
        assert "Check the first rows and the map" in page.inner_text("#job-preview-text")
        assert page.inner_text("#job-status") == "waiting for you"
        screenshot(page, "import-preview-en-1024x768")
        page.click("#job-publish")
        page.wait_for_selector("#job-status.succeeded", timeout=WAIT_MS)
        assert outside == []
    assert Layer.objects.get(slug="tram-quan-trac").feature_count == 3


def test_the_vietnamese_search_finds_a_layer_typed_without_diacritics(live_server, steward):
    make_layer("tram-quan-trac", title_vi="Trạm quan trắc nước", title_en="Water monitoring stations",
               owner=make_department("environment"))
    with browser() as (page, _outside):
        sign_in(page, live_server.url, steward)
        page.check("input[name=target][value=existing]")
        page.fill("#target-search", "tram quan trac")
        assert page.input_value("#target-layer") == "tram-quan-trac"
        assert "Thay toàn bộ đối tượng" in page.inner_text("select[name=mode]")
