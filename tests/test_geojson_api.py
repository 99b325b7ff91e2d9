"""An app pulls a layer as RFC 7946 GeoJSON built by PostGIS, filtered and paged."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import add_features, client_for, make_layer

pytestmark = pytest.mark.django_db


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response, json.loads(response.content)


def test_a_layer_comes_as_a_geojson_feature_collection(api, schools):
    response, body = get_json(api, "/api/layers/schools/features/")
    assert response["Content-Type"] == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 4
    first = body["features"][0]
    assert first["type"] == "Feature"
    assert first["geometry"] == {"type": "Point", "coordinates": [106.4027, 10.5327]}
    assert first["properties"]["name"] == "Trường THPT Tân An"
    assert first["properties"]["pupils"] == 1200


def test_vietnamese_text_is_returned_as_utf8_not_escaped(api, schools):
    response = api.get("/api/layers/schools/features/")
    assert "Trường Tiểu học Cần Giuộc".encode() in response.content


def test_the_feature_collection_is_built_in_one_query_without_a_count_when_unfiltered(api, schools):
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/layers/schools/features/")
    feature_queries = [q for q in queries.captured_queries if "layers_feature" in q["sql"]]
    assert len(feature_queries) == 1


def test_bbox_keeps_only_features_inside(api, schools):
    _, body = get_json(api, "/api/layers/schools/features/", bbox="106.3,10.4,106.7,10.7")
    assert {f["properties"]["name"] for f in body["features"]} == {
        "Trường THPT Tân An", "Trường Tiểu học Cần Giuộc", "Trường THCS Bến Lức"}
    assert body["numberMatched"] == 3


def test_equality_filters_use_the_schema_types(api, schools):
    _, by_level = get_json(api, "/api/layers/schools/features/", level="thcs")
    assert [f["properties"]["name"] for f in by_level["features"]] == ["Trường THCS Bến Lức"]
    _, by_int = get_json(api, "/api/layers/schools/features/", pupils="640")
    assert by_int["numberMatched"] == 1
    _, by_bool = get_json(api, "/api/layers/schools/features/", public="false")
    assert [f["properties"]["name"] for f in by_bool["features"]] == ["Trường Mầm non Tân Hưng"]


def test_properties_chooses_the_fields_returned(api, schools):
    _, body = get_json(api, "/api/layers/schools/features/", properties="name,level")
    # source_id comes with every feature: the id that joins it to the exports.
    assert all(set(f["properties"]) == {"name", "level", "source_id"} for f in body["features"])


def test_limit_pages_with_next_links_until_the_end(api, schools):
    _, page1 = get_json(api, "/api/layers/schools/features/", limit=3)
    assert page1["numberReturned"] == 3 and page1["numberMatched"] == 4
    next_link = next(link["href"] for link in page1["links"] if link["rel"] == "next")
    _, page2 = get_json(api, next_link.replace("http://testserver", ""))
    assert page2["numberReturned"] == 1
    assert not [link for link in page2["links"] if link["rel"] == "next"]
    ids = [f["id"] for f in page1["features"] + page2["features"]]
    assert len(set(ids)) == 4


def test_a_limit_above_the_maximum_is_clamped(api, schools, settings):
    settings.LAYERS_PAGE_MAX = 2
    _, body = get_json(api, "/api/layers/schools/features/", limit=1_000_000)
    assert body["numberReturned"] == 2


def test_datetime_instant_and_intervals_with_open_ends(official, incidents):
    client = client_for(official)
    url = "/api/layers/incidents/features/"
    _, day = get_json(client, url, datetime="2022-06-15")
    assert [f["properties"]["kind"] for f in day["features"]] == ["ùn tắc"]
    _, until = get_json(client, url, datetime="../2022-06-30T00:00:00Z")
    assert until["numberMatched"] == 2
    _, since = get_json(client, url, datetime="2022-06-01T00:00:00+07:00/..")
    assert since["numberMatched"] == 2
    _, closed = get_json(client, url, datetime="2022-01-01T00:00:00Z/2022-03-31T00:00:00Z")
    assert closed["numberMatched"] == 1
    assert closed["features"][0]["properties"]["datetime"].startswith("2022-03-01T02:00:00")


def test_interval_layers_match_features_whose_validity_overlaps(official):
    from datetime import datetime, timezone

    plan = make_layer("plan", time_kind="interval", domain="land_plan", geometry_type="Polygon",
                      property_schema=[{"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"}])
    utc = timezone.utc
    add_features(plan, [
        ("p2010", "POLYGON((106 10,106.1 10,106.1 10.1,106 10))", {"name": "QH 2010"},
         datetime(2010, 1, 1, tzinfo=utc), datetime(2020, 12, 31, tzinfo=utc)),
        ("p2021", "POLYGON((106 10,106.1 10,106.1 10.1,106 10))", {"name": "QH 2021"},
         datetime(2021, 1, 1, tzinfo=utc), datetime(2030, 12, 31, tzinfo=utc)),
    ])
    _, body = get_json(client_for(official), "/api/layers/plan/features/", datetime="2015-06-01")
    assert [f["properties"]["name"] for f in body["features"]] == ["QH 2010"]
    assert body["features"][0]["properties"]["end_datetime"].startswith("2020-12-31")


def test_one_feature_by_id(api, schools):
    _, body = get_json(api, "/api/layers/schools/features/")
    feature_id = body["features"][1]["id"]
    response, one = get_json(api, f"/api/layers/schools/features/{feature_id}/")
    assert response["Content-Type"] == "application/geo+json"
    assert one["type"] == "Feature" and one["id"] == feature_id
    assert one["properties"]["name"] == "Trường Tiểu học Cần Giuộc"


def test_a_feature_of_another_layer_is_not_found_through_this_one(api, schools):
    other = add_features(make_layer("other"), [("o1", "POINT(106 10.5)", {"name": "x"})])
    other_id = json.loads(api.get("/api/layers/other/features/").content)["features"][0]["id"]
    response = api.get(f"/api/layers/schools/features/{other_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "feature_not_found"
    assert other.feature_count == 1


def test_an_unchanged_layer_answers_304_to_its_etag_and_an_edit_changes_it(api, schools):
    first = api.get("/api/layers/schools/features/")
    again = api.get("/api/layers/schools/features/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    add_features(schools, [("s5", "POINT(106.5 10.6)", {"name": "Trường mới", "level": "thcs", "pupils": 1, "public": True})])
    after_edit = api.get("/api/layers/schools/features/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after_edit.status_code == 200
    assert json.loads(after_edit.content)["numberMatched"] == 5


def test_an_empty_layer_is_an_empty_collection(api):
    make_layer("empty")
    _, body = get_json(api, "/api/layers/empty/features/")
    assert body["features"] == [] and body["numberMatched"] == 0
