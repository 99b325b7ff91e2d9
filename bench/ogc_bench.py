"""OGC API - Features: a whole 1,000,000-point collection walked through `next` links, ours against tipg
1.6's /collections/{id}/items on the same rows (tipg serves a view of layers_feature), each server under
the same number of workers, one client, pages of the same size. The goal: ours under 10 s (tipg took
86 s when the issue was filed: it pages by OFFSET and counts every page).

Each walk reads every page's body and counts its features: a walk that loses or repeats features is
reported as such, not timed as a success.
"""

import http.client
import json
import time
from urllib.parse import urlsplit

from bench import tiles_data
from bench.report import Row
from bench.tiles_servers import ours, tipg

WORKERS = 2
PAGE_SIZES = (10_000, 50_000)


def _walk(port: int, path: str) -> tuple[float, int, int]:
    """(seconds, features, pages) following `next` from `path` on 127.0.0.1:port, one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    features = pages = 0
    following: str | None = path
    while following:
        connection.request("GET", following, headers={"Accept": "application/geo+json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{following} answered {response.status}: {body[:200]!r}")
        doc = json.loads(body)
        features += len(doc["features"])
        pages += 1
        link = next((x["href"] for x in doc.get("links", []) if x["rel"] == "next"), None)
        following = None
        if link and doc["features"]:
            parts = urlsplit(link)
            following = parts.path + ("?" + parts.query if parts.query else "")
    connection.close()
    return time.perf_counter() - started, features, pages


def run(args) -> list[Row]:
    spec = tiles_data.POINTS
    layer = tiles_data.ensure_vector_set(spec)
    rows: list[Row] = []
    with ours(workers=WORKERS, cache="none", probe="/ogc/conformance") as our_port, \
            tipg(workers=WORKERS, tables=[spec.view]) as tipg_port:
        for size in PAGE_SIZES:
            mine = _walk(our_port, f"/ogc/collections/{layer.slug}/items?limit={size}")
            rows.append(_row(f"ours, pages of {size:,}", mine, spec.count))
            # tipg caps a page at its TIPG_MAX_FEATURES_PER_QUERY (10,000 by default): it walks in pages
            # of that size whatever is asked.
            theirs = _walk(tipg_port, f"/collections/public.{spec.view}/items?limit={size}")
            rows.append(_row(f"tipg 1.6, limit={size:,}", theirs, spec.count,
                             f"ours/tipg time {mine[0] / theirs[0]:.2f}"))
    return rows


def _row(name: str, walk: tuple[float, int, int], expected: int, note: str = "") -> Row:
    seconds, features, pages = walk
    complete = "complete" if features == expected else f"INCOMPLETE: {features:,} of {expected:,}"
    return Row("ogc walk", f"1M points, {name}", seconds * 1000, seconds * 1000,
               f"{pages} pages, {complete}" + (f"; {note}" if note else ""))
