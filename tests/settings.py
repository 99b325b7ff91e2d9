"""The project settings, with the one change tests need: a broker database of their own, so a worker
started by `make run` (which uses the same Redis) never takes a task queued by a test."""

from geo_ioc.settings import *  # noqa: F403
from geo_ioc.settings import REDIS_URL


def _redis_db(url: str, db: int) -> str:
    base, _sep, _old = url.rstrip("/").rpartition("/")
    return f"{base}/{db}" if _old.isdigit() else f"{url.rstrip('/')}/{db}"


CELERY_BROKER_URL = CELERY_RESULT_BACKEND = _redis_db(REDIS_URL, 15)
# The rate limits' and lock-outs' counters in a database of their own; off, since every test client
# shares one address: the tests of limits (test_rate_limits, test_sign_in_lockout) turn them on.
CACHES = {"default": CACHES["default"] | {"LOCATION": _redis_db(REDIS_URL, 14)}}  # noqa: F405
RATE_LIMIT_SUMMARY_ANONYMOUS = RATE_LIMIT_SUMMARY_SIGNED_IN = RATE_LIMIT_EXPORT_ANONYMOUS = 0
RATE_LIMIT_EXPORT_SIGNED_IN = RATE_LIMIT_SEARCH_ANONYMOUS = RATE_LIMIT_SEARCH_SIGNED_IN = 0
LOGIN_LOCKOUT_ACCOUNT_FAILURES = LOGIN_LOCKOUT_ADDRESS_FAILURES = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
