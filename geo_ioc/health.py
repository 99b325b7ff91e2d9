"""GET /healthz: is every part this platform needs answering? 200 only when all of them are.

Anyone may ask (a load balancer, `make run`), but only staff (signed in, or with a staff account's
API token) are told which part failed and which versions run: to anyone else versions and timings
are a map for an attacker, so they get `{"status": "ok"}` or 503 `{"status": "unhealthy"}` only."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from geo_ioc.celery import app as celery_app
from layers.replicas import primary_only


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        detail = check()
        ok = True
    except (DatabaseError, redis.RedisError, OSError, TimeoutError) as exc:
        # The error class is enough for an operator; the message may carry hosts or paths.
        detail, ok = type(exc).__name__, False
    result = {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def _database() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT postgis_lib_version()")
        return "PostGIS " + cur.fetchone()[0]


def _redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return ""


def _celery() -> str:
    # limit=1: answer as soon as one worker replies instead of waiting out the whole timeout.
    replies = celery_app.control.ping(timeout=settings.HEALTHZ_CELERY_TIMEOUT, limit=1)
    if not replies:
        raise TimeoutError("no worker answered")
    return f"{len(replies)} worker(s)"


@require_GET
@primary_only  # it answers for the primary (a replica has its own checks: layers.replicas skips a dead one)
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _timed(_database), "redis": _timed(_redis)}
    # Pinging workers needs the broker; without Redis the answer is already known.
    checks["celery"] = _timed(_celery) if checks["redis"]["ok"] else {"ok": False, "detail": "broker down"}
    healthy = all(c["ok"] for c in checks.values())
    body = {"status": "ok" if healthy else "unhealthy"}
    if request.user.is_authenticated and request.user.is_staff:
        body["checks"] = checks
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
