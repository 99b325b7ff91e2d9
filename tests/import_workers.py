"""Celery worker processes of our own for the import tests: on the test database, on a broker
database the test chooses, with the import settings of the test process."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.conftest import ROOT
from tests.settings import test_redis_url


def kill_broker_url() -> str:
    """A broker database no other worker listens to (the session worker uses the tests' own)."""
    return test_redis_url(3)


def start_worker(log_dir: Path, name: str, *, broker: str, visibility_timeout: int = 900,
                 env: dict[str, str] | None = None) -> subprocess.Popen:
    """`env`: settings of the test's own that the tasks must see as well (they run here, not in the test)."""
    db = settings.DATABASES["default"]
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "GEO_IOC_TEST_BASE_SETTINGS": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings"),
        "GEO_IOC_TEST_BROKER": broker,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "DATABASE_URL": f"postgis://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "LAYERS_IMPORT_DIR": str(settings.LAYERS_IMPORT_DIR),
        "LAYERS_IMPORT_BATCH": "40000",
    } | (env or {})
    log = open(log_dir / f"{name}.log", "w")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "geo_ioc", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--hostname", f"{name}-{os.getpid()}@%h", "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
