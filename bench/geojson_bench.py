"""GeoJSON API against its floor: the same SQL statement run directly in PostgreSQL.

What the web layer adds (parsing, access check, response) should be small next to the statement;
keyset paging should make a late page cost what an early one does.
"""

import random
import time

from django.db import connection, transaction
from django.test import Client

from bench.report import Row, measure
from layers.catalog import publish_changes
from layers.filters import parse_feature_query
from layers.geojson import count_features, feature_page
from layers.models import Access, Layer

SLUG = "bench-points"
SCHEMA = [
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "kind", "type": "string", "label_vi": "Loại", "label_en": "Kind"},
    {"name": "value", "type": "number", "label_vi": "Giá trị", "label_en": "Value"},
]


def ensure_points(n: int) -> Layer:
    """A public layer of n points over the province, loaded once with COPY and kept."""
    layer = Layer.objects.filter(slug=SLUG).first()
    if layer and layer.feature_count == n:
        return layer
    started = time.perf_counter()
    with transaction.atomic():
        layer, _ = Layer.objects.update_or_create(slug=SLUG, defaults=dict(
            title_vi="Điểm đo thử", title_en="Bench points", domain="environment", geometry_type="Point",
            property_schema=SCHEMA, style={"type": "circle", "color": "#e31a1c"}, access=Access.PUBLIC))
        layer.features.all().delete()
        rng = random.Random(42)
        with connection.cursor() as cur, cur.connection.cursor().copy(
            "COPY layers_feature (layer_id, source_id, geom, properties) FROM STDIN"
        ) as copy:
            for i in range(n):
                lon, lat = 105.5 + rng.random() * 1.25, 10.4 + rng.random() * 0.63
                kind = rng.choice(["a", "b", "c", "d"])
                copy.write_row([layer.pk, f"p{i}", f"SRID=4326;POINT({lon:.6f} {lat:.6f})",
                                f'{{"name": "Điểm {i}", "kind": "{kind}", "value": {rng.random() * 100:.3f}}}'])
        layer = publish_changes(layer)
    with connection.cursor() as cur:
        cur.execute("ANALYZE layers_feature")
    print(f"loaded {n:,} bench points in {time.perf_counter() - started:.1f} s")
    return layer


def run(args) -> list[Row]:
    points, repeat = args.points, args.repeat
    layer = ensure_points(points)
    client = Client(HTTP_HOST="127.0.0.1")
    rows: list[Row] = []
    url = f"/api/layers/{SLUG}/features/"
    cases = [
        ("page of 1,000", {"limit": "1000"}),
        ("page of 10,000", {"limit": "10000"}),
        ("bbox 0.1° (~1.1k pts)", {"bbox": "106.30,10.50,106.40,10.60", "limit": "10000"}),
        ("filter kind=b, 1,000", {"kind": "b", "limit": "1000"}),
    ]
    for name, params in cases:
        query = parse_feature_query(layer, params)

        def sql_only():
            feature_page(layer, query)
            count_features(layer, query)

        def over_http():
            response = client.get(url, params)
            assert response.status_code == 200

        sql_med, sql_p95 = measure(sql_only, repeat=repeat)
        http_med, http_p95 = measure(over_http, repeat=repeat)
        rows.append(Row("geojson", f"{name}: SQL statement", sql_med, sql_p95))
        rows.append(Row("geojson", f"{name}: GET (Django)", http_med, http_p95,
                        f"+{http_med - sql_med:.1f} ms over SQL, ratio {http_med / sql_med:.2f}"))

    # Keyset paging: the 150th page of 1,000 against the first.
    query_first = parse_feature_query(layer, {"limit": "1000"})
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM layers_feature WHERE layer_id = %s ORDER BY id OFFSET %s LIMIT 1",
                    [layer.pk, min(points - 1000, 150_000)])
        late_after = cur.fetchone()[0]
    query_late = parse_feature_query(layer, {"limit": "1000", "after": str(late_after)})
    first_med, first_p95 = measure(lambda: feature_page(layer, query_first), repeat=repeat)
    late_med, late_p95 = measure(lambda: feature_page(layer, query_late), repeat=repeat)
    rows.append(Row("paging", "first page of 1,000", first_med, first_p95))
    rows.append(Row("paging", "late page of 1,000 (keyset)", late_med, late_p95,
                    f"late/first ratio {late_med / first_med:.2f} (OFFSET+count(*) was 2.3x)"))
    return rows
