"""OGC API - Features: a whole 1,000,000-point collection walked through `next` links, ours against tipg
1.6's /collections/{id}/items on the same rows (tipg serves a view of layers_feature), each server under
the same number of workers, one client. The goal: ours under 10 s (tipg took 86 s when the issue was
filed: it pages by OFFSET and counts every page).

Each walk reads every page's body and counts its features: a walk that loses or repeats features is
reported as such, not timed as a success. The one client parses pages with orjson (a dependency of
tipg): with the standard json module, parsing 180 MB of GeoJSON took more CPU than our server spent
writing it, and timed the client more than either server; orjson too spent most of its time in
Python's cyclic collector, which is paused while a page is parsed (`_parse`). Ours is walked WALKS
times per page size (median reported); tipg once, bounded (see TIPG_BUDGET_S). Also reported: one walk
of ours whose pages are read but not parsed (the server and the wire alone), the CPU a Python client
spends parsing one page (orjson with and without the collector, the standard json module), and the
server's part in process in CPU seconds. On a shared 2-core machine wall times grow with the load
average printed beside them; CPU seconds do not.
"""

import gc
import http.client
import json
import os
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db import connection

from bench import tiles_data
from bench.report import Row
from bench.tiles_servers import ours, tipg
from layers.filters import FeatureQuery
from layers.geojson import StreamedPage

WORKERS = 2
WALKS = 3
# tipg caps a page at its TIPG_MAX_FEATURES_PER_QUERY (10,000 by default): its walk and our first one use
# that size; the others are our larger pages (OGC_PAGE_MAX caps them; GDAL asks for large pages).
TIPG_PAGE = 10_000
# tipg pages by OFFSET and counts every page, so its late pages cost more and more (a whole walk did not
# end within 600 s under load). A fair, bounded run: its walk stops after this long, and its time for the
# whole collection is extrapolated linearly from the features it read: a lower bound of its real time,
# since its later pages are the slower ones. The ratio is reported against that lower bound.
TIPG_BUDGET_S = 60


def _parse(body: bytes) -> dict:
    """A page as a client's objects, with Python's cyclic garbage collector paused while orjson builds
    them: a page of 10,000-100,000 features is 4-5 containers a feature, and building them set off
    collections that traversed the page again and again (4.7 s of the client's 5.9 s of CPU per
    1,000,000-point walk, measured on this machine). The objects hold no cycles: when the page is
    dropped they are freed by reference counting, as the collector would only have found later."""
    gc.disable()
    try:
        return orjson.loads(body)
    finally:
        gc.enable()


def _tail(body: bytes) -> dict:
    """numberReturned and the links of one of our pages without parsing its features: ours writes
    them after the features (ogc.items.items_chunks). For the server-and-wire part of a walk."""
    return orjson.loads(b"{" + body[body.rindex(b'],"numberReturned":') + 2:])


def _walk(port: int, path: str, *, budget: float = float("inf"), parse=None) -> tuple[float, int, int]:
    """(seconds, features, pages) following `next` from `path` on 127.0.0.1:port, one connection;
    stopped after `budget` seconds. Every page is parsed (`_parse`) unless `parse=_tail`."""
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
        doc = (parse or _parse)(body)
        returned = doc["numberReturned"] if parse is _tail else len(doc["features"])
        features += returned
        pages += 1
        link = next((x["href"] for x in doc.get("links", []) if x["rel"] == "next"), None)
        following = None
        if link and returned:
            parts = urlsplit(link)
            following = parts.path + ("?" + parts.query if parts.query else "")
    connection.close()
    return time.perf_counter() - started, features, pages


def _body(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path, headers={"Accept": "application/geo+json"})
    body = connection.getresponse().read()
    connection.close()
    return body


