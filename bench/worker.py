"""A Celery worker on the bench database (one process, as `make run` starts one), for benches whose
path goes through a deferred task (the coalesced version bumps of live writes)."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def celery_worker():
    from geo_ioc.celery import app

    log_dir = ROOT / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "geo_ioc.settings"}
    with open(log_dir / "bench-celery.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "geo_ioc", "worker", "--pool", "solo", "--loglevel", "WARNING",
             "--hostname", f"bench-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(timeout=0.5, destination=[f"bench-{os.getpid()}@{os.uname().nodename}"]):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the bench's Celery worker did not start; see {log_dir / 'bench-celery.log'}")
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
