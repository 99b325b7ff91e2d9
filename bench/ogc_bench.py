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
# tipg pages by OFFSET, so its late pages cost more and more: a walk is stopped after this long and
# reported as such, with what it had read.
TIPG_BUDGET_S = 600


def _walk(port: int, path: str, *, budget: float = float("inf")) -> tuple[float, int, int]:
    """(seconds, features, pages) following `next` from `path` on 127.0.0.1:port, one connection;
    stopped after `budget` seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    features = pages = 0
    following: str | None = path
    while following and time.perf_counter() - started < budget:
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
        walks = {size: _walk(our_port, f"/ogc/collections/{layer.slug}/items?limit={size}") for size in PAGE_SIZES}
        # tipg caps a page at its TIPG_MAX_FEATURES_PER_QUERY (10,000 by default), so one walk, at that size.
        theirs = _walk(tipg_port, f"/collections/public.{spec.view}/items?limit={PAGE_SIZES[0]}",
                       budget=TIPG_BUDGET_S)
        for size, mine in walks.items():
            rows.append(_row(f"ours, pages of {size:,}", mine, spec.count))
        rows.append(_row(f"tipg 1.6, pages of {PAGE_SIZES[0]:,}", theirs, spec.count,
                         f"ours (pages of {PAGE_SIZES[0]:,}) / tipg time: "
                         f"{walks[PAGE_SIZES[0]][0] / theirs[0]:.3f}" if theirs[1] == spec.count else
                         f"stopped after {TIPG_BUDGET_S} s"))
    return rows


def _row(name: str, walk: tuple[float, int, int], expected: int, note: str = "") -> Row:
    seconds, features, pages = walk
    complete = "complete" if features == expected else f"INCOMPLETE: {features:,} of {expected:,}"
    return Row("ogc walk", f"1M points, {name}", seconds * 1000, seconds * 1000,
               f"{pages} pages, {complete}" + (f"; {note}" if note else ""))
