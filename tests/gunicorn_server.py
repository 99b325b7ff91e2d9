"""A real gunicorn serving geo_ioc.wsgi:application (what `make run` serves, tiles.edge included) on
the test database, for tests that need the production WSGI stack rather than Django's live server."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log, *, probe: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """gunicorn on the test database (the test's rows must be committed), once `probe` answers."""
    db = settings.DATABASES["default"]
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": (f"postgis://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}"
                         f"/{db['NAME']}"),
    } | (env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "geo_ioc.wsgi:application", "-c", "geo_ioc/gunicorn_conf.py",
         "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "8", "--worker-class", "gthread"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"gunicorn exited; see {log.name}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2):
                return proc
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    kill(proc)
    raise AssertionError("gunicorn did not answer within 60 s")


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL to the server's own process group (its master and worker), as a crash would."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
