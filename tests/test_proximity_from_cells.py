"""Points of a dense layer within a distance of another layer's features, judged cell by cell first
(analysis.reach: cells surely within counted from their precomputed counts, cells surely beyond
skipped, the rest probed), answer exactly as the plain ST_DWithin on geography does: the same count
and the same features listed, on nasty data — points a centimetre either side of the distance, points
on cell borders and stacked, roads crossing cells, multi-geometries and a polygon, an empty layer,
cells of an older version; a hidden layer still answers like an unknown one."""

import math
import random

import pytest
from django.db import connection
from pyproj import Geod

from analysis import proximity
from layers.models import Access, Layer
from layers.query import Sql
from tests.conftest import add_features, client_for, make_layer
from tiles import cells, counting, generalize
from tiles.grid import MERCATOR_HALF

pytestmark = pytest.mark.django_db

AREA = (106.0, 10.5, 106.6, 10.9)
Z = 12
METRES = 1500.0
GEOD = Geod(ellps="WGS84")
ROADS = [
    "LINESTRING(106.05 10.55, 106.2 10.62, 106.31 10.61, 106.45 10.75)",
    "MULTILINESTRING((106.1 10.85, 106.25 10.80), (106.4 10.52, 106.41 10.60, 106.55 10.61))",
    "POLYGON((106.5 10.8, 106.56 10.8, 106.56 10.86, 106.5 10.86, 106.5 10.8))",
    "MULTIPOINT(106.02 10.7, 106.3 10.88)",
]


@pytest.fixture
def dense_settings(settings):
    settings.TILES_MAX_FEATURES = 300
    settings.TILES_CLUSTER_CELLS = 16  # cells of ~600 m at zoom 12
    settings.TILES_CLUSTER_MAX_ZOOM = Z
    settings.ANALYSIS_PROXIMITY_MAX_FEATURES = 40
    return settings


def at_distance(a: tuple[float, float], b: tuple[float, float], metres: float, side: int) -> str:
    """A point `metres` from the middle of the edge a-b, square to it on one side."""
    azimuth, _back, length = GEOD.inv(*a, *b)
    lon, lat, forward = GEOD.fwd(*a, azimuth, length / 2)
    lon, lat, _ = GEOD.fwd(lon, lat, forward + 90 * side, metres)
    return f"POINT({lon!r} {lat!r})"


def point_rows() -> list[tuple]:
    rng = random.Random(7)
    rows = [(f"r{i}", f"POINT({AREA[0] + rng.random() * 0.6!r} {AREA[1] + rng.random() * 0.4!r})", {"name": f"r{i}"})
            for i in range(3000)]
    # A centimetre either side of the distance (and exactly at it) from edges of the roads.
    edges = [((106.05, 10.55), (106.2, 10.62)), ((106.2, 10.62), (106.31, 10.61)), ((106.41, 10.60), (106.55, 10.61))]
    for i, (a, b) in enumerate(edges):
        for side in (-1, 1):
            for offset in (-0.01, 0.0, 0.01):
                rows.append((f"e{i}{side}{offset}", at_distance(a, b, METRES + offset, side), {"name": "edge"}))
    # On cell borders (as the cells' own arithmetic puts them) across a road, and stacked duplicates.
    size = cells.cell_size(Z)
    for i in range(40):
        lon = (math.floor((106.2 * MERCATOR_HALF / 180 + MERCATOR_HALF) / size) + i) * size * 180 / MERCATOR_HALF - 180
        rows.append((f"b{i}", f"POINT({lon!r} {10.58 + i * 0.002!r})", {"name": "border"}))
        rows.append((f"d{i}", "POINT(106.3 10.615)", {"name": "stacked"}))
    return rows


