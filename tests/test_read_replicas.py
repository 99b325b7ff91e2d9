"""Read-only work goes to a real streaming replica (DATABASE_REPLICA_URLS): a private primary and a
`pg_basebackup -R` replica of it, started by this module on ports of their own, behind a real
gunicorn. The replica logs every statement, so the test sees which server answered. A replica that
lags behind a layer's version, or is down, is skipped; a request that wrote reads from the primary."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import ROOT, wait_for
from tests.gunicorn_server import free_port, kill, start_server
from tests.private_postgres import start_primary, start_replica


SLUG = "cho-noi-replica"


def on_primary(primary, code: str) -> str:
    """Run Django code against the private primary (the project's settings, its DATABASE_URL)."""
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": primary.url()}
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1]  # the last line printed (the shell may print notes first)


@pytest.fixture(scope="module")
def clusters(tmp_path_factory, django_db_setup, django_db_blocker):
    primary = start_primary()
    replica = None
    try:
        token = on_primary(primary, (
            "from django.contrib.auth.models import User; from django.contrib.gis.geos import Point;"
            "from layers.catalog import publish_changes; from layers.models import Feature, Layer;"
            "from layers.tokens import create_token;"
            f"layer = Layer.objects.create(slug='{SLUG}', title_vi='Chợ nổi', title_en='Floating markets',"
            " domain='tourism', geometry_type='Point', access='public');"
            "Feature.objects.bulk_create([Feature(layer=layer, source_id=str(i), geom=Point(106.40 + i / 100, 10.54,"
            " srid=4326), properties={'name': 'Chợ %s' % i}) for i in range(3)]);"
            "publish_changes(layer);"
            "print(create_token(User.objects.create_user('app-replica')))"
        ))
        replica = start_replica(primary)
        yield primary, replica, token
    finally:
        for cluster in (replica, primary):
            if cluster is not None:
                cluster.remove()


@pytest.fixture(scope="module")
def server(clusters, tmp_path_factory):
    primary, replica, _token = clusters
    port = free_port()
    log = open(tmp_path_factory.mktemp("replica-web") / "gunicorn.log", "w")
    proc = start_server(port, log, probe="/api/layers/", env={
        "DATABASE_URL": primary.url(), "DATABASE_REPLICA_URLS": replica.url(), "TILES_CACHE": "none",
        "REPLICA_RETRY_S": "0",
    })
    yield f"http://127.0.0.1:{port}"
    kill(proc)
    log.close()


def version_on(cluster) -> int | None:
    with cluster.connect() as conn:
        row = conn.execute("SELECT version FROM layers_layer WHERE slug = %s", [SLUG]).fetchone()
    return row[0] if row else None


def caught_up(primary, replica) -> None:
    wait_for(lambda: version_on(replica) == version_on(primary), 30, "the replica to replay the primary")


def features(server: str, token: str | None = None) -> list[str]:
    request = urllib.request.Request(f"{server}/api/layers/{SLUG}/features/")
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return sorted(f["properties"]["name"] for f in json.load(answer)["features"])


class ReplicaLog:
    """The statements the replica ran since the last look."""

    def __init__(self, replica):
        self.path, self.seen = replica.log, replica.log.stat().st_size

    def new(self) -> str:
        with open(self.path, "rb") as log:
            log.seek(self.seen)
            text = log.read().decode("utf-8", "replace")
        self.seen += len(text.encode())
        return text


def test_reads_go_to_the_replica_and_skip_it_when_it_lags_or_is_down(clusters, server):
    primary, replica, token = clusters
    caught_up(primary, replica)
    log = ReplicaLog(replica)

    # GeoJSON and tiles: built on the replica.
    assert features(server) == ["Chợ 0", "Chợ 1", "Chợ 2"]
    assert "layers_feature" in log.new()
    with urllib.request.urlopen(f"{server}/tiles/{SLUG}/12/3258/1927.pbf", timeout=30) as tile:
        assert tile.status in (200, 204)
    assert "ST_AsMVT" in log.new()

    # The replica stops replaying: the layer's next version is on the primary only. Reads of it are
    # not served stale from the replica but from the primary.
    with replica.connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    with primary.connect() as conn:
        conn.execute("INSERT INTO layers_feature (layer_id, source_id, geom, properties)"
                     " SELECT id, '3', ST_SetSRID(ST_MakePoint(106.45, 10.54), 4326), '{\"name\": \"Chợ 3\"}'"
                     " FROM layers_layer WHERE slug = %s", [SLUG])
        conn.execute("UPDATE layers_layer SET version = version + 1, feature_count = 4 WHERE slug = %s", [SLUG])
    log.new()
    assert features(server) == ["Chợ 0", "Chợ 1", "Chợ 2", "Chợ 3"]
    assert "layers_feature" not in log.new()

    with replica.connect() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    caught_up(primary, replica)
    log.new()
    assert features(server) == ["Chợ 0", "Chợ 1", "Chợ 2", "Chợ 3"]
    assert "layers_feature" in log.new()

    # A request that wrote (an app token's first use records it) reads from the primary after that.
    assert len(features(server, token)) == 4
    assert "layers_feature" not in log.new()
    assert len(features(server, token)) == 4  # used a moment ago: no write this time, the replica serves
    assert "layers_feature" in log.new()

    # The replica goes down: the primary serves, no error.
    replica.stop()
    try:
        assert features(server) == ["Chợ 0", "Chợ 1", "Chợ 2", "Chợ 3"]
        with urllib.request.urlopen(f"{server}/tiles/{SLUG}/12/3258/1927.pbf", timeout=30) as tile:
            assert tile.status in (200, 204)
    finally:
        replica.start()
    caught_up(primary, replica)
    log.new()
    assert len(features(server)) == 4
    assert "layers_feature" in log.new()
