"""GET /healthz tells an operator whether the database, Redis and a Celery worker all answer; anyone
else learns only up or down (no versions, no detail strings)."""

import pytest
from django.test import Client

from tests.conftest import token_client

pytestmark = pytest.mark.django_db


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.worker
def test_healthz_is_200_when_database_redis_and_a_worker_answer(celery_worker, official):
    response = staff_client(official).get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["database"]["detail"].startswith("PostGIS 3")
    assert body["checks"]["redis"]["ok"] and body["checks"]["celery"]["ok"]
    assert response["Cache-Control"] == "no-store"


def test_healthz_is_503_and_names_the_part_that_is_down_to_staff(settings, official):
    # Redis on a port where nothing listens: the broker is down, so no worker can answer either.
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = staff_client(official).get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"]["ok"] is False and checks["celery"]["ok"] is False
    assert "127.0.0.1" not in response.content.decode()


def test_healthz_tells_an_anonymous_caller_only_that_it_is_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy"}


@pytest.mark.worker
def test_healthz_tells_an_anonymous_caller_only_that_it_is_up(celery_worker):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "PostGIS" not in response.content.decode()


def test_healthz_gives_no_details_to_a_signed_in_caller_who_is_not_staff(settings, outsider):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    assert staff_client(outsider).get("/healthz").json() == {"status": "unhealthy"}


def test_healthz_gives_details_to_a_staff_accounts_token(settings, official):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    body = token_client(official).get("/healthz").json()
    assert body["status"] == "unhealthy" and body["checks"]["redis"]["ok"] is False
