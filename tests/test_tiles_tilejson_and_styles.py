"""TileJSON 3.0 for layers and composites, MapLibre styles from our compact style, and a basemap
made only of our own layers: nothing in them points outside the platform."""

import json

import pytest
from django.test import Client

from tests.conftest import add_features, make_layer

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


def all_urls(doc) -> list[str]:
    text = json.dumps(doc)
    return [part.split('"')[0] for part in text.split('"http')[1:]]


@pytest.fixture
def basemap_layers(db):
    """The basemap's five public layers, one feature each."""
    fill = {"type": "fill", "color": "#ffffff"}
    name = [{"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"}]
    shapes = {
        "admin-province": ("Polygon", "POLYGON((105.5 10.4,106.8 10.4,106.8 11.0,105.5 11.0,105.5 10.4))"),
        "admin-districts": ("Polygon", "POLYGON((106.3 10.4,106.6 10.4,106.6 10.7,106.3 10.7,106.3 10.4))"),
        "admin-communes": ("Polygon", "POLYGON((106.35 10.5,106.45 10.5,106.45 10.6,106.35 10.6,106.35 10.5))"),
        "rivers": ("LineString", "LINESTRING(105.6 10.9,106.4 10.5)"),
        "roads": ("LineString", "LINESTRING(106.3 10.6,106.7 10.6)"),
    }
    for slug, (kind, wkt) in shapes.items():
        layer = make_layer(slug, geometry_type=kind, property_schema=name, style=fill)
        add_features(layer, [(slug, wkt, {"name": f"Tên {slug}"})])


def test_a_layer_tilejson_is_tilejson_3_with_the_version_in_the_tile_url(schools):
    doc = Client().get("/tiles/schools.json").json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == [f"{HOST}/tiles/schools/{{z}}/{{x}}/{{y}}.pbf?v={schools.version}"]
    assert doc["scheme"] == "xyz" and doc["minzoom"] == 0 and doc["maxzoom"] == 16
    west, south, east, north = doc["bounds"]
    assert west <= 105.6865 <= east and south <= 10.5327 <= north
    layer = doc["vector_layers"][0]
    assert layer["id"] == "schools"
    assert layer["fields"]["name"] == "String" and layer["fields"]["pupils"] == "Number"
    assert layer["fields"]["public"] == "Boolean" and layer["fields"]["cluster_count"] == "Number"


def test_a_time_layer_lists_its_time_field(incidents, official):
    client = Client()
    client.force_login(official)
    assert client.get("/tiles/incidents.json").json()["vector_layers"][0]["fields"]["datetime"] == "String"


def test_a_composite_tilejson_names_every_layer_and_joins_the_versions(schools, incidents, official):
    client = Client()
    client.force_login(official)
    doc = client.get("/tiles/schools,incidents.json").json()
    assert [v["id"] for v in doc["vector_layers"]] == ["schools", "incidents"]
    assert doc["tiles"][0].endswith(f"/tiles/schools,incidents/{{z}}/{{x}}/{{y}}.pbf?v={schools.version}.{incidents.version}")


def test_tilejson_is_revalidated_so_a_new_version_is_seen(schools):
    response = Client().get("/tiles/schools.json")
    assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert Client().get("/tiles/schools.json", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_layer_style_draws_categories_labels_and_clusters(schools):
    style = Client().get("/tiles/styles/schools.json").json()
    assert style["version"] == 8
    assert style["sources"] == {"schools": {"type": "vector", "url": f"{HOST}/tiles/schools.json"}}
    by_id = {layer["id"]: layer for layer in style["layers"]}
    assert by_id["schools"]["type"] == "circle"
    assert by_id["schools"]["paint"]["circle-color"] == "#1f78b4"
    assert by_id["schools-clusters"]["filter"] == ["has", "cluster_count"]
    assert "glyphs" not in style and "sprite" not in style


def test_categories_become_a_match_expression(db):
    layer = make_layer("parks", geometry_type="Polygon", style={
        "type": "fill", "color": "#cccccc", "opacity": 0.4, "outline_color": "#333333",
        "label": {"property": "name", "min_zoom": 11},
        "categories": {"property": "level", "stops": [{"value": "a", "color": "#ff0000"}, {"value": "b", "color": "#00ff00"}]},
    })
    add_features(layer, [("p", "POLYGON((106 10,106.1 10,106.1 10.1,106 10))", {"name": "x", "level": "a"})])
    by_id = {la["id"]: la for la in Client().get("/tiles/styles/parks.json").json()["layers"]}
    assert by_id["parks"]["paint"] == {
        "fill-color": ["match", ["to-string", ["get", "level"]], "a", "#ff0000", "b", "#00ff00", "#cccccc"],
        "fill-opacity": 0.4}
    assert by_id["parks-outline"]["paint"]["line-color"] == "#333333"
    assert by_id["parks-labels"]["minzoom"] == 11
    assert by_id["parks-labels"]["layout"]["text-font"] == ["Noto Sans"]


def test_the_basemap_is_built_from_our_layers_only_with_no_glyphs_or_sprite(basemap_layers):
    style = Client().get("/tiles/styles/basemap.json").json()
    assert "glyphs" not in style and "sprite" not in style
    assert style["sources"]["base"]["url"] == (
        f"{HOST}/tiles/admin-province,admin-districts,admin-communes,rivers,roads.json")
    ids = [layer["id"] for layer in style["layers"]]
    for expected in ("background", "land", "water", "district-boundaries", "province-boundary", "roads",
                     "district-names", "commune-names", "water-labels"):
        assert "base-" + expected in ids
    assert all(url.startswith("://testserver/") for url in all_urls(style))


def test_the_basemap_leaves_out_layers_the_caller_may_not_see(basemap_layers):
    from layers.models import Layer

    Layer.objects.filter(slug="roads").update(access="internal")
    style = Client().get("/tiles/styles/basemap.json").json()
    assert "roads" not in style["sources"]["base"]["url"]
    assert not any(layer.get("source-layer") == "roads" for layer in style["layers"])


def test_every_url_in_a_tilejson_and_style_is_ours(schools, basemap_layers):
    for path in ("/tiles/schools.json", "/tiles/styles/schools.json", "/tiles/styles/basemap.json",
                 "/tiles/admin-province,rivers.json"):
        assert all(url.startswith("://testserver/") for url in all_urls(Client().get(path).json())), path


def test_a_raster_layer_style_is_a_raster_source_with_the_layer_opacity(db, settings, tmp_path):
    from layers.models import Layer

    Layer.objects.create(slug="ndvi-x", title_vi="NDVI", title_en="NDVI", domain="agriculture", kind="raster",
                         geometry_type="", access="public", raster_path="rasters/x.tif",
                         style={"type": "raster", "colormap": "rdylgn", "rescale": [0, 1], "opacity": 0.6})
    style = Client().get("/tiles/styles/ndvi-x.json").json()
    assert style["sources"]["ndvi-x"] == {"type": "raster", "url": f"{HOST}/tiles/ndvi-x.json", "tileSize": 256}
    assert style["layers"][0]["paint"]["raster-opacity"] == 0.6
