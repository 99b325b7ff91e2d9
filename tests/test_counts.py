"""Feature counts per visible layer in a map view and a time window, and the time span of each layer
with time: what the layer panel and the time slider show."""

import pytest

from tests.conftest import client_for
from tests.province import TAN_AN

pytestmark = pytest.mark.django_db


def test_without_a_view_the_catalog_counts_answer(api, province):
    assert api.get("/api/counts/").json()["counts"]["schools"] == 5


def test_counts_follow_the_map_view_and_the_time_window(official, province):
    client = client_for(official)
    bbox = ",".join(str(v) for v in TAN_AN)
    counts = client.get("/api/counts/", {"bbox": bbox}).json()["counts"]
    assert counts["schools"] == 3 and counts["feedback-1022"] == 3 and counts["admin-districts"] == 1
    windowed = client.get("/api/counts/", {"bbox": bbox, "datetime": "2022-06-01/2022-06-30"}).json()["counts"]
    assert windowed["feedback-1022"] == 2 and windowed["schools"] == 3


def test_counts_cover_only_visible_layers(api, province):
    assert "feedback-1022" not in api.get("/api/counts/").json()["counts"]


def test_a_bad_bbox_gets_the_error_shape(api, province):
    response = api.get("/api/counts/", {"bbox": "106.5,10.5,106.4,10.6"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_bbox"


def test_the_timeline_spans_the_visible_layers_with_time(api, official, province):
    body = client_for(official).get("/api/timeline/").json()
    assert [layer["slug"] for layer in body["layers"]] == ["feedback-1022"]
    assert body["start"].startswith("2022-03-01") and body["end"].startswith("2022-12-31")
    assert api.get("/api/timeline/").json() == {"start": None, "end": None, "layers": []}
