"""The print layout (dashboard.print): a page composed around the map image the browser drew, with
title, legend, scale, north arrow, time window, sources and licences, author and date, as PDF (vector
text) and PNG; a layer the caller may not see is never named; bad input is a 4xx in the one shape."""

import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dashboard.print import map_frames, scale_for, sheet
from tests.browser import ARTIFACTS
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
# The map at Tân An: about 0.4° wide, as the dashboard shows a district.
BBOX = "106.20,10.40,106.60,10.65"
HAS_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None


def map_image(width: int = 1200, height: int = 1000, fmt: str = "PNG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#cfe3f2").save(out, format=fmt)
    return SimpleUploadedFile(f"map.{fmt.lower()}", out.getvalue(), content_type=f"image/{fmt.lower()}")


def post(client, fmt: str = "pdf", **fields):
    body = {"image": map_image(), "bbox": BBOX, "title": "Trường học quanh Tân An", "paper": "A4",
            "orientation": "landscape", "layers": "schools,dengue", **fields}
    return client.post(f"/api/print.{fmt}", {k: v for k, v in body.items() if v is not None}, format="multipart")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_a4_landscape_is_one_page_of_297_by_210_mm_with_its_map_frame():
    a4 = sheet("A4", "landscape")
    assert (a4.width_mm, a4.height_mm, a4.side) == (297, 210, True)
    assert map_frames()["frames"]["A3"]["portrait"] == [sheet("A3", "portrait").map_width_mm, sheet("A3", "portrait").map_height_mm]


def test_the_scale_is_read_at_the_maps_central_latitude_with_a_round_bar():
    scale = scale_for((106.2, 10.4, 106.6, 10.65), 204)
    # 0.4° of longitude at 10.5° N is 43.8 km on Web Mercator's sphere, over 204 mm: about 1:215 000.
    assert 200_000 <= scale.denominator <= 230_000
    assert scale.bar_metres in (5000, 10000) and scale.bar_mm <= 45


@pytest.mark.skipif(not HAS_POPPLER, reason="poppler-utils")
def test_the_pdf_carries_title_legend_scale_sources_author_and_date_as_text(schools, official):
    response = post(client_for(official), datetime="2022-01-01T00:00:00Z/2022-12-31T23:59:59Z")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("Trường học quanh Tân An", "Chú giải", "Tỷ lệ 1:2", "km", "Nguồn và giấy phép",
                     "CC BY 4.0", "Người lập: official", "Ngày in", "01/01/2022 07:00", "B"):
        assert expected in text, (expected, text)
    assert schools.title_vi in text


@pytest.mark.skipif(not HAS_POPPLER, reason="poppler-utils")
def test_a_layer_the_caller_may_not_see_is_left_out_unnamed(schools, dengue, outsider):
    text = pdf_text(post(client_for(outsider)).content)
    assert schools.title_vi in text
    assert dengue.title_vi not in text and dengue.slug not in text
    html = post(client_for(outsider), fmt="html").content.decode()
    assert dengue.title_vi not in html and dengue.slug not in html


def test_english_and_the_png_of_the_page(schools, official):
    response = post(client_for(official), fmt="png", lang="en", paper="A3", orientation="portrait")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "print-a3-portrait-en.png").write_bytes(response.content)  # to look at
    page = Image.open(io.BytesIO(response.content))
    # A3 portrait at 150 dpi: 297 × 420 mm.
    assert abs(page.width - 1754) <= 2 and abs(page.height - 2480) <= 2
    html = post(client_for(official), fmt="html", lang="en").content.decode()
    assert "Legend" in html and "Sources and licences" in html and "Scale 1:" in html


@pytest.mark.parametrize(("fields", "status", "code"), [
    ({"paper": "A5"}, 400, "invalid_paper"),
    ({"orientation": "sideways"}, 400, "invalid_paper"),
    ({"image": None}, 400, "print_image_needed"),
    ({"image": SimpleUploadedFile("map.png", b"not an image", content_type="image/png")}, 400, "print_image_invalid"),
    ({"bbox": "106.6,10.4,106.2,10.65"}, 400, "invalid_bbox"),
    ({"bbox": "Tân An"}, 400, "invalid_bbox"),
    ({"lang": "fr"}, 400, "invalid_parameter"),
    ({"title": "x" * 201}, 400, "invalid_parameter"),
    ({"datetime": "yesterday"}, 400, "invalid_datetime"),
])
def test_bad_input_is_refused_in_words_a_person_can_act_on(official, fields, status, code):
    response = post(client_for(official), **fields)
    assert response.status_code == status, response.content[:300]
    assert response.json()["code"] == code and response.json()["detail"]


def test_a_map_image_too_large_is_refused_before_it_is_drawn(official, settings):
    settings.DASHBOARD_PRINT_MAX_IMAGE_SIDE = 1000
    response = post(client_for(official), image=map_image(1600, 900))
    assert response.status_code == 413 and response.json()["code"] == "print_image_too_large"
    settings.DASHBOARD_PRINT_MAX_IMAGE_BYTES = 100
    response = post(client_for(official), image=map_image(400, 300))
    assert response.status_code == 413 and response.json()["code"] == "print_image_too_large"


def test_an_unknown_format_is_not_found(official):
    assert post(client_for(official), fmt="docx").status_code == 404


@pytest.mark.skipif(not HAS_POPPLER, reason="poppler-utils")
def test_the_legend_says_the_filters_the_map_was_drawn_with(schools, dengue, outsider):
    filters = '{"schools": {"level": "thcs", "public": true, "no_such": "x"}, "dengue": {"commune_code": "28003"}}'
    text = pdf_text(post(client_for(outsider), filters=filters).content)
    assert "Chỉ các đối tượng có Cấp học = thcs; Công lập = Có" in " ".join(text.split()), text
    assert "no_such" not in text and "28003" not in text  # the hidden layer's filter is left out with it
    html = post(client_for(outsider), fmt="html", lang="en", filters=filters).content.decode()
    assert "Only the features where Level = thcs; Public = Yes" in html


@pytest.mark.parametrize("filters", ["{", '["schools"]', '{"schools": {"level": ["thcs"]}}', '{"schools": "thcs"}'])
def test_filters_that_are_no_object_of_objects_are_refused(official, filters):
    response = post(client_for(official), filters=filters)
    assert response.status_code == 400 and response.json()["code"] == "invalid_parameter"
    assert "filters" in response.json()["fields"]
