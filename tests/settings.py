"""The project settings, with what tests need changed: Redis databases, media and cache directories of
their own, so a worker started by `make run` (which uses the same Redis) never takes a task queued by a
test, and each pytest-xdist worker (scripts/test.sh runs several) has its own as well. The test database
is suffixed per worker by pytest-django itself (test_geo_ioc_gw0, …); ports are always chosen free."""

import os
from pathlib import Path

from geo_ioc.settings import *  # noqa: F403
from geo_ioc.settings import REDIS_URL, VAR_DIR

# "gw0", "gw1", … under pytest-xdist; absent in a plain pytest run (which is worker 0).
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
TEST_WORKER_INDEX = int(TEST_WORKER.removeprefix("gw") or 0)
# Redis has 16 databases: 0 and 1 are the platform's; each test worker takes four, from the top.
TEST_WORKERS_MAX = 3
if TEST_WORKER_INDEX >= TEST_WORKERS_MAX:
    raise RuntimeError(f"at most {TEST_WORKERS_MAX} test workers: each needs Redis databases of its own")


def _redis_db(url: str, db: int) -> str:
    base, _sep, _old = url.rstrip("/").rpartition("/")
    return f"{base}/{db}" if _old.isdigit() else f"{url.rstrip('/')}/{db}"


def test_redis_url(slot: int, redis_url: str = REDIS_URL) -> str:
    """The worker's own Redis database number `slot` (0–3): 0 broker, 1 cache, 2 tiles, 3 spare
    (tests/import_workers.py's broker of the killed-worker test). `redis_url`: another Redis server,
    such as a test's own, on which a process started with these settings picks the same database."""
    return _redis_db(redis_url, 15 - 4 * TEST_WORKER_INDEX - slot)


CELERY_BROKER_URL = CELERY_RESULT_BACKEND = test_redis_url(0)
# The rate limits' and lock-outs' counters in a database of their own; off, since every test client
# shares one address: the tests of limits (test_rate_limits, test_sign_in_lockout) turn them on.
CACHES = {"default": CACHES["default"] | {"LOCATION": test_redis_url(1)}}  # noqa: F405
TILES_CACHE_URL = test_redis_url(2)
RATE_LIMIT_SUMMARY_ANONYMOUS = RATE_LIMIT_SUMMARY_SIGNED_IN = RATE_LIMIT_EXPORT_ANONYMOUS = 0
RATE_LIMIT_EXPORT_SIGNED_IN = RATE_LIMIT_SEARCH_ANONYMOUS = RATE_LIMIT_SEARCH_SIGNED_IN = 0
LOGIN_LOCKOUT_ACCOUNT_FAILURES = LOGIN_LOCKOUT_ADDRESS_FAILURES = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

# Files a test writes without a tmp_path of its own land in the worker's directory, not in the
# platform's var/media (nor in another worker's).
TEST_VAR_DIR = Path(VAR_DIR) / "test" / TEST_WORKER
MEDIA_ROOT = TEST_VAR_DIR / "media"
# A test that starts a web server or a worker of its own hands them its import directory in the
# environment (tests/import_workers.py, tests/test_redis_restart.py): every process then agrees on it.
LAYERS_IMPORT_DIR = Path(os.environ["LAYERS_IMPORT_DIR"]) if os.environ.get("LAYERS_IMPORT_DIR") else MEDIA_ROOT / "imports"
LAYERS_EXPORT_DIR = MEDIA_ROOT / "exports"
LAYERS_RASTER_DIR = MEDIA_ROOT / "rasters"
TILES_CACHE_DIR = TEST_VAR_DIR / "tiles"

# A test that starts its own beat for one periodic task (tests/test_redis_restart.py: re-sending kept
# imports) names it here, so the beat sends nothing else: the alerts poll every 5 s and the other
# periodic jobs would queue ahead of the re-sent import on the test's single worker.
if os.environ.get("GEO_IOC_BEAT_ONLY"):
    CELERY_BEAT_SCHEDULE = {name: entry for name, entry in CELERY_BEAT_SCHEDULE.items()
                            if name in os.environ["GEO_IOC_BEAT_ONLY"].split(",")}
