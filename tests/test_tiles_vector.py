"""Vector tiles are built by PostGIS in one statement: decoded, they hold the right features with
the layer's schema properties, in every layer of a composite, filtered by time when asked."""

import mapbox_vector_tile
import pytest
from django.test import Client

from layers.models import Access
from tests.conftest import add_features, make_layer
from layers.filters import FeatureQuery
from tiles.grid import Tile, tiles_covering
from tiles.mvt import LayerPart, tile_statement

pytestmark = pytest.mark.django_db

SOUTH_EAST = (106.39, 10.52, 106.68, 10.70)  # Tân An, Bến Lức, Cần Giuộc: three of the four schools


def tile_at(lon: float, lat: float, z: int) -> str:
    return str(tiles_covering((lon, lat, lon, lat), z)[0])


def decode(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content)


def test_a_tile_holds_the_features_inside_it_with_their_schema_properties(schools):
    tile = decode(Client().get(f"/tiles/schools/{tile_at(106.4027, 10.5327, 14)}.pbf"))
    features = tile["schools"]["features"]
    assert [f["properties"]["name"] for f in features] == ["Trường THPT Tân An"]
    assert features[0]["properties"] == {"name": "Trường THPT Tân An", "level": "thpt", "pupils": 1200, "public": True}
    assert features[0]["geometry"]["type"] == "Point"
    assert tile["schools"]["extent"] == 4096


def test_properties_outside_the_schema_never_reach_a_tile(db):
    layer = make_layer("wells")
    add_features(layer, [("w1", "POINT(106.40 10.53)", {"name": "Giếng 1", "owner_phone": "0909 000 111"})])
    props = decode(Client().get(f"/tiles/wells/{tile_at(106.40, 10.53, 12)}.pbf"))["wells"]["features"][0]["properties"]
    assert props == {"name": "Giếng 1"}


def test_the_properties_parameter_chooses_the_attributes(schools):
    url = f"/tiles/schools/{tile_at(106.4027, 10.5327, 14)}.pbf?properties=name"
    props = decode(Client().get(url))["schools"]["features"][0]["properties"]
    assert props == {"name": "Trường THPT Tân An"}


def test_a_low_zoom_tile_holds_the_whole_province(schools):
    features = decode(Client().get("/tiles/schools/7/101/60.pbf"))["schools"]["features"]
    assert sorted(f["properties"]["name"] for f in features) == sorted([
        "Trường THPT Tân An", "Trường Tiểu học Cần Giuộc", "Trường Mầm non Tân Hưng", "Trường THCS Bến Lức"])
    assert all("generalized" not in f["properties"] for f in features)


@pytest.mark.parametrize("tile", ["0/0/0", "1/1/0", "2/3/1"])
def test_a_tile_on_the_world_edge_holds_the_province(schools, tile):
    """Zooms 0-2: the tile's buffer runs past 180°E, which must not turn its box inside out."""
    features = decode(Client().get(f"/tiles/schools/{tile}.pbf"))["schools"]["features"]
    assert len(features) == 4


def test_a_polygon_is_clipped_to_its_tile_and_keeps_a_valid_ring(db):
    layer = make_layer("parcel", geometry_type="Polygon", property_schema=[], style={"type": "fill", "color": "#33a02c"})
    add_features(layer, [("p1", "POLYGON((106.0 10.5, 106.6 10.5, 106.6 10.9, 106.0 10.9, 106.0 10.5))", {})])
    tile = decode(Client().get(f"/tiles/parcel/{tile_at(106.3, 10.7, 12)}.pbf"))
    geometry = tile["parcel"]["features"][0]["geometry"]
    assert geometry["type"] == "Polygon"
    xs = [x for x, _y in geometry["coordinates"][0]]
    # The tile lies wholly inside the polygon: the ring is the tile square plus the buffer.
    assert min(xs) == -64 and max(xs) == 4096 + 64


def test_a_line_crossing_a_tile_is_in_it_even_with_no_vertex_inside(db):
    layer = make_layer("canal", geometry_type="LineString", property_schema=[], style={"type": "line", "color": "#1f78b4"})
    add_features(layer, [("c1", "LINESTRING(105.9 10.7, 106.7 10.7)", {})])
    tile = decode(Client().get(f"/tiles/canal/{tile_at(106.3, 10.7, 13)}.pbf"))
    assert tile["canal"]["features"][0]["geometry"]["type"] == "LineString"


def test_a_composite_tile_has_one_mvt_layer_per_slug_in_url_order(schools, official, incidents):
    client = Client()
    client.force_login(official)
    response = client.get("/tiles/schools,incidents/7/101/60.pbf")
    tile = decode(response)
    assert list(tile) == ["schools", "incidents"]
    assert len(tile["incidents"]["features"]) == 3
    assert response["X-Tile-Version"] == f"{schools.version}.{incidents.version}"


