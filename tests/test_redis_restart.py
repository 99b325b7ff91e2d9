"""Redis (the broker and the tile cache) stops and starts again — a Redis of this module's own, behind
a real gunicorn, a real Celery worker and beat. Meanwhile tiles are served uncached, and an import
uploaded while Redis is down is accepted, kept queued, sent again once Redis is back (beat's
requeue_imports) and run once."""

import json
import os
import subprocess
import sys
import uuid
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import User

from layers.models import ImportJob, Layer
from layers.tokens import create_token
from tests.conftest import ROOT, add_features, make_layer, wait_for
from tests.departments import make_department
from tests.gunicorn_server import free_port, kill, start_server
from tests.import_workers import start_worker
from tests import settings as test_settings

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Redis:
    def __init__(self, directory):
        self.port, self.directory = free_port(), directory

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
                        "--save", "", "--appendonly", "yes", "--daemonize", "yes",
                        "--pidfile", str(self.directory / "redis.pid")], check=True, capture_output=True)
        wait_for(self.answers, 30, "Redis to answer")

    def stop(self) -> None:
        # SHUTDOWN keeps the append-only file: what was queued before the stop is still there after it.
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown"], capture_output=True)
        wait_for(lambda: not self.answers(), 30, "Redis to stop")

    def answers(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() == b"PONG"


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path)
    server.start()
    yield server
    server.stop()


def upload(url: str, token: str, name: str, content: bytes, fields: dict[str, str]) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: application/geo+json\r\n\r\n".encode() + content + b"\r\n")
    request = urllib.request.Request(url, data=b"".join(parts) + f"--{boundary}--\r\n".encode(), headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_import_uploaded_while_redis_is_down_runs_once_it_is_back(redis, import_dir, tmp_path):
    steward = User.objects.create_user("steward-redis", is_staff=True)
    make_department("moi-truong", stewards=(steward,))
    token = create_token(steward)
    add_features(make_layer("truong-redis"), [("s1", "POINT(106.41 10.54)", {"name": "Trường"})])

    env = {"REDIS_URL": redis.url(0), "LAYERS_IMPORT_DIR": str(import_dir), "LAYERS_REQUEUE_AFTER_S": "1",
           "LAYERS_REQUEUE_INTERVAL_S": "1", "GEO_IOC_BEAT_ONLY": "layers-requeue-imports"}
    port = free_port()
    web_log = open(tmp_path / "web.log", "w")
    web = start_server(port, web_log, probe="/api/layers/", env=env)
    # The web server and beat run on tests.settings, whose broker is this pytest worker's own database
    # (gw0: 15, gw1: 11) of REDIS_URL: the worker listens on that same database of this Redis.
    # The re-sending task runs in the worker: it too must take a job as stale after 1 s, not 60.
    worker = start_worker(tmp_path, "worker-redis", broker=test_settings.test_redis_url(0, redis.url(0)), env=env)
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "geo_ioc", "beat", "--loglevel", "INFO",
         "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=os.environ | env | {"DJANGO_SETTINGS_MODULE": "tests.settings"},
        stdout=open(tmp_path / "beat.log", "w"), stderr=subprocess.STDOUT)
    server = f"http://127.0.0.1:{port}"
    try:
        redis.stop()
        # Tiles are served, uncached.
        with urllib.request.urlopen(f"{server}/tiles/truong-redis/12/3258/1927.pbf", timeout=30) as tile:
            assert tile.status == 200
        # The upload is accepted and kept.
        geojson = json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "a"}, "geometry": {"type": "Point", "coordinates": [106.4, 10.5]}}]})
        status, body = upload(f"{server}/api/imports/", token, "tram.geojson", geojson.encode(),
                              {"layer": "tram-redis", "title": "Trạm", "domain": "environment",
                               "department": "moi-truong"})
        assert status == 202, body
        job_id = body["id"]
        assert ImportJob.objects.get(pk=job_id).status == "queued"

        redis.start()
        wait_for(lambda: ImportJob.objects.get(pk=job_id).status == "succeeded", 120,
                 "the kept job to run once Redis is back")
        job = ImportJob.objects.get(pk=job_id)
        assert job.attempts == 1  # sent again, perhaps more than once, run once
        assert Layer.objects.get(slug="tram-redis").feature_count == 1
    finally:
        for proc in (beat, worker):
            proc.terminate()
            proc.wait(timeout=60)
        kill(web)
        web_log.close()
