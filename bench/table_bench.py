"""The dashboard's attribute table: a page of 100 rows in the order of any property (sortby, offset
paging) against the id-ordered page (keyset), early and late in the layer.

Ordering by a JSONB property has no index, so every sorted page sorts the matching features (a
top-N heapsort for an early page); a late page also reads the rows it skips. The anchor is the
keyset page of the same size, and DESIGN's note that OFFSET + count(*) made late pages 2.3x slower.
"""

from bench.geojson_bench import SLUG, ensure_points
from bench.report import Row, measure
from layers.filters import ORDERING_PARAMS, parse_feature_query
from layers.geojson import feature_page


def run(args) -> list[Row]:
    layer = ensure_points(args.points)
    repeat = args.repeat
    page = lambda params: parse_feature_query(layer, {"limit": "100", **params},
                                              extra_reserved=ORDERING_PARAMS)
    keyset = page({})
    keyset_med, keyset_p95 = measure(lambda: feature_page(layer, keyset), repeat=repeat)
    rows = [Row("table", f"{SLUG}: page of 100 in id order (keyset)", keyset_med, keyset_p95)]
    late = min(args.points - 100, 100_000)
    for name, params in [
        ("sorted by a number, first page", {"sortby": "-value"}),
        ("sorted by a text, first page", {"sortby": "name"}),
        ("sorted by a number, offset 10,000", {"sortby": "-value", "offset": "10000"}),
        (f"sorted by a number, offset {late:,}", {"sortby": "-value", "offset": str(late)}),
        ("sorted + filter kind=b, first page", {"sortby": "-value", "kind": "b"}),
    ]:
        query = page(params)
        med, p95 = measure(lambda query=query: feature_page(layer, query), repeat=repeat)
        rows.append(Row("table", f"{name}", med, p95, f"ratio to keyset {med / keyset_med:.1f}"))
    return rows
