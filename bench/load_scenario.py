"""A day at the IOC, compressed: the platform `make run` started (its own web, worker and beat, with
the demo world), under one wall canvas cycling its scenes, dashboard users panning and clicking, an
import, and a stream of observations, for --load-minutes (default 10) on 127.0.0.1 only.

Reported: p50/p95 per kind of request and the errors (any status >= 500 or a failed connection),
the memory (RSS) of every platform process after warm-up and at the end, the longest gap between two
fresh wall data answers, the import's duration; then a ramp of tile load (wrk, 1 to 32 connections)
and the request rate at which the p95 of tiles passes 200 ms.

Users are Python threads with think time (a person pans, reads, clicks), one keep-alive connection
each; the ramp is wrk (C, cheap on 2 shared cores). Every loop ends at the deadline.
"""

import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench import report
from bench.tiles_load import run_load

ROOT = Path(__file__).resolve().parent.parent
BOX = (105.50, 10.40, 106.75, 11.03)  # the province, WGS 84
TILE_P95_LIMIT_MS = 200.0
DEPARTMENT = "000.00.17.H39"  # Sở Tài nguyên và Môi trường of the demo world (fixtures/departments.py)


@dataclass
class Record:
    """Latencies (ms) per kind, failures per kind, shared by every thread."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, status: int | str) -> None:
        with self.lock:
            if isinstance(status, int) and status < 400:
                self.latencies[kind].append(ms)
            else:
                self.failures[kind].append(str(status))


class Client:
    """One keep-alive connection to the platform, reconnecting after a failure."""

    def __init__(self, port: int, record: Record, token: str | None = None):
        self.port, self.record, self.token = port, record, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, kind: str, path: str, *, body: bytes | None = None, content_type: str = "") -> tuple[int, bytes]:
        headers = {"Content-Type": content_type} if content_type else {}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        started = time.perf_counter()
        try:
            self.conn.request("POST" if body is not None else "GET", path, body=body, headers=headers)
            answer = self.conn.getresponse()
            data = answer.read()
            status = answer.status
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.record.add(kind, 0, type(error).__name__)
            return 0, b""
        self.record.add(kind, (time.perf_counter() - started) * 1000, status)
        return status, data


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def dashboard_user(port: int, record: Record, world: dict, deadline: float, seed: int) -> None:
    """Pan (a viewport of tiles at a zoom), then the counts of the view, now and then a search, a
    popup and a summary; think 1–3 s."""
    rng = random.Random(seed)
    client = Client(port, record)
    while time.monotonic() < deadline:
        z = rng.randint(9, 14)
        lon, lat = rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])
        x, y = _tile(lon, lat, z)
        layers = ",".join(rng.sample(world["layers"], min(3, len(world["layers"]))))
        for dx in (-1, 0, 1):
            for dy in (-1, 0):
                client.call("tile", f"/tiles/{layers}/{z}/{x + dx}/{y + dy}.pbf")
        span = 0.05 * 2 ** (12 - z)
        client.call("counts", f"/api/counts/?bbox={lon - span:.4f},{lat - span:.4f},{lon + span:.4f},{lat + span:.4f}")
        if rng.random() < 0.3:
            client.call("search", "/api/search/?q=" + quote(rng.choice(["tan an", "Cần Giuộc", "Bến Lức", "10.53, 106.40"])))
        if world["features"] and rng.random() < 0.5:
            slug, fid = rng.choice(world["features"])
            client.call("popup", f"/api/layers/{slug}/features/{fid}/")
        if world["polygons"] and rng.random() < 0.2:
            slug, fid = rng.choice(world["polygons"])
            client.call("summary", f"/api/layers/{slug}/features/{fid}/summary/")
        time.sleep(min(rng.uniform(1, 3), max(0.0, deadline - time.monotonic())))


@dataclass
class Wall:
    longest_gap_s: float = 0.0
    scenes_seen: set = field(default_factory=set)


def wall_canvas(port: int, record: Record, playlist: str, deadline: float, wall: Wall) -> None:
    """The wall's polls: the playlist state every second, the data of the scene on now every 10 s
    (WALL_STATE_POLL_MS, WALL_DATA_POLL_MS). The gap between two good data answers is the staleness."""
    client = Client(port, record)
    last_good, next_data = time.monotonic(), 0.0
    while time.monotonic() < deadline:
        status, body = client.call("wall-state", f"/api/wall/playlists/{playlist}/state")
        scene = json.loads(body).get("scene") if status == 200 else None
        now = time.monotonic()
        if scene and now >= next_data:
            status, _ = client.call("wall-data", f"/api/wall/scenes/{scene}/data")
            if status == 200:
                wall.longest_gap_s = max(wall.longest_gap_s, now - last_good)
                last_good, next_data = now, now + 10
                wall.scenes_seen.add(scene)
        time.sleep(1)
    wall.longest_gap_s = max(wall.longest_gap_s, min(time.monotonic(), deadline) - last_good)


def _geojson(n: int, prefix: str, rng: random.Random) -> bytes:
    features = [{"type": "Feature", "properties": {"id": f"{prefix}{i}", "pm25": rng.randint(5, 90)},
                 "geometry": {"type": "Point", "coordinates": [rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])]}}
                for i in range(n)]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: application/geo+json\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def import_job(port: int, record: Record, token: str, deadline: float, out: dict) -> None:
    """One replace import of 50,000 points, submitted a minute in; how long until it succeeded."""
    time.sleep(min(60, max(0.0, (deadline - time.monotonic()) / 10)))
    client = Client(port, record, token)
    body, content_type = _multipart({"layer": "bench-load-import", "mode": "replace", "title": "Bench import",
                                     "domain": "environment", "department": DEPARTMENT}, "import.geojson", _geojson(50_000, "i", random.Random(1)))
    started = time.monotonic()
    status, answer = client.call("import", "/api/imports/", body=body, content_type=content_type)
    if status != 202:
        out["import"] = f"refused ({status}: {answer[:200].decode(errors='replace')})"
        return
    job = json.loads(answer)["id"]
    while time.monotonic() < deadline:
        _status, answer = client.call("import-poll", f"/api/imports/{job}/")
        state = json.loads(answer or b"{}").get("status")
        if state in ("succeeded", "failed"):
            out["import"] = f"{state} in {time.monotonic() - started:.1f} s"
            return
        time.sleep(2)
    out["import"] = "not finished at the deadline"


def observations(port: int, record: Record, token: str, deadline: float, out: dict) -> None:
    """Every 5 s an append of 10 readings to one layer (a station network reporting)."""
    client = Client(port, record, token)
    rng = random.Random(2)
    sent = accepted = 0
    while time.monotonic() < deadline:
        body, content_type = _multipart({"layer": "bench-load-observations", "mode": "append", "title": "Bench readings",
                                         "domain": "environment", "department": DEPARTMENT}, "obs.geojson", _geojson(10, f"o{sent}-", rng))
        status, _ = client.call("observation", "/api/imports/", body=body, content_type=content_type)
        sent += 1
        accepted += status == 202
        time.sleep(min(5, max(0.0, deadline - time.monotonic())))
    out["observations"] = f"{accepted}/{sent} batches accepted"


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _platform_processes() -> dict[str, int]:
    """name → pid of every process of `make run` (web, worker, beat) and their children."""
    found = {}
    for name, pidfile in (("web", "gunicorn.pid"), ("worker", "celery-worker.pid"), ("beat", "celery-beat.pid")):
        path = ROOT / "var" / "run" / pidfile
        if not path.is_file():
            continue
        root = int(path.read_text().split()[0])
        found[name] = root
        children = Path(f"/proc/{root}/task/{root}/children")
        if children.is_file():
            for i, child in enumerate(children.read_text().split()):
                found[f"{name}-{i + 1}"] = int(child)
    return found


def memory_sampler(deadline: float, warm_at: float, samples: dict) -> None:
    while time.monotonic() < deadline:
        now = time.monotonic()
        for name, pid in _platform_processes().items():
            rss = _rss_kb(pid)
            if rss:
                samples.setdefault(name, []).append((now, rss))
        time.sleep(min(10, max(0.0, deadline - time.monotonic())))
    samples["_warm_at"] = warm_at


def _token(port: int) -> str:
    """A token of the demo steward, made in the platform's own database (var/local.env's, not the bench's)."""
    env = os.environ.copy()
    if env.get("DATABASE_URL", "").endswith("_bench"):
        env["DATABASE_URL"] = env["DATABASE_URL"].removesuffix("_bench")
    done = subprocess.run([sys.executable, "manage.py", "create_api_token", "demo-steward", "--name", "bench load"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def _world(port: int) -> dict:
    client = Client(port, Record())
    _status, body = client.call("setup", "/api/layers/")
    vectors = [layer for layer in json.loads(body)["layers"] if layer["kind"] == "vector" and layer["feature_count"]]
    features, polygons = [], []
    for layer in vectors:
        _status, body = client.call("setup", f"/api/layers/{layer['slug']}/features/?limit=40&properties=")
        ids = [(layer["slug"], f["id"]) for f in json.loads(body).get("features", [])]
        features += ids
        if "Polygon" in layer["geometry_type"]:
            polygons += ids
    return {"layers": [layer["slug"] for layer in vectors], "features": features, "polygons": polygons}


def _ramp(port: int, world: dict, seconds: float) -> list[tuple[int, float, float, dict]]:
    rng = random.Random(3)
    paths = []
    for _ in range(400):
        z = rng.randint(10, 14)
        x, y = _tile(rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3]), z)
        paths.append(f"/tiles/{rng.choice(world['layers'])}/{z}/{x}/{y}.pbf")
    steps = []
    for clients in (1, 2, 4, 8, 16, 32):
        result = run_load(port, paths, clients=clients, seconds=seconds)
        steps.append((clients, result.rps, result.p95, result.statuses))
        if result.p95 > TILE_P95_LIMIT_MS:
            break
    return steps


