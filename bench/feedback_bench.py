"""The 1022 speed goals (issue #16): KPIs per commune over 100,000 reports under 300 ms; Open311
`GET requests` of 1,000 reports under 300 ms; 5,000 reports posted through Open311 in under 60 s with
a p95 under 200 ms; 100 observations a second pushed, each in the tiles within 5 s
(bench/observation_stream.py). Over HTTP the app runs under gunicorn as `make run` serves it (3
workers) with a Celery worker (intake's and observations' coalesced version bumps are deferred
tasks), posted to by 8 clients at once. Reports are placed with the monitoring app's 2022/2025 units,
as on a platform that has them. Anchors: the budget of each goal, and, for the KPIs, the plain count
of the same reports per commune (the floor any KPI statement pays)."""

import functools
import math
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import zlib

import numpy as np
import requests
from django.contrib.auth.models import User
from django.db import connection

from bench import cpu
from bench.observation_stream import RATE, SECONDS, run_stream
from bench.report import Row, measure
from bench.tiles_servers import ours
from bench.worker import celery_worker
from feedback.kpis import kpis
from feedback.models import Report
from fixtures.feedback_demo import END, load_feedback_demo
from fixtures.load import load_layer
from fixtures.monitoring import ensure_boundaries
from fixtures.world import DEFAULT_SEED, generate_world
from fixtures.world.admin import build_admin
from fixtures.world.sampling import points_in
from layers.models import Layer
from layers.tokens import create_token

REPORTS = 100_000
POSTS = 5_000
CLIENTS = 8
WORKERS = 3
STREAM_READINGS = RATE * SECONDS


@functools.cache
def _generated():
    return generate_world()


def _world() -> None:
    """The communes (to place reports) and 100,000 reports of the 1022 demo in the bench database."""
    world = _generated()
    if not Layer.objects.filter(slug="admin-communes", feature_count__gt=0).exists():
        load_layer(world.layer("admin-communes"))
    # The monitoring app's units (2022, and the 2025 wards a report posted now is placed in).
    ensure_boundaries(lambda: build_admin(np.random.default_rng([DEFAULT_SEED, zlib.crc32(b"admin")])))
    if Report.objects.filter(received_at__lte=END).count() != REPORTS:
        started = time.perf_counter()
        done = load_feedback_demo(reports=REPORTS, replace=True)
        print(f"feedback bench: {done.reports:,} reports, {done.transitions:,} steps loaded in "
              f"{time.perf_counter() - started:.1f} s")
        # As autovacuum leaves a table that stopped changing: the visibility map set, so the KPIs'
        # index-only scans need no heap fetch.
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) feedback_report")


def _plain_count() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT commune_code, count(*) FROM feedback_report GROUP BY 1")
        cur.fetchall()


def _kpi_rows(repeat: int) -> list[Row]:
    floor_med, floor_p95 = measure(_plain_count, repeat=repeat)
    rows = [Row("1022", f"plain count per commune ({REPORTS:,} reports)", floor_med, floor_p95)]
    for by, start in (("commune", None), ("department", None), ("category", None),
                      ("commune", END - timedelta(days=365))):
        med, p95 = measure(lambda by=by, start=start: kpis(by=by, start=start, end=None, now=END), repeat=repeat)
        window = "last year" if start else "all time"
        rows.append(Row("1022", f"KPIs per {by}, {window}", med, p95,
                        f"goal < 300 ms ({med / 300:.2f} of it); {med / floor_med:.1f}× the plain count"))
    return rows


def _points(n: int) -> np.ndarray:
    rng = np.random.default_rng(311)
    communes = _generated().layer("admin-communes").features
    chosen = rng.choice(len(communes), size=n)
    return np.vstack([points_in(communes[int(i)].geom.buffer(-0.0005), 1, rng) for i in chosen])


