"""Tiles against their anchors, on 1,000,000 points, 200,000 parcels, 50,000 roads and a
20,000 × 16,000 COG over the province, at z8, z10, z12 and z14:

- the floor: our tile statement run directly in PostgreSQL (the web layer should add little to it);
- our app uncached (TILES_CACHE=none) and tipg 1.6 on the same rows (a view of layers_feature), both
  with 2 worker processes: p50/p95 one request at a time, throughput with 8 concurrent clients;
- our app cached (Redis, tiles gzip-compressed once) with 8 clients, against tipg's uncached rate
  (measured in the same interleaved rounds: see _interleaved);
- raster PNG tiles of the COG, ours against titiler 2.4 (2 workers each, same rescale and colormap).

Throughput and the anchors' one-client latencies come from the same client for every server, wrk
(bench/tiles_load.py), over the same SAMPLE tiles per zoom, after one warm-up pass that also records
the largest tile. Ratios are medians over rounds run side by side (bench.tiles_load.paired): on a
shared machine a burst of other work spoils one round, not the figure. Our one-client latencies are
taken tile by tile beside the floor (_floor_and_ours), so "+x ms over SQL" compares each tile with
its own statement at the same moment. Servers listen on 127.0.0.1 only; every run
is bounded in time.
"""

import random
import signal
import statistics
import time
import urllib.request

import mapbox_vector_tile

from bench import tiles_data
from bench.report import Row
from bench.tiles_load import KeepAliveClient, LoadResult, fetch_all, paired, run_load
from bench.tiles_servers import ours, tipg, titiler
from layers.filters import FeatureQuery
from tiles.grid import Tile, tiles_covering
from tiles.mvt import LayerPart, render_mvt

ZOOMS = (8, 10, 12, 14)
WORKERS = 2
CLIENTS = 8
SAMPLE = 24  # tiles per zoom (all of them when fewer)
SECONDS = 3.0  # per latency run, and per server over the rounds of a throughput measurement
ROUNDS = 5
SLOW_ROUND_S = 5.0


def sample_tiles(z: int) -> list[Tile]:
    tiles = tiles_covering(tiles_data.BOX, z)
    return sorted(random.Random(z).sample(tiles, min(SAMPLE, len(tiles))), key=lambda t: (t.y, t.x))


def _floor_and_ours(layer, tiles: list[Tile], port: int, paths: list[str]) -> tuple[LoadResult, LoadResult, float]:
    """The floor (our statement run directly: one connection, no HTTP, no Django request) and our
    app, one request at a time, tile by tile: each tile's statement and its HTTP request run one
    right after the other (which goes first alternates), for as many whole passes over the tiles as
    fit in about 2 × SECONDS. Returns both and what the web adds: the median over every (tile,
    pass) of our latency minus the floor's for that same tile at that same moment. A zoom's tiles
    differ tenfold in cost and the machine's other work comes in bursts: pairing each tile with
    itself, side by side, measures the web layer and not the mix of tiles or the bursts."""
    warm = fetch_all(port, paths)
    part = LayerPart(layer, FeatureQuery())
    for tile in tiles:
        render_mvt([part], tile)  # warm the buffers, as the HTTP pass did
    # Passes from a second, warm pass: the first may meet a worker's first request (z8 has one tile).
    passes = max(ROUNDS, round(SECONDS / fetch_all(port, paths).seconds))
    statuses: dict[str, int] = {}
    client = KeepAliveClient(port)

    def by_sql(tile: Tile, _path: str) -> int:
        return len(render_mvt([part], tile).data)

    def by_http(_tile: Tile, path: str) -> int:
        status, size = client.get(path)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        return size

    timed: dict = {by_sql: [], by_http: []}  # per side: (ms, bytes) of each request
    try:
        for n in range(passes):
            for i, (tile, path) in enumerate(zip(tiles, paths, strict=True)):
                for side in ((by_sql, by_http) if (n + i) % 2 else (by_http, by_sql)):
                    t0 = time.perf_counter()
                    size = side(tile, path)
                    timed[side].append(((time.perf_counter() - t0) * 1000, size))
    finally:
        client.close()
    max_bytes = max([warm.max_bytes] + [size for side in timed.values() for _ms, size in side])
    floor_ms, ours_ms = ([ms for ms, _size in timed[side]] for side in (by_sql, by_http))
    floor = LoadResult.of(floor_ms, seconds=sum(floor_ms) / 1000, max_bytes=max_bytes)
    mine = _with_warm_up(LoadResult.of(ours_ms, seconds=sum(ours_ms) / 1000, statuses=statuses,
                                       max_bytes=max_bytes), warm)
    return floor, mine, statistics.median(o - f for o, f in zip(ours_ms, floor_ms, strict=True))


