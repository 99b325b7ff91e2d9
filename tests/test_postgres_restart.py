"""PostgreSQL restarts (an upgrade, a crash) while tiles and GeoJSON are served, planners save zones
and an import runs. On a private cluster of this module's own, behind a real gunicorn:
- errors happen only while the server is down, each a 503 `database_unavailable` in the error shape;
- the web recovers by itself, without a restart;
- every zone the API accepted (201) is there afterwards;
- the import either completed or failed cleanly, and a retry of it completes; the periodic sweeper
  drops what the failed attempt left."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT, wait_for
from tests.gunicorn_server import free_port, kill, start_server
from tests.import_files import point_feature, write_geojson
from tests.private_postgres import start_primary

SLUG = "tram-khi-tuong"
ZONES = "vung-quy-hoach-khoi-dong-lai"


def manage(primary, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": primary.url()}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=check,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def primary(django_db_setup):
    cluster = start_primary()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="module")
def token(primary):
    done = manage(primary, "shell", "-c", (
        "from django.contrib.auth.models import User; from django.contrib.gis.geos import Point;"
        "from layers.catalog import publish_changes; from layers.models import Feature, Layer;"
        "from layers.tokens import create_token; from tests.departments import make_department;"
        f"layer = Layer.objects.create(slug='{SLUG}', title_vi='Trạm', title_en='Stations', domain='environment',"
        " geometry_type='Point', access='public');"
        "Feature.objects.bulk_create([Feature(layer=layer, source_id=str(i), geom=Point(106.40 + i / 1000, 10.54,"
        " srid=4326), properties={'n': i}) for i in range(50)]); publish_changes(layer);"
        "planner = User.objects.create_user('planner-restart', is_staff=True);"
        f"zones = Layer.objects.create(slug='{ZONES}', title_vi='Vùng', title_en='Zones', domain='zones',"
        " geometry_type='Polygon', access='internal');"
        "make_department('xay-dung', stewards=(planner,), owns=(zones,));"
        "print(create_token(planner))"
    ))
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def server(primary, token, tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("restart-web") / "gunicorn.log", "w")
    proc = start_server(port, log, probe="/api/layers/", env={
        "DATABASE_URL": primary.url(), "TILES_CACHE": "none", "LAYERS_ZONES_LAYER": ZONES,
    })
    yield f"http://127.0.0.1:{port}"
    kill(proc)
    log.close()


def call(url: str, *, body: dict | None = None, token: str | None = None) -> tuple[int, dict | None]:
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"} if body else {})
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            raw = answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw) if raw and raw[:1] in b"{[" else None
    except ValueError:
        return status, None


def import_running(primary) -> bool:
    with primary.connect() as conn:
        return conn.execute("SELECT status = 'running' AND progress > 0 FROM layers_importjob"
                            " WHERE layer_slug = 'quan-trac-khoi-dong-lai'").fetchone() == (True,)


class Traffic(threading.Thread):
    """Tiles, GeoJSON and zone saves in a loop, each answer recorded with when it came."""

    def __init__(self, server: str, token: str):
        super().__init__(daemon=True)
        self.server, self.token, self.stop = server, token, threading.Event()
        self.answers: list[tuple[float, str, int, dict | None]] = []
        self.zones: list[int] = []

    def run(self):
        square = {"type": "Polygon", "coordinates": [[[106.40, 10.50], [106.41, 10.50], [106.41, 10.51],
                                                      [106.40, 10.51], [106.40, 10.50]]]}
        n = 0
        while not self.stop.is_set():
            n += 1
            for kind, url, body in (
                ("tile", f"{self.server}/tiles/{SLUG}/12/3258/1927.pbf", None),
                ("geojson", f"{self.server}/api/layers/{SLUG}/features/", None),
                ("zone", f"{self.server}/api/zones/", {"name": f"Vùng {n}", "geometry": square}),
            ):
                status, body_json = call(url, body=body, token=self.token if body else None)
                self.answers.append((time.monotonic(), kind, status, body_json))
                if kind == "zone" and status == 201:
                    self.zones.append(body_json["id"])


def test_a_postgresql_restart_is_survived(primary, token, server, tmp_path):
    path = write_geojson(tmp_path, [point_feature(f"o{i}", 106.4 + (i % 500) / 10_000, 10.6, v=i)
                                    for i in range(60_000)])
    traffic = Traffic(server, token)
    traffic.start()
    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import_layer", str(path), "--layer", "quan-trac-khoi-dong-lai",
         "--title", "Quan trắc", "--domain", "environment"],
        cwd=ROOT, env=os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": primary.url()},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: len(traffic.answers) >= 9, 60, "traffic before the restart")
        wait_for(lambda: import_running(primary), 120, "the import to run")
        down = time.monotonic()
        primary.stop()
        primary.start()
        up = time.monotonic()
        # The web recovers by itself: tiles and GeoJSON answer again.
        wait_for(lambda: any(t > up and k == "geojson" and s == 200 for t, k, s, _b in traffic.answers), 60,
                 "GeoJSON after the restart")
        wait_for(lambda: any(t > up and k == "tile" and s in (200, 204) for t, k, s, _b in traffic.answers), 60,
                 "a tile after the restart")
        wait_for(lambda: any(t > up and k == "zone" and s == 201 for t, k, s, _b in traffic.answers), 60,
                 "a zone saved after the restart")
    finally:
        traffic.stop.set()
        traffic.join(timeout=120)
        imported = importer.communicate(timeout=600)[0]

    failures = [(t, k, s, b) for t, k, s, b in traffic.answers if s not in (200, 201, 204)]
    for when, _kind, status, body in failures:
        assert status == 503 and body["code"] == "database_unavailable", (status, body)
        # A request that started before the stop may fail as it ends; none fails once the server is
        # back and a second has passed for the request that was already waiting on it.
        assert down - 60 < when < up + 1.0, (when - up, status, body)
    assert traffic.answers[-1][2] in (200, 201, 204)

    # Every zone the API accepted is there.
    saved = json.loads(manage(primary, "shell", "-c", (
        "import json; from layers.models import Feature;"
        f"print(json.dumps(list(Feature.objects.filter(layer__slug='{ZONES}').values_list('id', flat=True))))"
    )).stdout.strip().splitlines()[-1])
    assert set(traffic.zones) <= set(saved) and traffic.zones

    # The import completed, or failed without publishing half of it; run again, it completes.
    count = lambda: int(manage(primary, "shell", "-c", (  # noqa: E731
        "from layers.models import Layer;"
        "print(Layer.objects.filter(slug='quan-trac-khoi-dong-lai').values_list('feature_count', flat=True)"
        ".first() or 0)")).stdout.strip().splitlines()[-1])
    if importer.returncode != 0:
        assert count() == 0, imported
        manage(primary, "import_layer", str(path), "--layer", "quan-trac-khoi-dong-lai", "--title", "Quan trắc",
               "--domain", "environment")
    assert count() == 60_000
    # What a failed attempt could not drop while the server was down, the periodic sweeper does.
    manage(primary, "shell", "-c", "from layers import history; history.sweep()")
    with primary.connect() as conn:
        leftover = "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname ~ '^layers_feature_import_[0-9]+$'"
        assert conn.execute(leftover).fetchone()[0] == 0
