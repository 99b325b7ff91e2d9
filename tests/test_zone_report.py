"""A printable report of a zone and its plan-compliance check: a PDF (WeasyPrint) whose text carries
the title, the author, the verdict, the findings with the features involved, the raster statistics
and the data versions, in Vietnamese or English; an HTML page whose map (folium / Leaflet) loads only
the app's own files, its script under the page's CSP nonce. An outsider's report never shows a
restricted layer."""

import io
import re

import pytest
from pypdf import PdfReader

from analysis.models import ComplianceRule
from tests.conftest import client_for
from tests.province import RICE
from tests.test_plan_compliance import long_an_rules  # noqa: F401  (fixture)
from tests.test_zonal_statistics import ZONE, flood_cog, raster_layer  # noqa: F401  (fixture)
from tests.test_zone_summaries import polygon

pytestmark = pytest.mark.django_db
WEST_HALF_OF_RICE = (RICE[0], RICE[1], (RICE[0] + RICE[2]) / 2, RICE[3])


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def report(user, fmt: str, body: dict, **extra):
    response = client_for(user).post(f"/api/analysis/report.{fmt}", body, format="json", **extra)
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_pdf_of_an_industrial_proposal_reads_its_verdict_findings_and_versions(long_an_rules, planner, land_use, province_schools):
    response = report(planner, "pdf", {"geometry": polygon(*WEST_HALF_OF_RICE), "use": "industrial",
                                       "title": "Cụm công nghiệp Khánh Hậu"})
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Cụm công nghiệp Khánh Hậu" in text and "Người lập: planner" in text
    assert "Xung đột" in text and "Trường Tiểu học Khánh Hậu" in text
    assert "Công nghiệp trên đất trồng lúa theo quy hoạch" in text
    land_use.refresh_from_db()
    assert f"land-use-plan v{land_use.version}" in text


def test_the_pdf_is_written_in_english_when_asked(planner, land_use):
    text = pdf_text(report(planner, "pdf", {"geometry": polygon(*WEST_HALF_OF_RICE), "use": "residential",
                                            "lang": "en"}).content)
    assert "Prepared by: planner" in text and "Zone report" in text and "Compatible" in text
    assert "Người lập" not in text


def test_the_pdf_charts_a_rasters_classes_in_hectares(planner, flood_cog):
    raster_layer("flood")
    text = pdf_text(report(planner, "pdf", {"geometry": polygon(*ZONE), "lang": "en"}).content)
    assert "Flood depth" in text and "full resolution" in text
    assert re.search(r"0\.5–1 ?m ?[\d,.]+ ?ha", text)  # the chart's bar label (SVG text runs together)


def test_the_html_map_loads_only_the_apps_own_files_under_the_pages_nonce(long_an_rules, planner, land_use):
    response = report(planner, "html", {"geometry": polygon(*WEST_HALF_OF_RICE), "use": "industrial"})
    html = response.content.decode()
    assert "/static/vendor/leaflet/dist/leaflet.js" in html and "L.map(" in html
    assert [url for url in re.findall(r"https?://[^\s\"')]+", html) if "www.w3.org" not in url] == []
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in html


def test_an_outsiders_report_never_shows_the_restricted_layer(outsider, health_officer, dengue):
    ComplianceRule.objects.create(code="xa-o-dich", title_vi="Gần ổ dịch SXH-XYZ", title_en="Near dengue", uses=[],
                                  kind="distance", layer="dengue", distance_m=1000, severity="conflict")
    body = {"geometry": polygon(106.40, 10.53, 106.42, 10.55), "use": "residential"}
    outsider_text = pdf_text(report(outsider, "pdf", body).content)
    assert "SXH-XYZ" not in outsider_text and "dengue" not in outsider_text and "Phù hợp" in outsider_text
    assert "SXH-XYZ" in pdf_text(report(health_officer, "pdf", body).content)


def test_an_unknown_format_is_not_found(planner):
    response = client_for(planner).post("/api/analysis/report.docx", {"geometry": polygon(*RICE)}, format="json")
    assert response.status_code == 404
