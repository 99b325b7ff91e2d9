"""The tile edge (tiles.edge): anonymous tile requests answered before Django's request cycle, through
the WSGI application gunicorn serves (geo_ioc.wsgi), with a real Redis and committed rows.

What it must never do: serve a tile the one access function would refuse, or answer anything but an
anonymous tile whose access answer is remembered and current. Everything else reaches Django, which
these tests watch."""

import gzip
import json
import io

import mapbox_vector_tile
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

from layers.models import Access
from layers.tokens import create_token
from tests.conftest import other_session
from tiles.edge import TileEdge

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/tiles/schools/7/101/60.pbf"


class Watched:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self):
        self.django = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


@pytest.fixture
def served():
    django = Watched()
    return TileEdge(django), django


class Reply:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes):
        self.status = int(status.split()[0])
        self.headers = dict(headers)
        self.body = body


def get(app, url: str, **headers) -> Reply:
    environ = RequestFactory().get(url, headers=headers).environ
    environ["wsgi.input"] = io.BytesIO(b"")
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"], started["headers"] = status, response_headers

    chunks = app(environ, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return Reply(started["status"], started["headers"], body)


def warm(app, url: str, **headers) -> None:
    """Render and cache the tile, and let Django remember the access answer for the public scope."""
    for _ in range(2):
        assert get(app, url, **headers).status in (200, 204)


def test_an_anonymous_cache_hit_never_reaches_django_and_asks_no_query(served, schools, django_assert_num_queries):
    app, django = served
    first = get(app, URL)
    assert first.status == 200 and first.headers["X-Tile-Cache"] == "miss"
    warm(app, URL)
    calls = django.calls
    with django_assert_num_queries(0):
        hit = get(app, URL)
    assert django.calls == calls
    assert hit.status == 200 and hit.headers["X-Tile-Cache"] == "hit"
    assert hit.body == first.body
    names = {f["properties"]["name"] for f in mapbox_vector_tile.decode(hit.body)["schools"]["features"]}
    assert names and all(isinstance(n, str) for n in names)


def test_the_edge_answers_with_the_headers_of_the_view(served, schools):
    """The same tile through Django and through the edge: the same status, bytes and headers, Vary
    included (a public tile depends on no cookie or language, whichever path answers it)."""
    app, django = served
    url = f"{URL}?v={schools.version}"
    warm(app, url, accept_encoding="gzip")
    calls = django.calls
    edge = get(app, url, accept_encoding="gzip")
    assert django.calls == calls
    through_django = get(app.app.django, url, accept_encoding="gzip")
    assert edge.status == through_django.status == 200
    assert edge.body == through_django.body
    assert gzip.decompress(edge.body)
    ignored: set[str] = set()
    assert {k: v for k, v in edge.headers.items() if k not in ignored} == \
           {k: v for k, v in through_django.headers.items() if k not in ignored}
    assert edge.headers["Vary"] == "Accept-Encoding"
    assert edge.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert edge.headers["Access-Control-Allow-Origin"] == "*"
    assert edge.headers["X-Frame-Options"] == "DENY"


def test_the_edge_answers_304_and_plain_bytes_as_the_view_does(served, schools):
    app, django = served
    warm(app, URL)
    calls = django.calls
    plain = get(app, URL)
    zipped = get(app, URL, accept_encoding="gzip")
    assert gzip.decompress(zipped.body) == plain.body
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    revalidated = get(app, URL, if_none_match=zipped.headers["ETag"])
    assert revalidated.status == 304 and revalidated.body == b""
    assert "Content-Length" not in revalidated.headers
    assert django.calls == calls


def test_an_empty_cached_tile_is_a_204_from_the_edge(served, schools):
    app, django = served
    empty = "/tiles/schools/7/0/0.pbf"
    warm(app, empty)
    calls = django.calls
    reply = get(app, empty)
    assert reply.status == 204 and reply.body == b"" and "Content-Length" not in reply.headers
    assert django.calls == calls


@pytest.mark.parametrize("headers", [
    {"cookie": "sessionid=whatever"},
    {"cookie": "csrftoken=a; sessionid=whatever"},
    {"authorization": "Token not-a-real-key"},
], ids=["session", "session-among-others", "token"])
def test_a_caller_who_may_be_signed_in_goes_to_django(served, schools, headers):
    app, django = served
    warm(app, URL)
    calls = django.calls
    reply = get(app, URL, **headers)
    assert django.calls == calls + 1
    if "authorization" in headers:
        assert reply.status == 401  # Django checked the token
    else:
        assert reply.status == 200  # an unknown session is anonymous, for Django to decide


def test_other_cookies_do_not_keep_an_anonymous_hit_from_the_edge(served, schools):
    app, django = served
    warm(app, URL)
    calls = django.calls
    assert get(app, URL, cookie="django_language=en; csrftoken=abc").status == 200
    assert django.calls == calls


def test_a_miss_is_rendered_at_the_edge_once_the_access_answer_is_remembered(served, schools):
    app, django = served
    first = get(app, URL)  # a new process knows nothing: Django asks the access function
    assert django.calls == 1 and first.headers["X-Tile-Cache"] == "miss"
    other = "/tiles/schools/7/102/60.pbf"
    missed = get(app, other)
    assert django.calls == 1
    assert missed.headers["X-Tile-Cache"] == "miss" and missed.headers["Vary"] == "Accept-Encoding"
    hit = get(app, other)
    assert django.calls == 1 and hit.headers["X-Tile-Cache"] == "hit"
    assert hit.status == missed.status and hit.body == missed.body
    through_django = get(app.app.django, other)
    assert through_django.body == missed.body and through_django.headers["ETag"] == missed.headers["ETag"]


def test_without_a_tile_cache_a_remembered_answer_is_checked_by_the_render_statement(served, schools, settings):
    settings.TILES_CACHE = "none"
    app, django = served
    warm(app, URL)
    calls = django.calls
    reply = get(app, "/tiles/schools/7/102/60.pbf")
    assert django.calls == calls and reply.headers["X-Tile-Cache"] == "miss"
    with connection.cursor() as cur:  # another process makes the layer restricted and says so
        cur.execute("UPDATE layers_layer SET access = %s WHERE id = %s", [Access.RESTRICTED, schools.pk])
        cur.execute("SELECT nextval('tiles_catalog_token')")
    reply = get(app, "/tiles/schools/7/102/60.pbf")
    assert reply.status == 404 and django.calls == calls + 1


def test_a_tile_cancelled_by_its_statement_timeout_at_the_edge_answers_503_in_the_error_shape(
        served, schools, settings):
    app, django = served
    warm(app, URL)
    settings.TILES_STATEMENT_TIMEOUT_MS = 300
    with other_session() as locker:
        # Another session holds the feature store: the render waits, then hits its statement timeout.
        locker.execute("LOCK TABLE layers_feature IN ACCESS EXCLUSIVE MODE")
        calls = django.calls
        reply = get(app, "/tiles/schools/7/101/59.pbf")
        assert django.calls == calls  # answered at the edge: Django would only wait as long again
        assert reply.status == 503 and reply.headers["Content-Type"] == "application/json"
        assert json.loads(reply.body)["code"] == "query_timeout"
    assert get(app, "/tiles/schools/7/101/59.pbf").status in (200, 204)  # and the connection still works


def test_a_database_connection_that_died_costs_no_failed_request(served, schools):
    """The edge skips Django's health check; a dead connection sends the request to Django."""
    app, django = served
    warm(app, URL)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        # From another session: the server ends this thread's connection, as a restart would.
        with other_session(autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    calls = django.calls
    reply = get(app, "/tiles/schools/7/101/58.pbf")
    assert reply.status in (200, 204)
    assert django.calls == calls + 1  # the edge's render failed; Django reconnected and answered
    assert get(app, "/tiles/schools/7/102/58.pbf").status in (200, 204)
    assert django.calls == calls + 1  # and the edge renders again on the new connection


@pytest.mark.parametrize("url", [
    "/tiles/nowhere/7/101/60.pbf",  # no such layer
    "/tiles/schools/7/101/600.pbf",  # outside the grid
    "/tiles/schools/7/101/60.png",  # a vector layer has no PNG
    "/tiles/schools/7/101/60.pbf?bbox=1,2,3,4",  # not a tile parameter
    "/tiles/schools.json",  # not a tile
    "/api/layers/",
], ids=["unknown-layer", "outside", "wrong-format", "bad-parameter", "tilejson", "api"])
def test_anything_but_a_tile_of_a_remembered_layer_goes_to_django(served, schools, url):
    app, django = served
    warm(app, URL)
    calls = django.calls
    reply = get(app, url)
    assert django.calls == calls + 1
    assert reply.status in (200, 400, 404)


def test_a_host_django_would_refuse_goes_to_django(served, schools):
    app, django = served
    warm(app, URL)
    calls = django.calls
    environ = RequestFactory().get(URL).environ
    environ["HTTP_HOST"] = "evil.example"
    environ["wsgi.input"] = io.BytesIO(b"")
    statuses = []
    b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    assert django.calls == calls + 1
    assert statuses[0].startswith("400")


def test_a_layer_made_restricted_is_refused_at_once_though_its_tile_is_cached(served, schools, health_group):
    app, django = served
    warm(app, URL)
    assert get(app, URL).headers["Vary"] == "Accept-Encoding"  # from the edge
    schools.access = Access.RESTRICTED
    schools.save()
    schools.groups.set([health_group])
    calls = django.calls
    refused = get(app, URL)
    assert refused.status == 404
    assert django.calls == calls + 1  # the memo's answer was void: Django asked the access function
    assert get(app, URL).status == 404


def test_a_restricted_tile_cached_for_its_group_is_never_served_anonymously(served, dengue, health_officer):
    app, django = served
    url = "/tiles/dengue/12/3258/1927.pbf"
    key = create_token(health_officer)
    warm(app, url, authorization=f"Token {key}")
    for _ in range(3):
        assert get(app, url).status == 404


def test_the_edge_can_be_turned_off(served, schools, settings):
    app, django = served
    warm(app, URL)
    settings.TILES_EDGE = False
    calls = django.calls
    assert get(app, URL).status == 200
    assert django.calls == calls + 1


def test_gunicorn_serves_the_edge(settings):
    """geo_ioc.wsgi:application (what gunicorn loads) is the edge around Django, inside the read-only
    context of read replicas (layers.replicas), so that the edge's tiles may come from a replica too."""
    from geo_ioc import wsgi
    from layers.replicas import ReadOnlyApplication

    assert isinstance(wsgi.application, ReadOnlyApplication)
    assert isinstance(wsgi.application.app, TileEdge)
    assert isinstance(wsgi.application.app.app, WSGIHandler)


def test_with_redis_unreachable_requests_go_to_django_and_are_served(served, schools, settings):
    app, django = served
    warm(app, URL)
    expected = get(app, URL).body
    settings.TILES_CACHE_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    calls = django.calls
    reply = get(app, URL)
    assert reply.status == 200 and reply.body == expected
    assert django.calls == calls + 1  # no current access answer without the catalog token
