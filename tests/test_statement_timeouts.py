"""No request holds a database backend for long: every connection has a statement timeout for its
kind of work, a statement past it is cancelled by PostgreSQL, and the caller gets 503
`query_timeout` in the error shape (never a 500), with the backend free and the connection usable."""

import math

import pytest
from django.db import connection, connections
from django.test import Client

from geo_ioc.statement_timeouts import use_jobs_timeout
from tests.conftest import client_for, other_session
from tests.province import TAN_AN

SUMMARY = "/api/summary/"


def circle(lon: float, lat: float, radius_deg: float, vertices: int) -> dict:
    ring = [[lon + radius_deg * math.cos(2 * math.pi * i / vertices), lat + radius_deg * math.sin(2 * math.pi * i / vertices)]
            for i in range(vertices)]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def backend_pid() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def active_queries(pid: int) -> list:
    with other_session(autocommit=True) as admin:
        return admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s AND state = 'active'", [pid]).fetchall()


def show_timeout() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW statement_timeout")
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_a_web_connection_starts_with_the_api_statement_timeout(settings):
    assert settings.DB_STATEMENT_TIMEOUT_MS == 30_000
    assert show_timeout() == "30s"


@pytest.mark.django_db(transaction=True)
def test_a_jobs_process_gives_every_connection_it_opens_the_jobs_timeout(settings):
    from django.db.backends.signals import connection_created

    try:
        use_jobs_timeout()
        connections.close_all()  # as a worker process starts: no connection yet
        assert show_timeout() == "30min"
    finally:
        connection_created.disconnect(dispatch_uid="geo_ioc.statement_timeouts.jobs")
        connections.close_all()
    assert show_timeout() == "30s"


@pytest.mark.django_db(transaction=True)
def test_a_summary_past_its_timeout_answers_503_query_timeout_and_frees_its_backend(settings, province):
    settings.LAYERS_SUMMARY_STATEMENT_TIMEOUT_MS = 1
    centre = ((TAN_AN[0] + TAN_AN[2]) / 2, (TAN_AN[1] + TAN_AN[3]) / 2)
    body = {"geometry": circle(*centre, 0.05, 19_000)}  # under the posted-polygon vertex limit
    client = client_for(None)
    response = client.post(SUMMARY, body, format="json")
    assert response.status_code == 503, response.content
    assert response.json() == {"detail": response.json()["detail"], "code": "query_timeout"}
    assert "statement" not in response.json()["detail"].lower()
    assert active_queries(backend_pid()) == []  # nothing of it still runs on the server
    settings.LAYERS_SUMMARY_STATEMENT_TIMEOUT_MS = 60_000
    again = client.post(SUMMARY, body, format="json")  # the same connection answers the next request
    assert again.status_code == 200
    assert show_timeout() == "30s"  # the summary's own limit ended with its transaction


@pytest.mark.django_db(transaction=True)
def test_a_plain_view_past_its_timeout_answers_503_query_timeout(settings, schools, official):
    settings.TILES_STATEMENT_TIMEOUT_MS = 300
    client = Client()
    client.force_login(official)  # signed in: Django's tile view, not the edge
    with other_session() as locker:
        # Another session holds the feature store: the tile's statement waits, then is cancelled.
        locker.execute("LOCK TABLE layers_feature IN ACCESS EXCLUSIVE MODE")
        response = client.get("/tiles/schools/7/101/59.pbf")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "query_timeout"
    assert client.get("/tiles/schools/7/101/59.pbf").status_code in (200, 204)
