"""Counts of a map view and a zone summary on the 1,000,000-point bench layer (tiles_data.POINTS): from
the precomputed cluster cells plus the border's features (tiles.counting, what /api/counts/ and
/api/summary/ ask) beside the plain `count(*) … ST_Intersects` statement, for the province view the
layer panel asks at low zoom, a ~100 km² view and a 100 km² round zone. Each pair must agree, or the
bench stops."""

import math

from django.db import connection
from django.test import Client
from shapely import affinity
from shapely.geometry import Point, mapping

from bench import tiles_data
from bench.report import Row, measure
from layers import query as features
from analysis.counts import count_by_layer
from layers.models import Layer
from analysis.summaries import summarize_polygon
from tiles.counting import count_points_in_bbox

# ~10 km × 10 km around Tân An: 0.0915° of longitude at 10.54° N is 10 km.
KM_100 = (106.36, 10.49, 106.36 + 10 / (111.32 * math.cos(math.radians(10.54))), 10.49 + 10 / 110.57)
# A round zone of 100 km² (radius 5.64 km) north of Tân An.
_RADIUS_KM = math.sqrt(100 / math.pi)
ZONE = affinity.scale(Point(106.40, 10.60).buffer(1, quad_segs=32),
                      _RADIUS_KM / (111.32 * math.cos(math.radians(10.6))), _RADIUS_KM / 110.57)


def _plain(layer: Layer, bbox) -> int:
    statement = features.select("count(*)", features.where([features.in_layer(layer.pk), features.in_bbox(bbox)]))
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        return cur.fetchone()[0]


def run(args) -> list[Row]:
    layer = tiles_data.ensure_vector_set(tiles_data.POINTS)
    client = Client(HTTP_HOST="127.0.0.1")
    rows: list[Row] = []
    for name, bbox in (("province view", tiles_data.BOX), ("~100 km² view", KM_100)):
        def cells(bbox=bbox):
            return count_points_in_bbox(layer.pk, layer.version, layer.geometry_type, layer.feature_count, bbox)

        expected, fast = _plain(layer, bbox), cells()
        if fast != expected:
            raise SystemExit(f"counts bench: {name}: cells say {fast}, count(*) says {expected}")
        if count_by_layer(None, bbox=bbox).get(layer.slug) != expected:
            raise SystemExit(f"counts bench: {name}: /api/counts/'s function disagrees with count(*)")
        plain_med, plain_p95 = measure(lambda bbox=bbox: _plain(layer, bbox), repeat=args.repeat)
        cells_med, cells_p95 = measure(cells, repeat=args.repeat)
        params = {"bbox": ",".join(map(str, bbox))}

        def over_http(params=params):
            response = client.get("/api/counts/", params)
            assert response.status_code == 200

        http_med, http_p95 = measure(over_http, repeat=args.repeat)
        rows.append(Row("counts", f"{name}: plain count(*) ({expected:,} points)", plain_med, plain_p95))
        rows.append(Row("counts", f"{name}: from cells + border", cells_med, cells_p95,
                        f"plain/cells ratio {plain_med / cells_med:.1f}"))
        rows.append(Row("counts", f"{name}: GET /api/counts/ (all layers)", http_med, http_p95,
                        f"+{http_med - cells_med:.1f} ms over the points' count"))
    rows += _summary_rows(layer, client, args.repeat)
    return rows


def _summary_rows(layer: Layer, client: Client, repeat: int) -> list[Row]:
    def plain():
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM layers_feature WHERE layer_id = %s"
                        " AND ST_Intersects(geom, ST_GeomFromWKB(%s, 4326))", [layer.pk, ZONE.wkb])
            return cur.fetchone()[0]

    def summary():
        return {s.slug: s.count for s in summarize_polygon(None, ZONE).layers}[layer.slug]

    expected = plain()
    if summary() != expected:
        raise SystemExit("counts bench: the zone summary's count disagrees with count(*)")
    body = {"geometry": mapping(ZONE)}

    def over_http():
        response = client.post("/api/summary/", body, content_type="application/json")
        assert response.status_code == 200

    plain_med, plain_p95 = measure(plain, repeat=repeat)
    summary_med, summary_p95 = measure(summary, repeat=repeat)
    http_med, http_p95 = measure(over_http, repeat=repeat)
    return [
        Row("summary", f"100 km² zone: plain count(*) ({expected:,} points)", plain_med, plain_p95),
        Row("summary", "100 km² zone: summary (cells + border)", summary_med, summary_p95,
            f"plain/summary ratio {plain_med / summary_med:.1f}"),
        Row("summary", "100 km² zone: POST /api/summary/ (all layers)", http_med, http_p95),
    ]