def run(args) -> list[report.Row]:
    port = args.load_port
    try:
        http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/healthz")
    except OSError:
        print(f"load scenario: nothing answers on 127.0.0.1:{port}; start the platform first (make run PORT={port})")
        return []
    minutes = args.load_minutes
    record, out, wall, samples = Record(), {}, Wall(), {}
    world = _world(port)
    token = _token(port)
    started = time.monotonic()
    deadline = started + minutes * 60
    threads = [threading.Thread(target=dashboard_user, args=(port, record, world, deadline, i), daemon=True)
               for i in range(args.load_users)]
    threads += [
        threading.Thread(target=wall_canvas, args=(port, record, args.load_playlist, deadline, wall), daemon=True),
        threading.Thread(target=import_job, args=(port, record, token, deadline, out), daemon=True),
        threading.Thread(target=observations, args=(port, record, token, deadline, out), daemon=True),
        threading.Thread(target=memory_sampler, args=(deadline, started + minutes * 60 * 0.2, samples), daemon=True),
    ]
    print(f"load scenario: {args.load_users} dashboard users, a wall, an import and observations for {minutes} min")
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=minutes * 60 + 600)

    rows = []
    for kind in sorted(set(record.latencies) | set(record.failures)):
        times = sorted(record.latencies[kind])
        failures = record.failures[kind]
        p50 = statistics.median(times) if times else math.nan
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))] if times else math.nan
        rows.append(report.Row("load", kind, p50, p95, f"{len(times)} ok, {len(failures)} errors "
                                                       f"{sorted(set(failures))[:3] if failures else ''}".rstrip()))
    warm_at = samples.pop("_warm_at", started)
    for name, series in sorted(samples.items()):
        warm = [rss for t, rss in series if t >= warm_at]
        if len(warm) >= 2:
            growth = (warm[-1] - warm[0]) / warm[0] * 100
            rows.append(report.Row("memory", name, math.nan, math.nan,
                                   f"RSS {warm[0] / 1024:.0f} MB after warm-up, {warm[-1] / 1024:.0f} MB at the end "
                                   f"({growth:+.1f}%)"))
    rows.append(report.Row("load", "wall staleness", math.nan, math.nan,
                           f"longest gap between fresh wall data: {wall.longest_gap_s:.1f} s "
                           f"(poll every 10 s); scenes seen: {len(wall.scenes_seen)}"))
    rows.append(report.Row("load", "import 50,000 points", math.nan, math.nan, out.get("import", "not run")))
    rows.append(report.Row("load", "observation stream", math.nan, math.nan, out.get("observations", "not run")))
    steps = _ramp(port, world, args.load_ramp_seconds)
    for clients, rps, p95, statuses in steps:
        rows.append(report.Row("tile ramp", f"{clients} connections", math.nan, p95, f"{rps:.0f} req/s {statuses}"))
    over = next((rps for _c, rps, p95, _s in steps if p95 > TILE_P95_LIMIT_MS), None)
    rows.append(report.Row("tile ramp", "p95 > 200 ms from", math.nan, math.nan,
                           f"{over:.0f} req/s" if over else f"not reached up to {steps[-1][1]:.0f} req/s"))
    return rows
