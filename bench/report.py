"""Timing helpers and the one printed table."""

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Row:
    group: str
    name: str
    median_ms: float
    p95_ms: float
    note: str = ""


def measure(fn: Callable[[], object], *, repeat: int, warmup: int = 2) -> tuple[float, float]:
    """Median and p95 wall time in milliseconds over `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def print_table(rows: list[Row]) -> None:
    width = max(len(r.name) for r in rows)
    print()
    print(f"{'group':<10} {'measurement':<{width}} {'median ms':>10} {'p95 ms':>9}  note")
    print("-" * (width + 45))
    for r in rows:
        print(f"{r.group:<10} {r.name:<{width}} {r.median_ms:>10.2f} {r.p95_ms:>9.2f}  {r.note}")
    print()
