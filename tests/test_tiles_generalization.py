"""No silly tiles: a tile with too many features, or too many bytes, is drawn as grid clusters that
carry counts and sums (never a LIMIT that drops data), says so in its features, and the clusters of
a dense layer are precomputed per version so low zooms stay fast."""

import math
import random
import re
from collections import Counter

import mapbox_vector_tile
import pytest
from django.db import connection
from django.test import Client

from layers import storage
from layers.catalog import publish_changes
from layers.filters import FeatureQuery
from layers.models import Feature
from tests.conftest import make_layer
from tiles import generalize
from tiles.grid import tiles_covering
from tiles.models import ClusterCell, ClusterLevel
from tiles import mvt
from tiles.mvt import LayerPart, _layer_sql, render_mvt, tile_statement

pytestmark = pytest.mark.django_db

SCHEMA = [
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "pupils", "type": "integer", "label_vi": "Học sinh", "label_en": "Pupils"},
]
AREA = (106.0, 10.5, 106.6, 10.9)


@pytest.fixture
def dense_settings(settings):
    settings.TILES_MAX_FEATURES = 300
    settings.TILES_CLUSTER_CELLS = 16
    settings.TILES_CLUSTER_MAX_ZOOM = 12
    return settings


@pytest.fixture
def dense(db):
    """2,000 points; the sum of pupils is 2,000 × 3 = 6,000 (plus a feature with a bad value)."""
    layer = make_layer("dense", property_schema=SCHEMA)
    rng = random.Random(7)
    with connection.cursor() as cur, cur.copy(
            "COPY layers_feature (layer_id, source_id, geom, properties) FROM STDIN") as copy:
        for i in range(2000):
            lon, lat = AREA[0] + rng.random() * 0.6, AREA[1] + rng.random() * 0.4
            copy.write_row([layer.pk, f"d{i}", f"SRID=4326;POINT({lon} {lat})", f'{{"name": "p{i}", "pupils": 3}}'])
        copy.write_row([layer.pk, "bad", "SRID=4326;POINT(106.3 10.7)", '{"name": "bad", "pupils": "many"}'])
    return publish_changes(layer)


def tiles_of(z: int) -> list[dict]:
    features = []
    for t in tiles_covering(AREA, z):
        response = Client().get(f"/tiles/dense/{t}.pbf")
        if response.status_code == 200:
            features += mapbox_vector_tile.decode(response.content)["dense"]["features"]
    return features


def test_a_dense_tile_is_clusters_whose_counts_add_up_to_every_feature(dense, dense_settings):
    features = tiles_of(8)
    assert all(f["properties"]["generalized"] is True for f in features)
    assert sum(f["properties"]["cluster_count"] for f in features) == 2001
    assert len(features) <= 16 * 16 * len(tiles_covering(AREA, 8))


def test_clusters_carry_the_sums_of_numeric_properties_ignoring_non_numbers(dense, dense_settings):
    features = tiles_of(9)
    assert sum(f["properties"].get("sum_pupils", 0) for f in features) == 6000


def test_a_sparse_tile_of_the_same_layer_holds_the_features_themselves(dense, dense_settings):
    response = Client().get(f"/tiles/dense/{tiles_covering((106.3, 10.7, 106.3, 10.7), 14)[0]}.pbf")
    features = mapbox_vector_tile.decode(response.content)["dense"]["features"] if response.status_code == 200 else []
    assert features and all("generalized" not in f["properties"] for f in features)


