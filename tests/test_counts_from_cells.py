"""Counts of a dense point layer in a map view answer from its precomputed cluster cells and the
features of the border (tiles.counting) — and equal a plain count(*) with ST_Intersects every time:
random boxes, boxes whose sides lie on cell borders or pass through points, points on cell borders,
tiny boxes, the whole world, a box with no cells; never from the cells of an older version."""

import math
import random
from datetime import UTC

import pytest
from django.db import connection

from analysis.counts import count_by_layer
from layers.models import Layer, TimeKind
from tests.conftest import add_features, make_layer
from tiles import cells, generalize
from tiles.counting import count_points_in_bbox
from tiles.grid import MERCATOR_HALF

pytestmark = pytest.mark.django_db

AREA = (106.0, 10.5, 106.6, 10.9)
VIEW = (105.9, 10.4, 106.7, 11.0)  # holds every point
Z = 12


@pytest.fixture
def dense_settings(settings):
    settings.TILES_MAX_FEATURES = 300
    settings.TILES_CLUSTER_CELLS = 16
    settings.TILES_CLUSTER_MAX_ZOOM = Z
    return settings


def cell_lon(cx: int) -> float:
    """The longitude of the western side of the cell cx of zoom Z."""
    return (cx * cells.cell_size(Z) - MERCATOR_HALF) * 180 / MERCATOR_HALF


def cell_lat(cy: int) -> float:
    """The latitude of the northern side of the cell cy of zoom Z."""
    my = MERCATOR_HALF - cy * cells.cell_size(Z)
    return math.degrees(2 * math.atan(math.exp(my * math.pi / MERCATOR_HALF))) - 90


def first_cell(lon: float, lat: float) -> tuple[int, int]:
    size = cells.cell_size(Z)
    my = math.log(math.tan(math.radians(45 + lat / 2))) * MERCATOR_HALF / math.pi
    return math.floor((lon * MERCATOR_HALF / 180 + MERCATOR_HALF) / size), math.floor((MERCATOR_HALF - my) / size)


def point_rows() -> list[tuple]:
    """3,000 random points over AREA, a row of points on cell borders and stacked duplicates."""
    rng = random.Random(13)
    rows = [(f"r{i}", f"POINT({AREA[0] + rng.random() * 0.6!r} {AREA[1] + rng.random() * 0.4!r})", {})
            for i in range(3000)]
    cx, cy = first_cell(106.2, 10.8)
    for i in range(60):
        rows.append((f"v{i}", f"POINT({cell_lon(cx + i)!r} {10.6 + i * 0.003!r})", {}))
        rows.append((f"h{i}", f"POINT({106.05 + i * 0.008!r} {cell_lat(cy + i)!r})", {}))
        rows.append((f"c{i}", f"POINT({cell_lon(cx + i)!r} {cell_lat(cy + i)!r})", {}))
    rows += [(f"d{i}", "POINT(106.3 10.7)", {}) for i in range(25)]
    return rows


@pytest.fixture
def dense(dense_settings) -> Layer:
    layer = add_features(make_layer("dense"), point_rows())
    generalize.build_clusters(layer)
    assert generalize.has_clusters(layer)
    return layer


def plain_count(layer: Layer, bbox: tuple[float, float, float, float]) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM layers_feature WHERE layer_id = %s"
            " AND ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
            [layer.pk, *bbox],
        )
        return cur.fetchone()[0]


def from_cells(layer: Layer, bbox) -> int | None:
    return count_points_in_bbox(layer.pk, layer.version, layer.geometry_type, layer.feature_count, bbox)