def _sequential(port: int, paths: list[str]) -> LoadResult:
    """One client (wrk), one request at a time; the warm-up pass gives each tile's size once."""
    warm = fetch_all(port, paths)
    return _with_warm_up(run_load(port, paths, clients=1, seconds=SECONDS), warm)


def _with_warm_up(result: LoadResult, warm: LoadResult) -> LoadResult:
    result.max_bytes = max(result.max_bytes, warm.max_bytes)
    for status, n in warm.statuses.items():
        result.statuses[status] = result.statuses.get(status, 0) + n
    return result


def _interleaved(runs: dict[str, tuple[int, list[str], bool, float]]) -> dict[str, LoadResult]:
    """Throughput with CLIENTS clients of each (port, paths, gzip, one-client p50 in ms): ROUNDS rounds
    of SECONDS/ROUNDS per server, taken in turn (the order rotating), so that the other work on a
    shared machine weighs on every server alike and a ratio compares like with like. A slow server's
    rounds last longer (up to SLOW_ROUND_S): wrk drops the requests still running when a round ends."""
    results: dict[str, list[LoadResult]] = {name: [] for name in runs}
    names = list(runs)
    for i in range(ROUNDS):
        for name in names[i % len(names):] + names[: i % len(names)]:
            port, paths, gzip, p50_ms = runs[name]
            seconds = max(SECONDS / ROUNDS, min(SLOW_ROUND_S, CLIENTS * p50_ms / 1000))
            results[name].append(run_load(port, paths, clients=CLIENTS, seconds=seconds, gzip=gzip))
    return {name: LoadResult.merge(rounds) for name, rounds in results.items()}


