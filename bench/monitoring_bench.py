"""The speed goals of monitoring (issue #14), on the demo's values (2022-01 to 2026-11, 49 indicators):

- `/values/` of one indicator, all 188 communes × 42 months: under 100 ms p50;
- a submission of 10,000 rows, previewed and published (the layer rewritten): under 5 s;
- re-aggregating 42 months of every indicator onto the 2025 set: under 2 s;
- a choropleth tile of an indicator within the overhead of another polygon layer's tile (the
  communes' layer, same z/x/y, same code path).
"""

import csv
import io
import os
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings

from bench.cpu import backend_seconds
from bench.report import Row, measure
from fixtures.load import load_layer
from fixtures.monitoring import load_demo_monitoring
from fixtures.world import generate_world
from layers.models import Department, Layer
from monitoring.layers import refresh_features, sync_layer
from monitoring.models import AdminUnit, BoundaryVersion, Indicator, Service, Value
from monitoring.values import Window, read_many_json

TILE = "9/407/240"  # Tân An and the communes around it


def _ensure_world() -> None:
    if not Layer.objects.filter(slug="admin-communes", feature_count__gt=0).exists():
        world = generate_world()
        load_layer(next(spec for spec in world.layers if spec.slug == "admin-communes"))
    if not Value.objects.exists():
        load_demo_monitoring(seed=2022, layers="none", progress=print)


def _steward() -> User:
    user, _ = User.objects.get_or_create(username="bench-steward", defaults={"is_staff": True})
    department = Department.objects.get(code="000.00.10.H39")
    user.groups.add(department.group)
    department.stewards.add(user)
    return user


def _weekly_indicator() -> Indicator:
    service = Service.objects.get(slug="kinh-te-xa-hoi")
    indicator, _ = Indicator.objects.get_or_create(
        slug="bench-weekly-count", defaults={"service": service, "title_vi": "Đếm hằng tuần (bench)",
                                             "title_en": "Weekly count (bench)", "unit": "lượt",
                                             "period_type": "week", "access": "internal"})
    sync_layer(indicator)
    return indicator


def _ten_thousand_rows(run: int) -> bytes:
    codes = list(AdminUnit.objects.filter(version__code="2022", level="commune").order_by("code")
                 .values_list("code", flat=True))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["unit", "period", "value"])
    monday, rows = date(2024, 1, 1), 0
    while rows < 10_000:
        year, week, _ = monday.isocalendar()
        for code in codes[: 10_000 - rows]:
            writer.writerow([code, f"{year}-W{week:02d}", (rows * 7 + run) % 500])
            rows += 1
        monday += timedelta(days=7)
    return out.getvalue().encode()


class CpuClock:
    """CPU milliseconds of one run of a measured function: this process's (Python: the views, the
    client) and its database backend's. On this shared machine the wall time says how busy the
    machine was; the CPU time says what the code costs, and how fast it goes with the cores to itself."""

    def __init__(self) -> None:
        self.backend = backend_seconds(connection)
        self.runs: list[tuple[float, float]] = []

    def timed(self, fn: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            python, backend = time.process_time(), self.backend()
            fn()
            self.runs.append(((time.process_time() - python) * 1000, (self.backend() - backend) * 1000))
        return run

    def note(self, last: int) -> str:
        """The median CPU of the `last` runs (the timed ones, after the warm-up)."""
        python = statistics.median(p for p, _b in self.runs[-last:])
        backend = statistics.median(b for _p, b in self.runs[-last:])
        self.runs.clear()
        return f"CPU {python + backend:.0f} ms (Python {python:.0f} + PostgreSQL {backend:.0f})"


def _verdict(median_ms: float, goal_ms: float, label: str) -> str:
    met = "MET" if median_ms < goal_ms else "NOT MET"
    return f"goal {label}: {met} ({median_ms / goal_ms:.2f}× the goal) at load {os.getloadavg()[0]:.1f}"


def run(args) -> list[Row]:
    _ensure_world()
    rows: list[Row] = []
    client = Client(HTTP_HOST="127.0.0.1")
    public = Indicator.objects.get(slug="tourist-arrivals")
    new = BoundaryVersion.objects.get(code="2025")

    def values() -> None:
        response = client.get(f"/api/indicators/{public.slug}/values/", {"boundary": "2022", "to": "2025-06"})
        assert response.status_code == 200

    cpu = CpuClock()
    median, p95 = measure(cpu.timed(values), repeat=args.repeat)
    rows.append(Row("monitoring", "GET /values/ 188 units × 42 months", median, p95,
                    f"{_verdict(median, 100, 'p50 < 100 ms')}; {cpu.note(args.repeat)}"))

    indicators = list(Indicator.objects.exclude(slug="bench-weekly-count"))

    def reaggregate() -> None:
        found = read_many_json(indicators, boundary=new, window=Window(last=date(2025, 6, 1)))
        assert len(found) == len(indicators)

    repeat = max(3, args.repeat // 5)
    median, p95 = measure(cpu.timed(reaggregate), repeat=repeat, warmup=1)
    rows.append(Row("monitoring", f"re-aggregate 42 months × {len(indicators)} indicators → 2025", median, p95,
                    f"{_verdict(median, 2000, '< 2,000 ms')}; {cpu.note(repeat)}"))

    steward = Client(HTTP_HOST="127.0.0.1")
    steward.force_login(_steward())
    weekly = _weekly_indicator()
    timings = []
    for attempt in range(3):
        data = _ten_thousand_rows(attempt)

        def submit() -> None:
            preview = steward.post("/api/indicators/submissions/", {
                "indicator": weekly.slug, "file": SimpleUploadedFile("bench.csv", data)})
            assert preview.status_code == 201 and preview.json()["counts"]["matched"] == 10_000, preview.content[:300]
            published = steward.post(f"/api/indicators/submissions/{preview.json()['id']}/publish")
            assert published.status_code == 200

        started = time.perf_counter()
        cpu.timed(submit)()
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    rows.append(Row("monitoring", "submission of 10,000 rows: preview + publish", median, max(timings),
                    f"{_verdict(median, 5000, '< 5,000 ms (median of 3)')}; {cpu.note(3)}"))

    pm25 = Indicator.objects.get(slug="pm25")
    refresh_features(pm25)
    pm25.refresh_from_db()
    with override_settings(TILES_CACHE="none"):
        def tile(slug: str, **params) -> None:
            response = client.get(f"/tiles/{slug}/{TILE}.pbf", params)
            assert response.status_code in (200, 204)

        communes_med, communes_p95 = measure(lambda: tile("admin-communes"), repeat=args.repeat)
        choropleth_med, choropleth_p95 = measure(lambda: tile(pm25.layer.slug, datetime="2025-08-15"),
                                                 repeat=args.repeat)
        # A month before the change: the 2022 communes' own polygons, as in the communes' layer.
        old_med, old_p95 = measure(lambda: tile(pm25.layer.slug, datetime="2024-08-15"), repeat=args.repeat)
    rows.append(Row("monitoring", f"tile {TILE} of the communes' layer", communes_med, communes_p95))
    rows.append(Row("monitoring", f"tile {TILE} of an indicator (one month, 2025 set)", choropleth_med,
                    choropleth_p95, f"ratio to the communes' tile {choropleth_med / communes_med:.2f}"))
    rows.append(Row("monitoring", f"tile {TILE} of an indicator (one month, 2022 set)", old_med, old_p95,
                    f"ratio to the communes' tile {old_med / communes_med:.2f}"))
    return rows