def test_a_live_clustered_tile_asks_for_precomputed_levels(dense, dense_settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        tiles_of(8)
    assert len(callbacks) == 1  # once for the version, not once per tile


def rendered_counts(layer, z: int) -> tuple[int, set[str]]:
    total, modes = 0, set()
    for t in tiles_covering(AREA, z):
        rendered = render_mvt([LayerPart(layer, FeatureQuery())], t)
        modes.add(rendered.modes[layer.slug])
        if rendered.data:
            total += sum(f["properties"]["cluster_count"]
                         for f in mapbox_vector_tile.decode(rendered.data)[layer.slug]["features"])
    return total, modes


def test_precomputed_clusters_count_what_live_clusters_count(dense, dense_settings):
    assert rendered_counts(dense, 9) == (2001, {"clusters-live"})
    assert generalize.build_clusters(dense) > 0
    assert set(ClusterLevel.objects.filter(layer=dense).values_list("z", flat=True)) == set(range(13))
    assert rendered_counts(dense, 9) == (2001, {"clusters"})
    assert sum(f["properties"].get("sum_pupils", 0) for f in tiles_of(9)) == 6000


def test_precomputed_clusters_are_the_live_clusters_of_the_same_cells(dense, dense_settings):
    """Both are cut on tiles.cells' grid: the same clusters, at the same positions, with the same
    counts and sums, whether a tile computes them from the features or reads them precomputed."""

    def clusters(expected_mode: str) -> dict:
        drawn = {}
        for z in (5, 7, 8, 9):
            for t in tiles_covering(AREA, z):
                rendered = render_mvt([LayerPart(dense, FeatureQuery())], t)
                assert rendered.modes["dense"] == expected_mode
                drawn[str(t)] = sorted(
                    (tuple(f["geometry"]["coordinates"]), f["properties"]["cluster_count"],
                     f["properties"].get("sum_pupils"))
                    for f in mapbox_vector_tile.decode(rendered.data)["dense"]["features"]
                )
        return drawn

    live = clusters("clusters-live")
    generalize.build_clusters(dense)
    assert clusters("clusters") == live
    assert sum(count for drawn in live.values() for _at, count, _sum in drawn) == 2001 * 4  # every zoom


def test_precomputed_cells_hold_the_features_whose_centres_they_contain(dense, dense_settings):
    """Cell numbers counted in Python from each point's Web Mercator metres, at the finest level and
    at coarser ones (built from the finest, four cells into one)."""
    generalize.build_clusters(dense)
    half = 20037508.342789244
    points = [(lon * half / 180, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * half / math.pi)
              for lon, lat in (f.geom.coords for f in Feature.objects.filter(layer=dense))]
    for z in (12, 9, 6):
        size = 2 * half / 2**z / 16
        expected = Counter((math.floor((x + half) / size), math.floor((half - y) / size)) for x, y in points)
        stored = {(cx, cy): n for cx, cy, n in
                  ClusterCell.objects.filter(layer=dense, version=dense.version, z=z).values_list("cx", "cy", "n")}
        assert stored == expected


def test_precomputed_counts_decide_as_counting_the_features_does(dense, dense_settings):
    """A tile's feature count comes from one precomputed cell of a coarser zoom (one tile's worth,
    tiles.mvt._precomputed_count_sql), from its own zoom's cells below that, and from a coarser zoom
    still above the finest precomputed one: each must decide raw or clusters as counting does."""
    zooms = (2, 9, 10, 11, 14)

    def modes() -> dict:
        return {(z, str(t)): render_mvt([LayerPart(dense, FeatureQuery())], t).modes["dense"].removesuffix("-live")
                for z in zooms for t in tiles_covering(AREA, z)}

    counted = modes()
    generalize.build_clusters(dense)
    assert modes() == counted
    assert {mode for (z, _), mode in counted.items() if z in (10, 11)} == {"clusters", "raw"}


def test_once_a_zooms_levels_are_seen_its_tiles_skip_what_they_cannot_need(dense, dense_settings,
                                                                         django_assert_num_queries):
    """The live clusters and the capped count cost planning on every statement, run or not: a zoom
    whose precomputed levels were found leaves them out, and draws the same tiles."""
    generalize.build_clusters(dense)
    tiles = tiles_covering(AREA, 9)
    mvt._LEVELS_SEEN.clear()
    first = [render_mvt([LayerPart(dense, FeatureQuery())], t) for t in tiles]  # the first learns
    sql, _params = tile_statement([LayerPart(dense, FeatureQuery())], tiles[0])
    assert "GROUP BY" not in sql and "LIMIT" not in sql  # neither live clusters nor a capped count
    with django_assert_num_queries(len(tiles)):
        again = [render_mvt([LayerPart(dense, FeatureQuery())], t) for t in tiles]
    assert [(r.data, r.modes) for r in again] == [(r.data, r.modes) for r in first]
    assert {r.modes["dense"] for r in first} == {"clusters"}
    # Above the precomputed zooms (12 here), a tile's count still comes from one cell; one too dense
    # for raw features is drawn again, with live clusters.
    z13 = {t: render_mvt([LayerPart(dense, FeatureQuery())], t) for t in tiles_covering(AREA, 13)}
    busiest = max(z13, key=lambda t: len(mapbox_vector_tile.decode(z13[t].data).get("dense", {}).get("features", [])))
    assert {r.modes["dense"] for r in z13.values()} == {"raw"}
    dense_settings.TILES_MAX_FEATURES = 5
    with django_assert_num_queries(2):
        clustered = render_mvt([LayerPart(dense, FeatureQuery())], busiest)
    assert clustered.modes == {"dense": "clusters-live"}
    raw = mapbox_vector_tile.decode(z13[busiest].data)["dense"]["features"]
    inside = [f for f in raw if all(0 <= c < 4096 for c in f["geometry"]["coordinates"])]  # not the buffer's
    assert sum(f["properties"]["cluster_count"] for f in mapbox_vector_tile.decode(clustered.data)["dense"]["features"]) \
        == len(inside) > 5
    # Levels gone behind the memo's back: the tiles come back live, counted the same.
    dense_settings.TILES_MAX_FEATURES = 300
    ClusterLevel.objects.filter(layer=dense).delete()
    assert rendered_counts(dense, 9) == (2001, {"clusters-live"})


def test_a_small_layers_tile_needs_a_second_statement_only_when_it_outgrows_the_byte_limit(
        dense, settings, django_assert_num_queries):
    settings.TILES_MAX_FEATURES = 5000  # 2,001 features: never too many, only ever too big
    tile = tiles_covering((106.3, 10.7, 106.3, 10.7), 8)[0]
    with django_assert_num_queries(1):
        assert render_mvt([LayerPart(dense, FeatureQuery())], tile).modes == {"dense": "raw"}
    settings.TILES_MAX_BYTES = 1024
    with django_assert_num_queries(2):
        rendered = render_mvt([LayerPart(dense, FeatureQuery())], tile)
    assert rendered.modes == {"dense": "clusters-live"} and 0 < len(rendered.data) <= 1024 * 8
    features = mapbox_vector_tile.decode(rendered.data)["dense"]["features"]
    assert all(f["properties"]["generalized"] for f in features)


def test_building_clusters_twice_is_harmless_and_a_new_version_replaces_them(dense, dense_settings):
    first = generalize.build_clusters(dense)
    assert generalize.build_clusters(dense) == 0
    Feature.objects.filter(layer=dense, source_id="d1").delete()
    dense = publish_changes(dense)
    assert not generalize.has_clusters(dense)
    assert generalize.build_clusters(dense) > 0
    assert set(ClusterLevel.objects.filter(layer=dense).values_list("version", flat=True)) == {dense.version}
    assert first > 0


def test_an_edit_never_shows_clusters_of_the_old_version(dense, dense_settings):
    generalize.build_clusters(dense)
    Feature.objects.filter(layer=dense, source_id__in=[f"d{i}" for i in range(1000)]).delete()
    publish_changes(dense)
    assert sum(f["properties"]["cluster_count"] for f in tiles_of(8)) == 1001


def test_a_filtered_dense_tile_clusters_the_matching_features_only(dense, dense_settings):
    generalize.build_clusters(dense)
    features = []
    for t in tiles_covering(AREA, 8):
        response = Client().get(f"/tiles/dense/{t}.pbf?pupils=3")
        if response.status_code == 200:
            features += mapbox_vector_tile.decode(response.content)["dense"]["features"]
    assert sum(f["properties"]["cluster_count"] for f in features) == 2000


def test_a_tile_too_big_in_bytes_is_generalized_below_the_cap(db, settings):
    layer = make_layer("coast", geometry_type="Polygon", property_schema=SCHEMA, style={"type": "fill"})
    # Five wiggly polygons of 2,000 vertices each around one spot: few features, many bytes.
    rows = []
    for k in range(5):
        r = 0.03 + 0.01 * k
        ring = [(106.2 + r * math.cos(a / 2000 * 2 * math.pi) * (1 + 0.3 * (a % 2)),
                 10.7 + r * math.sin(a / 2000 * 2 * math.pi) * (1 + 0.3 * (a % 2))) for a in range(2000)]
        ring.append(ring[0])
        rows.append(Feature(layer=layer, source_id=f"c{k}", properties={"name": f"c{k}", "pupils": 1},
                            geom="SRID=4326;POLYGON((" + ",".join(f"{x} {y}" for x, y in ring) + "))"))
    Feature.objects.bulk_create(rows)
    publish_changes(layer)
    tile = tiles_covering((106.2, 10.7, 106.2, 10.7), 11)[0]
    raw = render_mvt([LayerPart(layer, FeatureQuery())], tile)
    assert raw.modes == {"coast": "raw"} and len(raw.data) > 16 * 1024
    settings.TILES_MAX_BYTES = 16 * 1024
    response = Client().get(f"/tiles/coast/{tile}.pbf")
    assert len(response.content) <= 16 * 1024
    features = mapbox_vector_tile.decode(response.content)["coast"]["features"]
    assert sum(f["properties"]["cluster_count"] for f in features) == 5
    assert all(f["properties"]["generalized"] for f in features)


def test_tiles_never_exceed_512_kb_at_the_default_settings(dense):
    for t in tiles_covering(AREA, 8):
        assert len(Client().get(f"/tiles/dense/{t}.pbf").content) <= 512 * 1024


def test_tile_statements_of_a_dense_layer_use_the_spatial_index_of_its_own_partition(dense, dense_settings):
    name = storage.geometry_index(dense.pk)
    assert name and name.startswith(storage.partition_name(dense.pk))
    tile = tiles_covering((106.3, 10.7, 106.3, 10.7), 12)[0]
    sql, params = _layer_sql(LayerPart(dense, FeatureQuery()), tile)
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert name in plan
    # Pruned to the layer: no other partition is read.
    assert set(re.findall(r" on (layers_feature_\d+)", plan)) == {storage.partition_name(dense.pk)}


def test_the_index_of_a_deleted_layer_goes_with_its_partition(dense, dense_settings):
    layer_id, name = dense.pk, storage.geometry_index(dense.pk)
    dense.delete()
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s), to_regclass(%s)", [name, storage.partition_name(layer_id)])
        assert cur.fetchone() == (None, None)
