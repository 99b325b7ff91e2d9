"""The project settings, with the one change tests need: a broker database of their own, so a worker
started by `make run` (which uses the same Redis) never takes a task queued by a test."""

from geo_ioc.settings import *  # noqa: F403
from geo_ioc.settings import REDIS_URL


def _redis_db(url: str, db: int) -> str:
    base, _sep, _old = url.rstrip("/").rpartition("/")
    return f"{base}/{db}" if _old.isdigit() else f"{url.rstrip('/')}/{db}"


CELERY_BROKER_URL = CELERY_RESULT_BACKEND = _redis_db(REDIS_URL, 15)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
