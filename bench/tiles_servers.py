"""The servers the tiles bench compares, each on 127.0.0.1 with the same number of worker processes:
our Django app under gunicorn as `make run` starts it (geo_ioc/gunicorn_conf.py, an access log), tipg
and titiler under uvicorn. Each is stopped when its block ends."""

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from bench.tiles_load import wait_until_up

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# Set in this process by layers.gdal_env for Django; the anchors run with GDAL's defaults.
_GDAL_HARDENING = ("GDAL_SKIP", "GDAL_PAM_ENABLED", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS", "GDAL_HTTP_MAX_RETRY",
                   "GDAL_HTTP_TIMEOUT", "OGR_SQLITE_LOAD_EXTENSIONS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _server(command: list[str], env: dict, probe: str):
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    log_dir = ROOT / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"bench-{Path(command[0]).name}-{port}.log", "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            wait_until_up(port, probe)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def ours(*, workers: int, cache: str, probe: str):
    """The Django app as `make run` serves it (scripts/app.sh: gunicorn with geo_ioc/gunicorn_conf.py
    and an access log), on the bench database."""
    env = os.environ | {"TILES_CACHE": cache, "DJANGO_SETTINGS_MODULE": "geo_ioc.settings", "DEBUG": "false"}
    access_log = ROOT / "var" / "log" / "bench-gunicorn-access.log"
    access_log.parent.mkdir(parents=True, exist_ok=True)
    access_log.write_text("")  # the last server's requests only
    command = [str(VENV_BIN / "gunicorn"), "geo_ioc.wsgi:application", "-c", str(ROOT / "geo_ioc" / "gunicorn_conf.py"),
               "--bind", "127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", str(access_log),
               "--log-level", "warning"]
    with _server(command, env, probe) as port:
        yield port


def _anchor_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _GDAL_HARDENING}
    return env


@contextmanager
def tipg(*, workers: int, tables: list[str]):
    env = _anchor_env() | {
        "DATABASE_URL": os.environ["DATABASE_URL"].replace("postgis://", "postgresql://", 1),
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": "[" + ",".join(f'"public.{t}"' for t in tables) + "]",
    }
    command = [str(VENV_BIN / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", "{port}",
               "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    with _server(command, env, "/collections") as port:
        yield port


@contextmanager
def titiler(*, workers: int, probe: str):
    command = [str(VENV_BIN / "uvicorn"), "bench.tiles_titiler_app:app", "--host", "127.0.0.1", "--port", "{port}",
               "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    with _server(command, _anchor_env(), probe) as port:
        yield port