def _count_points(port: int, path: str, *, layer_name: str, key: str | None) -> int:
    """Features a tile accounts for, decoded: the sum of `key` (cluster counts) or the features."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
        body = response.read()
    features = mapbox_vector_tile.decode(body).get(layer_name, {}).get("features", [])
    if key:
        return sum(int(f["properties"].get(key, 1)) for f in features)
    return len(features)


def _vector_rows(layers: dict) -> list[Row]:
    """Floor, ours and tipg uncached, one client; then ours uncached, tipg uncached and ours cached
    with 8 clients, interleaved."""
    rows: list[Row] = []
    specs = tiles_data.VECTOR_SETS
    probe = f"/tiles/{specs[0].slug}.json"
    with ours(workers=WORKERS, cache="none", probe=probe) as uncached_port, \
         ours(workers=WORKERS, cache="redis", probe=probe) as cached_port, \
         tipg(workers=WORKERS, tables=[s.view for s in specs]) as tipg_port:
        for spec in specs:
            layer = layers[spec.slug]
            for z in ZOOMS:
                tiles = sample_tiles(z)
                ours_paths = [f"/tiles/{spec.slug}/{t}.pbf?v={layer.version}" for t in tiles]
                tipg_paths = [f"/collections/public.{spec.view}/tiles/WebMercatorQuad/{t}" for t in tiles]
                group = f"{spec.slug.removeprefix('tiles-')} z{z}"
                floor, mine, over = _floor_and_ours(layer, tiles, uncached_port, ours_paths)
                theirs = _sequential(tipg_port, tipg_paths)
                fetch_all(cached_port, ours_paths, gzip=True)  # fill the cache
                rates = _interleaved({"mine": (uncached_port, ours_paths, False, mine.p50),
                                      "theirs": (tipg_port, tipg_paths, False, theirs.p50),
                                      "cached": (cached_port, ours_paths, True, 0.0)})
                mine_rps, theirs_rps, cached = rates["mine"], rates["theirs"], rates["cached"]
                rows.append(Row(group, "SQL statement, direct (floor)", floor.p50, floor.p95,
                                f"max tile {floor.max_bytes / 1024:.0f} KB"))
                rows.append(Row(group, "ours uncached, 1 client", mine.p50, mine.p95,
                                f"+{over:.1f} ms over SQL (same tile, side by side; median of {mine.requests:,});"
                                f" {mine_rps.rps:.0f} req/s with 8 clients;"
                                f" max {mine.max_bytes / 1024:.0f} KB; {_statuses(mine, mine_rps)}"))
                rows.append(Row(group, "tipg 1.6 uncached, 1 client", theirs.p50, theirs.p95,
                                f"{theirs_rps.rps:.0f} req/s with 8 clients; ours/tipg throughput"
                                f" {_ratio(mine_rps, theirs_rps)}; {_statuses(theirs, theirs_rps)}"))
                rows.append(Row(group, "ours cached, 8 clients", cached.p50, cached.p95,
                                f"{cached.rps:.0f} req/s = {_ratio(cached, theirs_rps)} tipg uncached"
                                f" (gzip stored once); {_statuses(cached)}"))
        # What a z8 tile of a million points holds: all of them (clusters) or a capped sample.
        z8 = sample_tiles(8)[0]
        mine_total = _count_points(uncached_port, f"/tiles/{tiles_data.POINTS.slug}/{z8}.pbf",
                                   layer_name=tiles_data.POINTS.slug, key="cluster_count")
        tipg_total = _count_points(tipg_port, f"/collections/public.{tiles_data.POINTS.view}/tiles/WebMercatorQuad/{z8}",
                                   layer_name="default", key=None)
        rows.append(Row("points z8", "features accounted for in one tile", 0, 0,
                        f"ours {mine_total:,} (grid clusters with counts) vs tipg {tipg_total:,} (LIMIT)"))
    return rows


def _raster_rows(cog) -> list[Row]:
    rows: list[Row] = []
    path = tiles_data.cog_path()
    query = f"url={path}&rescale=0,255&colormap_name=rdylgn"
    with ours(workers=WORKERS, cache="none", probe=f"/tiles/{cog.slug}.json") as our_port, \
         titiler(workers=WORKERS, probe=f"/cog/info?url={path}") as their_port:
        for z in ZOOMS:
            tiles = sample_tiles(z)
            ours_paths = [f"/tiles/{cog.slug}/{t}.png?v={cog.version}" for t in tiles]
            their_paths = [f"/cog/tiles/WebMercatorQuad/{t}.png?{query}" for t in tiles]
            mine, theirs = _sequential(our_port, ours_paths), _sequential(their_port, their_paths)
            rates = _interleaved({"mine": (our_port, ours_paths, False, mine.p50),
                                  "theirs": (their_port, their_paths, False, theirs.p50)})
            mine_rps, theirs_rps = rates["mine"], rates["theirs"]
            group = f"raster z{z}"
            rows.append(Row(group, "ours PNG uncached, 1 client", mine.p50, mine.p95,
                            f"{mine_rps.rps:.0f} req/s with 8 clients; {_statuses(mine, mine_rps)}"))
            rows.append(Row(group, "titiler 2.4 PNG, 1 client", theirs.p50, theirs.p95,
                            f"{theirs_rps.rps:.0f} req/s with 8 clients; ours/titiler throughput"
                            f" {_ratio(mine_rps, theirs_rps)}; {_statuses(theirs, theirs_rps)}"))
    return rows


def _ratio(a: LoadResult, b: LoadResult) -> str:
    """a's throughput over b's: the median of the ratios of rounds run side by side."""
    ratio = paired(a, b, lambda x, y: x.rps / y.rps if y.rps else float("nan"))
    return f"{ratio:.2f}x"


def _statuses(*results: LoadResult) -> str:
    merged: dict[str, int] = {}
    for r in results:
        for status, n in r.statuses.items():
            merged[status] = merged.get(status, 0) + n
    return "HTTP " + ",".join(f"{s}×{n}" for s, n in sorted(merged.items()))


def _exit_on_sigterm(signum, frame) -> None:
    # SystemExit unwinds the `with` blocks, so the servers this bench started are stopped too.
    raise SystemExit(128 + signum)


def run(args) -> list[Row]:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started = time.perf_counter()
    layers = tiles_data.ensure_vector_sets()
    cog = tiles_data.ensure_cog()
    print(f"tiles bench data ready in {time.perf_counter() - started:.1f} s", flush=True)
    rows = _vector_rows(layers)
    rows += _raster_rows(cog)
    order = {name: i for i, name in enumerate(
        ["SQL statement, direct (floor)", "ours uncached, 1 client", "tipg 1.6 uncached, 1 client",
         "ours cached, 8 clients", "features accounted for in one tile"])}
    vector = sorted([r for r in rows if not r.group.startswith("raster")],
                    key=lambda r: (r.group.split(" z")[0], int(r.group.split(" z")[1]), order.get(r.name, 9)))
    print(f"tiles bench ran in {time.perf_counter() - started:.0f} s", flush=True)
    return vector + [r for r in rows if r.group.startswith("raster")]
