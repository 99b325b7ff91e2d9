"""A planner's journey in headless Chromium: a consultant's zipped VN-2000 shapefile of a proposed
industrial cluster is uploaded in the zones panel, drawn where it lies and summarised; it is checked
against the plan for industrial use and the verdict and findings are the API's; the report is printed
as a PDF by the kept check's id and reads that check's verdict."""

import importlib
import io
import shutil

import pytest
from pypdf import PdfReader

from analysis.models import ComplianceCheck, ComplianceRule
from tests.browser import CHROMIUM, screenshot
from tests.browser import live_server_page as browser
from tests.conftest import client_for
from tests.test_compliance_checks_kept_and_zone_files import shapefile_zip, tm3_box
from tests.test_dashboard_in_browser import WAIT_MS, TAN_AN_VIEW, open_dashboard, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
# Across Tân An's edge: rice land, homes and a school in the demo world's land-use plan.
PROPOSAL = (106.39, 10.52, 106.43, 10.56)


@pytest.fixture
def rules(demo):
    seeded = importlib.import_module("analysis.migrations.0002_long_an_rules")
    for rule in seeded.RULES:
        ComplianceRule.objects.update_or_create(code=rule["code"], defaults=rule)


def test_an_uploaded_shapefile_is_checked_against_the_plan_and_printed_by_its_check_id(live_server, demo, rules,
                                                                                       planner, tmp_path):
    archive = tmp_path / "cum-cong-nghiep.zip"
    archive.write_bytes(shapefile_zip(tmp_path, [tm3_box(PROPOSAL)]))
    with browser() as (page, outside):
        sign_in(page, live_server, planner)
        open_dashboard(page, live_server, TAN_AN_VIEW)
        page.click("#tab-zones")
        page.set_input_files("#zone-upload", str(archive))
        page.wait_for_selector(".summary-layer", timeout=WAIT_MS)
        assert page.inner_text(".zone-detail h3") == "cum-cong-nghiep"
        ring = page.evaluate("window.geoIoc.zones.state.polygon.coordinates[0]")
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        assert [min(lons), min(lats), max(lons), max(lats)] == pytest.approx(list(PROPOSAL), abs=1e-4)

        page.select_option("#compliance-use", "industrial")
        page.click("#compliance-run")
        verdict = page.wait_for_selector(".compliance-result .verdict", timeout=WAIT_MS)
        shown = verdict.get_attribute("data-verdict")
        kept = ComplianceCheck.objects.get(author=planner)
        geometry = page.evaluate("window.geoIoc.zones.state.polygon")
        expected = client_for(planner).post("/api/analysis/compliance/", {"use": "industrial", "geometry": geometry},
                                            format="json").json()
        assert shown == kept.verdict == expected["verdict"]
        fired_rows = page.locator(".compliance-table tr.fired").count()
        assert fired_rows == sum(1 for f in expected["findings"] if f["fired"]) and fired_rows > 0
        screenshot(page, "compliance-uploaded-shapefile-1366x768")

        with page.expect_download(timeout=WAIT_MS) as download:
            page.click("#report-pdf")
        pdf = download.value.path().read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert f"#{kept.pk}" in text and "cum-cong-nghiep" in text
    assert {"conflicts": "Xung đột", "conditions": "Phù hợp có điều kiện", "compatible": "Phù hợp"}[shown] in text
    assert outside == []