def test_the_datetime_filter_keeps_the_features_of_that_time(incidents, official):
    client = Client()
    client.force_login(official)
    tile = decode(client.get("/tiles/incidents/7/101/60.pbf?datetime=2022-06-01/2022-06-30"))
    features = tile["incidents"]["features"]
    assert [f["properties"]["kind"] for f in features] == ["ùn tắc"]
    assert features[0]["properties"]["datetime"].startswith("2022-06-15T10:30:00")


def test_a_datetime_on_a_composite_filters_only_its_layers_with_time(schools, incidents, official):
    client = Client()
    client.force_login(official)
    tile = decode(client.get("/tiles/schools,incidents/7/101/60.pbf?datetime=2022-12-31"))
    assert len(tile["schools"]["features"]) == 4
    assert [f["properties"]["kind"] for f in tile["incidents"]["features"]] == ["va chạm"]


def test_a_property_filter_keeps_equal_features(schools):
    tile = decode(Client().get("/tiles/schools/7/101/60.pbf?level=thcs"))
    assert [f["properties"]["name"] for f in tile["schools"]["features"]] == ["Trường THCS Bến Lức"]


def test_a_tile_costs_one_statement_after_the_access_check(schools, django_assert_num_queries):
    url = f"/tiles/schools/{tile_at(106.4027, 10.5327, 13)}.pbf?properties=name,level"
    with django_assert_num_queries(2):  # the visible layer, then the tile
        Client().get(url)
    with django_assert_num_queries(1):  # cached: only the access check (and the version it reads)
        assert Client().get(url)["X-Tile-Cache"] == "hit"


def test_a_tile_statement_stays_within_what_psycopg_caches_the_parsing_of(schools):
    """psycopg parses a statement's text again on every execute unless it has at most 50 parameters
    and 4,096 characters (psycopg._queries); tiles.mvt binds each value once to stay under both, and
    tiles of one layer share one text."""
    parts = [LayerPart(schools, FeatureQuery())]
    sql, params = tile_statement(parts, Tile(14, 13230, 7672), catalog_token=7)
    assert len(params) <= 50 and len(sql) <= 4096
    other, other_params = tile_statement(parts, Tile(8, 206, 120), catalog_token=7)
    assert other == sql and other_params != params


def test_a_composite_of_three_layers_is_still_one_statement(schools, incidents, dengue, superuser,
                                                          django_assert_num_queries):
    client = Client()
    client.force_login(superuser)
    with django_assert_num_queries(4):  # session, user, the visible layers, the tile
        response = client.get("/tiles/schools,incidents,dengue/8/203/120.pbf")
    assert set(decode(response)) == {"schools", "incidents", "dengue"}


def test_mvt_is_an_alias_of_pbf(schools):
    assert decode(Client().get("/tiles/schools/7/101/60.mvt"))["schools"]["features"]


def test_a_layer_whose_features_lie_elsewhere_gives_an_empty_tile(schools):
    assert Client().get("/tiles/schools/10/0/0.pbf").status_code == 204


def test_every_tile_of_a_zoom_counts_each_point_once(db):
    layer = make_layer("grid-points", access=Access.PUBLIC)
    rows = [(f"g{i}", f"POINT({106.0 + (i % 20) * 0.031} {10.5 + (i // 20) * 0.027})", {"name": str(i)})
            for i in range(400)]
    add_features(layer, rows)
    seen = []
    for t in tiles_covering((106.0, 10.5, 106.62, 11.04), 11):
        response = Client().get(f"/tiles/grid-points/{t}.pbf")
        if response.status_code == 200:
            features = mapbox_vector_tile.decode(response.content)["grid-points"]["features"]
            # Points in a tile's buffer appear in two tiles; those inside the tile proper, once.
            seen += [f["properties"]["name"] for f in features
                     if all(0 <= c < 4096 for c in f["geometry"]["coordinates"])]
    assert sorted(seen, key=int) == [str(i) for i in range(400)]


def test_a_labelled_polygon_layer_has_one_label_point_per_polygon_in_only_one_tile(db):
    layer = make_layer("districts", geometry_type="Polygon", style={"type": "fill", "label": {"property": "name"}},
                       property_schema=[{"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"}])
    add_features(layer, [("d", "POLYGON((106.0 10.5,106.6 10.5,106.6 10.9,106.0 10.9,106.0 10.5))", {"name": "Bến Lức"})])
    labels = []
    for t in tiles_covering((106.0, 10.5, 106.6, 10.9), 11):
        response = Client().get(f"/tiles/districts/{t}.pbf")
        if response.status_code == 200:
            labels += mapbox_vector_tile.decode(response.content).get("districts-labels", {}).get("features", [])
    assert [f["properties"] for f in labels] == [{"name": "Bến Lức"}]
    assert labels[0]["geometry"]["type"] == "Point"