def _client_parse(body: bytes) -> Row:
    """What parsing costs a Python client, per page of the walk: the walks above parse with orjson and
    the collector paused; the standard json module (and orjson with the collector running) are
    timed here on one page, in CPU seconds, so the client's share of a walk is said, not hidden."""
    timed = {}
    for name, parse in (("orjson, collector paused", _parse), ("orjson", orjson.loads), ("json (stdlib)", json.loads)):
        started = time.process_time()
        features = len(parse(body)["features"])
        timed[name] = time.process_time() - started
    notes = "; ".join(f"{name} {seconds:.2f} s" for name, seconds in timed.items())
    return Row("ogc walk", f"client parse of one page ({features:,} features, {len(body) / 1e6:.0f} MB), CPU",
               timed["orjson, collector paused"] * 1000, timed["orjson, collector paused"] * 1000, notes)


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process of this machine has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu(layer, page: int) -> tuple[float, float, float]:
    """(wall s, PostgreSQL backend CPU s, this process's CPU s) of the server's part of a walk, in
    process: every page's features written and joined as the items view does, without HTTP or a
    client parsing them. CPU seconds do not grow with the machine's load as wall time does: on a
    shared machine they say what a walk costs."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    pg, mine, started = _process_cpu(backend), time.process_time(), time.perf_counter()
    after = None
    while True:
        streamed = StreamedPage(layer, FeatureQuery(limit=page, after=after))
        for _chunk in streamed.chunks():
            pass
        if not streamed.has_more:
            break
        after = streamed.last_id
    return time.perf_counter() - started, _process_cpu(backend) - pg, time.process_time() - mine


def run(args) -> list[Row]:
    spec = tiles_data.POINTS
    layer = tiles_data.ensure_vector_set(spec)
    sizes = sorted({TIPG_PAGE, settings.OGC_PAGE_MAX})
    rows: list[Row] = []
    with ours(workers=WORKERS, cache="none", probe="/ogc/conformance") as our_port:
        walks, loads = {}, {}
        for size in sizes:
            walks[size] = [_walk(our_port, f"/ogc/collections/{layer.slug}/items?limit={size}") for _ in range(WALKS)]
            loads[size] = os.getloadavg()[0]
        wire = _walk(our_port, f"/ogc/collections/{layer.slug}/items?limit={settings.OGC_PAGE_MAX}", parse=_tail)
        wire_load = os.getloadavg()[0]
        our_body = _body(our_port, f"/ogc/collections/{layer.slug}/items?limit={settings.OGC_PAGE_MAX}")
    with tipg(workers=WORKERS, tables=[spec.view]) as tipg_port:
        theirs = _walk(tipg_port, f"/collections/public.{spec.view}/items?limit={TIPG_PAGE}", budget=TIPG_BUDGET_S)
        tipg_load = os.getloadavg()[0]
    tipg_s, tipg_read, _pages = theirs
    tipg_whole = tipg_s if tipg_read == spec.count else tipg_s * spec.count / max(tipg_read, 1)
    for size, runs in walks.items():
        seconds = statistics.median(r[0] for r in runs)
        rows.append(_row(f"ours, pages of {size:,}", seconds, runs[0], spec.count,
                         f"median of {WALKS}; {spec.count / seconds:,.0f} features/s; "
                         f"ours / tipg{'' if tipg_read == spec.count else ' (extrapolated)'}: "
                         f"{seconds / tipg_whole:.3f}; load {loads[size]:.1f}"))
    note = (f"{tipg_read / tipg_s:,.0f} features/s" if tipg_read == spec.count else
            f"stopped after {TIPG_BUDGET_S} s with {tipg_read:,} features read ({tipg_read / tipg_s:,.0f}/s): "
            f"whole walk extrapolated linearly to >= {tipg_whole:,.0f} s (a lower bound: OFFSET pages slow down)")
    rows.append(_row(f"tipg 1.6, pages of {TIPG_PAGE:,}", tipg_whole, theirs, spec.count, f"{note}; load {tipg_load:.1f}"))
    rows.append(_row(f"ours, pages of {settings.OGC_PAGE_MAX:,}, server and wire only", wire[0], wire, spec.count,
                     f"bodies read, features not parsed (numberReturned and next read from each page's tail); "
                     f"load {wire_load:.1f}"))
    rows.append(_client_parse(our_body))
    wall, pg, python = _server_cpu(layer, settings.OGC_PAGE_MAX)
    rows.append(Row("ogc walk", "1M points, ours, server side only (in process)", wall * 1000, wall * 1000,
                    f"CPU: PostgreSQL {pg:.1f} s + Python {python:.1f} s = {pg + python:.1f} s for the 1M features "
                    f"(wall {wall:.1f} s on this machine's load: {os.getloadavg()[0]:.1f})"))
    return rows


def _row(name: str, seconds: float, walk: tuple[float, int, int], expected: int, note: str) -> Row:
    _seconds, features, pages = walk
    complete = "complete" if features == expected else f"read {features:,} of {expected:,}"
    return Row("ogc walk", f"1M points, {name}", seconds * 1000, seconds * 1000, f"{pages} pages, {complete}; {note}")