def plain(layer, near_layer, metres: float) -> list[int]:
    """The ids of the points within `metres` of a feature of `near_layer`, by ST_DWithin on geography."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT f.id FROM layers_feature f WHERE f.layer_id = %s AND EXISTS (SELECT 1 FROM layers_feature b"
            " WHERE b.layer_id = %s AND ST_DWithin(f.geom::geography, b.geom::geography, %s)) ORDER BY f.id",
            [layer.pk, near_layer.pk, metres])
        return [row[0] for row in cur.fetchall()]


@pytest.fixture
def points(dense_settings):
    layer = add_features(make_layer("dense-points", property_schema=[
        {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"}]), point_rows())
    generalize.build_clusters(layer)
    return layer


def near(slug: str, rows: list[str], **fields):
    return add_features(make_layer(slug, geometry_type="Geometry", **fields),
                        [(f"{slug}{i}", wkt, {}) for i, wkt in enumerate(rows)])


def assert_same_as_plain(layer, near_layer, metres: float) -> None:
    answer = proximity.within(layer=layer, metres=metres, near_layer=near_layer)
    expected = plain(layer, near_layer, metres)
    assert answer.count == len(expected)
    assert sorted(f["id"] for f in answer.features) == expected[:40]


@pytest.mark.parametrize("metres", [METRES, 2000.0, 5000.0])
def test_the_count_and_the_list_from_the_cells_are_those_of_st_dwithin(points, metres):
    roads = near("roads", ROADS)
    judged = proximity._judged(points, metres, roads)
    # The cells answer (this is not the plain path) and every kind of cell is there.
    assert judged is not None and judged.within and judged.probed
    assert len(judged.near) < len({(cx, cy) for cx, cy in zip(*_occupied(points, judged.z), strict=True)})
    assert_same_as_plain(points, roads, metres)


def test_points_a_centimetre_either_side_of_the_distance_are_told_apart(points):
    roads = near("roads", ROADS)
    answer = proximity.within(layer=points, metres=METRES, near_layer=roads)
    edge = {row[0] for row in _ids_named(points, "edge")}
    inside = edge & set(plain(points, roads, METRES))
    assert 0 < len(inside) < len(edge)  # the data straddles the distance
    assert answer.count == len(plain(points, roads, METRES))


def test_few_points_in_reach_are_listed_from_the_cells_near_the_road(points):
    road = near("lane", ["LINESTRING(106.30 10.70, 106.31 10.705)"])
    expected = plain(points, road, METRES)
    assert 0 < len(expected) < proximity.LIST_FROM_CELLS_BELOW * points.feature_count
    assert_same_as_plain(points, road, METRES)


def test_an_empty_layer_has_nothing_near_it(points):
    empty = make_layer("empty", geometry_type="LineString")
    answer = proximity.within(layer=points, metres=METRES, near_layer=empty)
    assert answer.count == 0 and answer.features == []


def test_cells_of_an_older_version_are_not_used(points):
    roads = near("roads", ROADS)
    moved = add_features(points, [("late", "POINT(106.2 10.62)", {"name": "late"})])  # a new version, no cells yet
    assert proximity._judged(moved, METRES, roads) is None
    assert_same_as_plain(moved, roads, METRES)


def test_cells_judged_on_a_layer_that_changed_since_do_not_count(points):
    roads = near("roads", ROADS)
    judged = proximity._judged(points, METRES, roads)
    add_features(Layer.objects.get(pk=roads.pk), [("late", "POINT(106.2 10.7)", {})])  # its next version
    counted = counting.count_in_cells(points.pk, points.version, judged.z, judged.within, judged.probed,
                                      Sql("true"), proximity._at_version(roads))
    assert counted is None
    assert_same_as_plain(points, Layer.objects.get(pk=roads.pk), METRES)


def test_a_hidden_layer_answers_like_an_unknown_one(points, outsider):
    near("secret-roads", ROADS, access=Access.RESTRICTED)
    ask = client_for(outsider).post
    body = {"mode": "within", "layer": "dense-points", "distance_m": METRES}
    hidden = ask("/api/analysis/proximity/", body | {"near": {"layer": "secret-roads"}}, format="json")
    unknown = ask("/api/analysis/proximity/", body | {"near": {"layer": "no-such"}}, format="json")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json() and b"secret" not in hidden.content


def _occupied(layer, z: int):
    cx, cy, _n = counting.occupied_cells(layer.pk, layer.version, z)
    return cx, cy


def _ids_named(layer, name: str) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM layers_feature WHERE layer_id = %s AND properties ->> 'name' = %s", [layer.pk, name])
        return cur.fetchall()
