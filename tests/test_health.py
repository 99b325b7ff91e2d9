"""GET /healthz tells an operator whether the database, Redis and a Celery worker all answer."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.worker
def test_healthz_is_200_when_database_redis_and_a_worker_answer(celery_worker):
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["database"]["detail"].startswith("PostGIS 3")
    assert body["checks"]["redis"]["ok"] and body["checks"]["celery"]["ok"]
    assert response["Cache-Control"] == "no-store"


def test_healthz_is_503_and_names_the_part_that_is_down(settings):
    # Redis on a port where nothing listens: the broker is down, so no worker can answer either.
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"]["ok"] is False and checks["celery"]["ok"] is False
    assert "127.0.0.1" not in response.content.decode()
