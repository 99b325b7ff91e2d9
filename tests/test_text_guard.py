"""The guard at the door (layers.guards, layers.parsers) names what it refuses, lets real text through
(Vietnamese, tabs and new lines in a body's values) and stores text as NFC."""

import unicodedata

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from layers.models import ImportJob
from tests.conftest import client_for
from tests.departments import make_department

pytestmark = pytest.mark.django_db
SQUARE = {"type": "Polygon", "coordinates": [[[106.35, 10.85], [106.40, 10.85], [106.40, 10.90], [106.35, 10.90],
                                              [106.35, 10.85]]]}


def test_a_nul_in_a_property_filter_is_refused_naming_the_parameter(api, schools):
    body = api.get("/api/layers/schools/features/?name=T%00", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["code"] == "invalid_text"
    assert "name" in body["detail"] and "U+0000" in body["detail"]
    assert list(body["fields"]) == ["name"]


def test_vietnamese_text_passes_the_guard(api, schools):
    response = api.get("/api/layers/schools/features/", {"name": "Trường THPT Tân An"})
    assert response.status_code == 200 and response.json()["numberReturned"] == 1


def test_a_new_line_in_a_zone_purpose_is_text_but_an_escape_character_is_not(planner, zones, districts):
    client = client_for(planner)
    kept = client.post("/api/zones/", {"name": "Vùng A", "purpose": "dòng 1\n\tdòng 2", "geometry": SQUARE},
                       format="json")
    assert kept.status_code == 201 and kept.json()["properties"]["purpose"] == "dòng 1\n\tdòng 2"
    refused = client.post("/api/zones/", {"name": "Vùng B", "purpose": "\x1b[2J", "geometry": SQUARE}, format="json")
    assert refused.status_code == 400 and refused.json()["fields"] == {"purpose": ["Không được dùng ký tự điều khiển."]}


def test_json_nested_too_deep_is_refused_saying_how_deep_is_allowed(api):
    body = b'{"geometry":' + b"[" * 3000 + b"]" * 3000 + b"}"
    response = api.generic("POST", "/api/summary/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON body is nested more than 64 levels deep.", "code": "invalid_json"}


def test_the_whole_world_is_refused_before_postgis_with_what_to_do(api):
    world = {"type": "Polygon", "coordinates": [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]]}
    body = api.post("/api/summary/", {"geometry": world}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["code"] == "invalid_geometry" and "360° of longitude" in body["detail"]


def test_an_open_ring_is_refused_saying_which_position_to_repeat(api):
    ring = SQUARE["coordinates"][0][:-1]
    body = api.post("/api/summary/", {"geometry": {"type": "Polygon", "coordinates": [ring]}}, format="json",
                    HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["code"] == "invalid_geometry" and "(106.35, 10.85)" in body["detail"]


def test_an_import_title_typed_decomposed_is_stored_as_nfc(import_dir):
    steward = User.objects.create_user("steward", is_staff=True)
    make_department("env", stewards=(steward,))
    decomposed = unicodedata.normalize("NFD", "Trạm quan trắc")
    file = SimpleUploadedFile("points.geojson", b'{"type":"FeatureCollection","features":[]}')
    response = client_for(steward).post("/api/imports/", {"file": file, "layer": "tram", "title": decomposed,
                                                          "domain": "environment"}, format="multipart")
    assert response.status_code == 202, response.content
    assert ImportJob.objects.get(pk=response.json()["id"]).new_title == "Trạm quan trắc"