def adversarial_boxes(layer: Layer) -> list[tuple[float, float, float, float]]:
    cx, cy = first_cell(106.2, 10.8)
    on_points = []
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(geom), ST_Y(geom) FROM layers_feature WHERE layer_id = %s ORDER BY id LIMIT 40",
                    [layer.pk])
        coords = cur.fetchall()
    for (x1, y1), (x2, y2) in zip(coords[::2], coords[1::2]):
        on_points.append((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    return [
        AREA,
        (-180.0, -90.0, 180.0, 90.0),
        (-180.0, -85.0, 180.0, 85.0),
        VIEW,
        # Sides on cell borders, on the borders the v/h/c points lie on.
        (cell_lon(cx), cell_lat(cy + 40), cell_lon(cx + 40), cell_lat(cy)),
        (cell_lon(cx - 30), cell_lat(cy + 50), cell_lon(cx + 25), cell_lat(cy - 3)),
        (cell_lon(cx + 1), 10.5, cell_lon(cx + 59), cell_lat(cy + 7)),
        # Sides through points: the stacked duplicates and the cell-border rows.
        (106.3, 10.7, 106.55, 10.85),
        (106.05, 10.55, 106.3, 10.7),
        (cell_lon(cx + 5), 10.6 + 5 * 0.003, cell_lon(cx + 45), 10.6 + 45 * 0.003),
        (106.05 + 3 * 0.008, cell_lat(cy + 50), 106.05 + 55 * 0.008, cell_lat(cy + 3)),
        # Tiny boxes, a point-sized one, one far from any cell.
        (106.3, 10.7, 106.3, 10.7),
        (106.2999, 10.6999, 106.3001, 10.7001),
        (100.0, 20.0, 101.0, 21.0),
        *on_points,
    ]


def random_boxes(n: int) -> list[tuple[float, float, float, float]]:
    rng = random.Random(29)
    boxes = []
    for _ in range(n):
        w, h = rng.random() ** 2 * 0.7, rng.random() ** 2 * 0.5
        west, south = 105.95 + rng.random() * (0.7 - w), 10.45 + rng.random() * (0.5 - h)
        boxes.append((west, south, west + w, south + h))
    return boxes


def test_counts_from_the_cells_equal_a_plain_count_on_every_box(dense):
    used = 0
    for bbox in adversarial_boxes(dense) + random_boxes(150):
        expected = plain_count(dense, bbox)
        fast = from_cells(dense, bbox)
        if fast is not None:
            used += 1
            assert fast == expected, bbox
    # The cells really answer for the larger boxes (else this test would check nothing).
    assert used >= 60
    assert from_cells(dense, AREA) is not None
    assert from_cells(dense, (-180.0, -90.0, 180.0, 90.0)) is not None


def test_the_counts_endpoint_answers_the_plain_count(dense, official, client):
    for bbox in adversarial_boxes(dense)[:12] + random_boxes(20):
        assert count_by_layer(official, bbox=bbox)["dense"] == plain_count(dense, bbox), bbox
    client.force_login(official)
    response = client.get("/api/counts/", {"bbox": ",".join(map(repr, VIEW))})
    assert response.status_code == 200
    assert response.json()["counts"]["dense"] == plain_count(dense, VIEW) == dense.feature_count


def test_a_new_version_never_counts_from_the_old_cells(dense, official):
    old_version = dense.version
    add_features(dense, [("new", "POINT(106.3 10.7)", {})])
    dense.refresh_from_db()
    assert dense.version != old_version
    # The old cells lack the new point; asked with either version, they do not answer.
    assert from_cells(dense, AREA) is None or from_cells(dense, AREA) == plain_count(dense, AREA)
    assert count_points_in_bbox(dense.pk, old_version, "Point", dense.feature_count, AREA) is None
    from shapely.geometry import box

    from tiles.counting import count_points_in_polygon
    assert count_points_in_polygon(dense.pk, old_version, "Point", dense.feature_count, box(*AREA).wkb) is None
    assert count_by_layer(official, bbox=VIEW)["dense"] == plain_count(dense, VIEW) == dense.feature_count


def test_lines_polygons_and_time_windows_are_counted_plainly(dense_settings, official):
    polygons = make_layer("parcels", geometry_type="Polygon")
    rng = random.Random(5)
    rows = []
    for i in range(400):
        lon, lat = 106.0 + rng.random() * 0.5, 10.5 + rng.random() * 0.3
        rows.append((f"p{i}", f"POLYGON(({lon} {lat},{lon + 0.02} {lat},{lon + 0.02} {lat + 0.02},{lon} {lat}))", {}))
    polygons = add_features(polygons, rows)
    generalize.build_clusters(polygons)
    assert from_cells(polygons, AREA) is None
    assert count_by_layer(official, bbox=(106.1, 10.6, 106.3, 10.7))["parcels"] == plain_count(
        polygons, (106.1, 10.6, 106.3, 10.7))

    from datetime import datetime
    timed = make_layer("events", time_kind=TimeKind.INSTANT)
    at = datetime(2026, 5, 1, tzinfo=UTC)
    timed = add_features(timed, [(f"e{i}", f"POINT({106.0 + i * 0.001} 10.6)", {}, at if i % 2 else at.replace(year=2025))
                                 for i in range(400)])
    generalize.build_clusters(timed)
    assert from_cells(timed, AREA) == 400  # the cells could answer, but not for a window
    window = count_by_layer(official, bbox=AREA, start=at, end=at)["events"]
    assert window == 200
    assert count_by_layer(official, bbox=AREA)["events"] == 400
    from shapely.geometry import box

    from analysis.summaries import summarize_polygon
    in_window = summarize_polygon(official, box(*AREA), start=at, end=at)
    assert {s.slug: s.count for s in in_window.layers}["events"] == 200
    assert {s.slug: s.count for s in summarize_polygon(official, box(*AREA)).layers}["events"] == 400


def plain_in_polygon(layer: Layer, polygon) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM layers_feature WHERE layer_id = %s"
                    " AND ST_Intersects(geom, ST_GeomFromWKB(%s, 4326))", [layer.pk, polygon.wkb])
        return cur.fetchone()[0]


def adversarial_polygons():
    from shapely import affinity
    from shapely.geometry import Point, Polygon, box

    cx, cy = first_cell(106.2, 10.8)
    on_cells = box(cell_lon(cx), cell_lat(cy + 40), cell_lon(cx + 40), cell_lat(cy))
    rng = random.Random(31)
    shapes = [
        box(*AREA),
        box(*VIEW),
        on_cells,
        on_cells.difference(box(cell_lon(cx + 10), cell_lat(cy + 30), cell_lon(cx + 30), cell_lat(cy + 10))),  # a hole
        Point(106.3, 10.7).buffer(0.15, quad_segs=32),  # through the stacked duplicates' neighbourhood
        Polygon([(106.3, 10.7), (106.55, 10.52), (106.58, 10.88), (106.3, 10.7)]),  # a vertex on the duplicates
        affinity.rotate(box(106.05, 10.55, 106.5, 10.85), 17, origin="centroid"),
        box(106.3, 10.7, 106.5, 10.7001),  # thinner than a cell
        Polygon([(cell_lon(cx + i % 2 * 50), cell_lat(cy + i)) for i in range(0, 60, 3)]
                + [(cell_lon(cx - 20), cell_lat(cy + 60)), (cell_lon(cx - 20), cell_lat(cy))]).buffer(0),
    ]
    for _ in range(40):
        centre = (AREA[0] + rng.random() * 0.6, AREA[1] + rng.random() * 0.4)
        radius = 0.02 + rng.random() * 0.25
        ring = [(centre[0] + radius * (0.5 + rng.random()) * math.cos(a), centre[1] + radius * (0.5 + rng.random()) * math.sin(a))
                for a in sorted(rng.random() * 2 * math.pi for _ in range(12))]
        shapes.append(Polygon(ring).buffer(0))
    return [s for s in shapes if s.is_valid and not s.is_empty]


def test_zone_counts_from_the_cells_equal_a_plain_count_and_the_summary_says_so(dense, official):
    from analysis.summaries import summarize_polygon
    from tiles.counting import count_points_in_polygon

    used = 0
    for polygon in adversarial_polygons():
        expected = plain_in_polygon(dense, polygon)
        fast = count_points_in_polygon(dense.pk, dense.version, "Point", dense.feature_count, polygon.wkb)
        if fast is not None:
            used += 1
            assert fast == expected, polygon.wkt
        if polygon.geom_type == "Polygon":
            summary = summarize_polygon(official, polygon)
            assert {s.slug: s.count for s in summary.layers}["dense"] == expected, polygon.wkt
    assert used >= 30
