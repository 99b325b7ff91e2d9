"""100 observations a second pushed continuously to `POST /api/layers/{slug}/observations/` (one
reading a request, as a sensor sends them), each to be visible in the layer's vector tiles within
5 s (issue #16). The app runs under gunicorn with the Redis tile cache, as `make run` serves it, and a
Celery worker (the coalesced version bumps are deferred tasks): a reading counts as visible when a
tile fetched through the layer's TileJSON — its URL carries the layer's version, so a cached tile
never hides a published reading — holds it. Measured per reading: from its POST's answer to the
first poll (every 200 ms) that saw it."""

import math
import threading
import time
from datetime import UTC, datetime

import mapbox_vector_tile
import requests
from django.contrib.auth.models import Group, User

from bench.report import Row
from layers.catalog import delete_layer, publish_changes
from layers.models import Department, Layer
from layers.tokens import create_token

SLUG = "bench-observation-stream"
SCHEMA = [
    {"name": "station_code", "type": "string", "label_vi": "Trạm", "label_en": "Station"},
    {"name": "seq", "type": "integer", "label_vi": "Số thứ tự", "label_en": "Sequence"},
]
RATE = 100  # readings a second
SECONDS = 30
# Enough senders that the pace, not their answer time, sets the rate: 6 sending one after another
# topped out at ~80 a second with answers of ~70 ms on a loaded machine.
SENDERS = 12
POLL = 0.2
# The readings fall inside one z12 tile near Tân An.
ZOOM, WEST, SOUTH, SIZE = 12, 106.405, 10.535, 0.03


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def _layer_and_key() -> tuple[Layer, str]:
    old = Layer.objects.filter(slug=SLUG).first()
    if old is not None:
        delete_layer(old)
    group, _ = Group.objects.get_or_create(name="dept-bench-sensors")
    department, _ = Department.objects.get_or_create(code="bench-sensors", defaults={
        "group": group, "name_vi": "Trạm đo (bench)", "name_en": "Sensors (bench)"})
    user, _ = User.objects.get_or_create(username="bench-sensor", defaults={"is_staff": True})
    user.groups.add(group)
    department.stewards.add(user)
    layer = Layer.objects.create(slug=SLUG, title_vi="Quan trắc (bench)", title_en="Readings (bench)",
                                 domain="environment", geometry_type="Point", property_schema=SCHEMA,
                                 time_kind="instant", access="public", owner=department,
                                 style={"type": "circle", "color": "#1f78b4"})
    return publish_changes(layer), create_token(user)


def run_stream(base: str) -> list[Row]:
    layer, key = _layer_and_key()
    x, y = _tile_of(WEST + SIZE / 2, SOUTH + SIZE / 2, ZOOM)
    answered: dict[int, float] = {}
    seen: dict[int, float] = {}
    failures: list[str] = []
    post_ms: list[float] = []
    lock = threading.Lock()
    total = RATE * SECONDS
    counter = iter(range(total))
    started = time.monotonic() + 0.5

    def send() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {key}"
        for seq in counter:  # the shared iterator hands each index to one sender
            wait = started + seq / RATE - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            lon, lat = WEST + SIZE * ((seq * 37) % 101) / 101, SOUTH + SIZE * ((seq * 53) % 103) / 103
            body = {"type": "Feature", "id": f"r-{seq}", "time": datetime.now(UTC).isoformat(),
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {"station_code": f"B{seq % 20}", "seq": seq}}
            sent = time.monotonic()
            answer = session.post(f"{base}/api/layers/{SLUG}/observations/", json=body, timeout=30)
            done = time.monotonic()
            with lock:
                post_ms.append((done - sent) * 1000)
                if answer.status_code in (200, 201):
                    answered[seq] = done
                else:
                    failures.append(f"{answer.status_code} {answer.text[:120]}")

    stop = threading.Event()

    def watch() -> None:
        session = requests.Session()
        while not stop.is_set():
            polled = time.monotonic()
            template = session.get(f"{base}/tiles/{SLUG}.json", timeout=30).json()["tiles"][0]
            if template.startswith("/"):
                template = base.split("/", 3)[0] + "//" + base.split("/", 3)[2] + template
            url = template.replace("{z}", str(ZOOM)).replace("{x}", str(x)).replace("{y}", str(y))
            answer = session.get(url, timeout=30)
            if answer.status_code == 200:
                for tile_layer in mapbox_vector_tile.decode(answer.content).values():
                    for feature in tile_layer["features"]:
                        seq = feature["properties"].get("seq")
                        if seq is not None and seq not in seen:
                            seen[int(seq)] = polled
            stop.wait(max(0.0, POLL - (time.monotonic() - polled)))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    senders = [threading.Thread(target=send) for _ in range(SENDERS)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    pushed_in = time.monotonic() - started
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not set(answered) <= set(seen):
        time.sleep(0.2)
    stop.set()
    watcher.join(timeout=30)
    # A poll that began before the reading's answer saw it committed earlier: it counts as 0.
    delays = sorted(max(0.0, seen[s] - answered[s]) for s in answered if s in seen)
    missing = len(answered) - len(delays)
    layer.refresh_from_db()
    if not delays:
        return [Row("1022", "observations pushed: none seen in tiles", math.nan, math.nan, "; ".join(failures[:3]))]
    p50, p95, worst = (delays[len(delays) // 2] * 1000, delays[int(0.95 * (len(delays) - 1))] * 1000,
                       delays[-1] * 1000)
    post_ms.sort()
    return [
        Row("1022", f"observations: {len(answered):,} pushed at {len(answered) / pushed_in:.0f}/s "
                    f"(asked {RATE}/s), answer time", post_ms[len(post_ms) // 2], post_ms[int(0.95 * (len(post_ms) - 1))],
            f"{len(failures)} refused"),
        Row("1022", "observations: from the answer to seen in a tile", p50, p95,
            f"worst {worst / 1000:.1f} s (goal < 5 s); {missing} never seen; "
            f"{layer.version} versions for {layer.feature_count:,} readings"),
    ]
