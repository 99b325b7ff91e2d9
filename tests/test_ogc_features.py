"""A GIS analyst's client browses the catalog through OGC API - Features Part 1 at /ogc/: landing page,
conformance, the collections the caller may see, items paged by `next`, bbox, datetime, f/Accept."""

import json

import pytest
from django.test import Client

from tests.conftest import add_features, make_layer

pytestmark = pytest.mark.django_db

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def client_for(user) -> Client:
    """The OGC API is plain Django views: a session, as a browser or QGIS's sign-in has."""
    client = Client()
    client.force_login(user)
    return client


def get_json(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.getvalue()
    return response, json.loads(response.getvalue())


def link(doc: dict, rel: str, media: str | None = None) -> str:
    return next(x["href"] for x in doc["links"] if x["rel"] == rel and (media is None or x["type"] == media))


def test_the_landing_page_links_the_api_its_docs_conformance_and_data(api):
    _, doc = get_json(api, "/ogc/")
    assert {x["rel"] for x in doc["links"]} >= {"self", "service-desc", "service-doc", "conformance", "data"}
    assert link(doc, "data").endswith("/ogc/collections")
    _, conformance = get_json(api, "/ogc/conformance")
    assert CORE in conformance["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conformance["conformsTo"]


def test_the_api_definition_is_openapi_3(api):
    response = api.get("/ogc/api")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = json.loads(response.getvalue())
    assert doc["openapi"].startswith("3.0")
    assert "/collections/{collectionId}/items" in doc["paths"]


def test_each_caller_sees_the_collections_it_may_see_and_no_other(api, world, official, health_officer):
    _, anonymous = get_json(api, "/ogc/collections")
    assert [c["id"] for c in anonymous["collections"]] == ["schools"]
    _, staff = get_json(client_for(official), "/ogc/collections")
    assert [c["id"] for c in staff["collections"]] == ["incidents", "schools"]
    _, health = get_json(client_for(health_officer), "/ogc/collections")
    assert [c["id"] for c in health["collections"]] == ["dengue", "schools"]


def test_a_hidden_collection_answers_exactly_like_an_unknown_one(api, world):
    for suffix in ("", "/items", "/queryables", "/items/1", "/tiles"):
        hidden = api.get(f"/ogc/collections/dengue{suffix}")
        unknown = api.get(f"/ogc/collections/no-such-layer{suffix}")
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.getvalue() == unknown.getvalue()
        assert b"dengue" not in hidden.getvalue()


def test_a_collection_has_its_extent_crs_list_and_item_type(official, world):
    _, doc = get_json(client_for(official), "/ogc/collections/incidents")
    assert doc["itemType"] == "feature"
    assert doc["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert "http://www.opengis.net/def/crs/EPSG/0/4326" in doc["crs"]
    assert "http://www.opengis.net/def/crs/EPSG/0/9210" in doc["crs"]
    west, south, east, north = doc["extent"]["spatial"]["bbox"][0]
    assert (west, south, east, north) == pytest.approx((106.40, 10.51, 106.60, 10.64))
    assert doc["extent"]["temporal"]["interval"] == [["2022-03-01T02:00:00Z", "2022-12-31T16:00:00Z"]]
    assert link(doc, "items", "application/geo+json").endswith("/ogc/collections/incidents/items")


def test_items_page_through_next_links_that_keep_every_other_parameter(api, schools):
    response, first = get_json(api, "/ogc/collections/schools/items", limit=3, bbox="105,10,107,11")
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert first["numberMatched"] == 4 and first["numberReturned"] == 3 and first["timeStamp"]
    following = link(first, "next")
    assert "bbox=105%2C10%2C107%2C11" in following and "limit=3" in following
    _, second = get_json(api, following.replace("http://testserver", ""))
    assert second["numberReturned"] == 1
    assert not [x for x in second["links"] if x["rel"] == "next"]
    ids = [f["id"] for f in first["features"] + second["features"]]
    assert len(set(ids)) == 4


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5])
def test_a_page_written_in_several_chunks_is_the_page_written_in_one(api, schools, monkeypatch, limit):
    """A streamed page is written by PostgreSQL in chunks of STREAM_CHUNK_ROWS features: at two
    features a chunk, pages that end inside a chunk, on its edge, or with the collection, walked
    through `next`, give the features of one whole page, each once, in order, with `next` exactly
    while features remain."""
    _, whole = get_json(api, "/ogc/collections/schools/items", limit=1000)
    monkeypatch.setattr("layers.geojson.STREAM_CHUNK_ROWS", 2)
    pages, doc = [], get_json(api, "/ogc/collections/schools/items", limit=limit)[1]
    while True:
        pages.append(doc)
        assert doc["numberReturned"] == len(doc["features"]) <= limit
        if not any(x["rel"] == "next" for x in doc["links"]):
            break
        doc = get_json(api, link(doc, "next").replace("http://testserver", ""))[1]
    assert [f for page in pages for f in page["features"]] == whole["features"]
    assert len(whole["features"]) == whole["numberMatched"] >= 4
    assert all(page["numberReturned"] == limit for page in pages[:-1]) and pages[-1]["numberReturned"] > 0


def test_prev_links_page_back_to_the_start_with_the_same_features(api, schools):
    _, first = get_json(api, "/ogc/collections/schools/items", limit=1, bbox="105,10,107,11")
    assert not [x for x in first["links"] if x["rel"] == "prev"]
    pages, doc = [first], first
    while any(x["rel"] == "next" for x in doc["links"]):
        doc = get_json(api, link(doc, "next").replace("http://testserver", ""))[1]
        pages.append(doc)
    forward = [f["id"] for page in pages for f in page["features"]]
    backward = []
    while any(x["rel"] == "prev" for x in doc["links"]):
        previous = link(doc, "prev")
        assert "bbox=105%2C10%2C107%2C11" in previous and "after=" not in previous
        doc = get_json(api, previous.replace("http://testserver", ""))[1]
        backward = [f["id"] for f in doc["features"]] + backward
        assert link(doc, "next")  # a page reached backwards leads forward again
    assert len(forward) == 4 and backward == forward[:-1]


def test_a_limit_above_the_maximum_is_capped_not_refused(api, schools, settings):
    settings.OGC_PAGE_MAX = 2
    _, doc = get_json(api, "/ogc/collections/schools/items", limit=1_000_000)
    assert doc["numberReturned"] == 2 and doc["numberMatched"] == 4


def test_bbox_takes_four_or_six_numbers(api, schools):
    _, flat = get_json(api, "/ogc/collections/schools/items", bbox="106.3,10.4,106.7,10.7")
    _, solid = get_json(api, "/ogc/collections/schools/items", bbox="106.3,10.4,-10,106.7,10.7,100")
    assert flat["numberMatched"] == solid["numberMatched"] == 3


def test_datetime_takes_an_instant_an_interval_and_open_ends(official, incidents):
    client = client_for(official)
    counts = {}
    for value in ("2022-06-15T10:30:00Z", "2022-06-01/2022-12-31", "../2022-06-30", "2022-06-01/..", "2022-06-15"):
        counts[value] = get_json(client, "/ogc/collections/incidents/items", datetime=value)[1]["numberMatched"]
    assert counts == {"2022-06-15T10:30:00Z": 1, "2022-06-01/2022-12-31": 2, "../2022-06-30": 2,
                      "2022-06-01/..": 2, "2022-06-15": 1}


def test_one_item_comes_with_its_links(api, schools):
    _, page = get_json(api, "/ogc/collections/schools/items", limit=1)
    feature_id = page["features"][0]["id"]
    response, feature = get_json(api, f"/ogc/collections/schools/items/{feature_id}")
    assert response["Content-Type"] == "application/geo+json"
    assert feature["type"] == "Feature" and feature["id"] == feature_id
    assert link(feature, "collection").endswith("/ogc/collections/schools")
    assert api.get("/ogc/collections/schools/items/999999999").status_code == 404


def test_f_and_accept_choose_the_representation_and_anything_else_is_406(api, schools):
    assert api.get("/ogc/collections", HTTP_ACCEPT="text/html,*/*;q=0.8")["Content-Type"].startswith("text/html")
    assert api.get("/ogc/collections", {"f": "json"}, HTTP_ACCEPT="text/html")["Content-Type"] == "application/json"
    assert api.get("/ogc/collections/schools/items", HTTP_ACCEPT="application/json")["Content-Type"] == \
        "application/geo+json"
    refused = api.get("/ogc/collections", HTTP_ACCEPT="image/png")
    assert refused.status_code == 406 and json.loads(refused.getvalue())["code"] == "not_acceptable"
    assert api.get("/ogc/collections/schools/items", {"f": "xml"}).status_code == 406


def test_an_unknown_parameter_is_refused(api, schools):
    _, error = get_json(api, "/ogc/collections/schools/items", status=400, colour="red")
    assert error["code"] == "unknown_parameter"


def test_queryables_are_a_json_schema_of_the_layer_properties(api, official, world):
    response, doc = get_json(api, "/ogc/collections/schools/queryables")
    assert response["Content-Type"] == "application/schema+json"
    assert doc["type"] == "object"
    assert doc["properties"]["pupils"]["type"] == "integer"
    assert doc["properties"]["public"]["type"] == "boolean"
    assert doc["properties"]["geometry"]["x-ogc-role"] == "primary-geometry"
    assert "datetime" not in doc["properties"]
    _, timed = get_json(client_for(official), "/ogc/collections/incidents/queryables")
    assert timed["properties"]["datetime"]["format"] == "date-time"


def test_the_html_pages_show_the_collection_its_features_and_a_map(api, schools):
    collections = api.get("/ogc/collections", {"f": "html"}).getvalue().decode()
    assert "Lớp schools" in collections
    items = api.get("/ogc/collections/schools/items", {"f": "html"}).getvalue().decode()
    assert "Trường THPT Tân An" in items and 'id="ogc-map"' in items and "maplibre-gl.js" in items
    assert "https://" not in items.split("<body", 1)[1].split("ogc-map-data")[0].replace("http://testserver", "")


def test_a_vector_layer_is_a_feature_collection_and_a_raster_one_of_map_tiles(api, db):
    make_layer("ndvi-test", kind="raster", geometry_type="", style={"type": "raster"})
    layer = make_layer("points-test")
    add_features(layer, [("p", "POINT(106.4 10.5)", {"name": "a"})])
    _, doc = get_json(api, "/ogc/collections")
    kinds = {c["id"]: c.get("itemType") or c.get("dataType") for c in doc["collections"]}
    assert kinds == {"ndvi-test": "map", "points-test": "feature"}  # rasters: test_ogc_raster_collections
    assert api.get("/ogc/collections/ndvi-test/items").status_code == 404