def _http_rows(repeat: int) -> list[Row]:
    operator, _ = User.objects.get_or_create(username="bench-1022-operator", defaults={"is_staff": True})
    app, _ = User.objects.get_or_create(username="bench-1022-app")
    read_key, app_key = create_token(operator), create_token(app)
    rows = []
    with ours(workers=WORKERS, cache="none", probe="/open311/v2/services.json") as port:
        base = f"http://127.0.0.1:{port}/open311/v2"
        reader = requests.Session()
        reader.headers["Authorization"] = f"Token {read_key}"
        window = {"start_date": (END - timedelta(days=89)).isoformat(), "end_date": END.isoformat()}

        def list_requests():
            answer = reader.get(f"{base}/requests.json", params=window, timeout=30)
            assert answer.status_code == 200 and len(answer.json()) == 1000, answer.text[:200]

        med, p95 = measure(list_requests, repeat=repeat)
        rows.append(Row("1022", "GET /open311/v2/requests.json (1,000 reports)", med, p95,
                        f"goal < 300 ms ({med / 300:.2f} of it)"))
        points = _points(POSTS)
        sessions = [requests.Session() for _ in range(CLIENTS)]
        latencies: list[float] = []

        def post(i: int) -> None:
            lon, lat = points[i]
            body = {"api_key": app_key, "service_code": "giao_thong", "lat": f"{lat:.6f}", "long": f"{lon:.6f}",
                    "description": f"Bench report {i}: ổ gà", "phone": "0900000000"}
            started = time.perf_counter()
            answer = sessions[i % CLIENTS].post(f"{base}/requests.json", data=body, timeout=60)
            latencies.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 201, answer.text[:200]

        app_pid, pg_pid = cpu.listening_pid(port), cpu.postmaster_pid(connection)
        app_cpu, pg_cpu = cpu.tree_seconds(app_pid), cpu.tree_seconds(pg_pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(post, range(POSTS)))
        total = time.perf_counter() - started
        app_cpu, pg_cpu = cpu.tree_seconds(app_pid) - app_cpu, cpu.tree_seconds(pg_pid) - pg_cpu
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        rows.append(Row("1022", f"POST /open311/v2/requests.json ×{POSTS:,}, {CLIENTS} clients",
                        statistics.median(latencies), p95,
                        f"{total:.1f} s in all (goal < 60 s), {POSTS / total:.0f}/s; p95 goal < 200 ms"))
        per_post = (app_cpu + pg_cpu) / POSTS * 1000
        rows.append(Row("1022", "POST: server CPU a report (gunicorn + PostgreSQL)", per_post, math.nan,
                        f"app {app_cpu / POSTS * 1000:.1f} ms + PostgreSQL {pg_cpu / POSTS * 1000:.1f} ms: "
                        f"{2000 / per_post:.0f} reports/s if 2 cores were free; load avg {os.getloadavg()[0]:.1f}"))
    return rows


def _stream_rows() -> list[Row]:
    with ours(workers=WORKERS, cache="redis", probe="/open311/v2/services.json") as port:
        app_pid, pg_pid = cpu.listening_pid(port), cpu.postmaster_pid(connection)
        app_cpu, pg_cpu = cpu.tree_seconds(app_pid), cpu.tree_seconds(pg_pid)
        rows = run_stream(f"http://127.0.0.1:{port}")
        app_cpu, pg_cpu = cpu.tree_seconds(app_pid) - app_cpu, cpu.tree_seconds(pg_pid) - pg_cpu
    # Every request of the run: the readings' POSTs and the watcher's TileJSON and tile GETs.
    per = (app_cpu + pg_cpu) / STREAM_READINGS * 1000
    rows.append(Row("1022", "observations: server CPU a reading (gunicorn + PostgreSQL, watcher included)", per,
                    math.nan, f"app {app_cpu / STREAM_READINGS * 1000:.1f} ms + PostgreSQL "
                              f"{pg_cpu / STREAM_READINGS * 1000:.1f} ms: {2000 / per:.0f} readings/s if 2 cores "
                              f"were free; load avg {os.getloadavg()[0]:.1f}"))
    return rows


def run(args) -> list[Row]:
    _world()
    with celery_worker():
        return _kpi_rows(args.repeat) + _http_rows(args.repeat) + _stream_rows()
