"""The authorization-parity suite, continued: a visibility flip seen by every channel at once, through
Django and through the tile edge (the WSGI application gunicorn serves, tiles.edge), with caches warmed
first. The changes must be committed (the edge and the access memo act only outside transactions), so
each test builds its own world (tests.channels.build_world) and the database is flushed after it.
"""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from layers.catalog import bump_version
from layers.models import Access, Layer
from tests.channels import (
    CALLER,
    LAYER_ROWS,
    NAMES,
    OTHER_ROWS,
    TILE,
    UNKNOWN_SLUG,
    answer,
    build_world,
    leaks,
    secrets_of,
)
from tiles.edge import TileEdge


class Served:
    """The WSGI application gunicorn serves: the tile edge around Django, counting the requests that
    reach Django (the others the edge answered itself)."""

    def __init__(self):
        self.app = TileEdge(self._django)
        self.django = WSGIHandler()
        self.reached_django = 0

    def _django(self, environ, start_response):
        self.reached_django += 1
        return self.django(environ, start_response)

    def get(self, url: str, **headers):
        environ = RequestFactory().get(url, headers=headers).environ
        environ["wsgi.input"] = io.BytesIO(b"")
        started = {}

        def start_response(status, response_headers, exc_info=None):
            started["status"], started["headers"] = status, response_headers

        chunks = self.app(environ, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(started["status"].split()[0]), dict(started["headers"]), body


FLIP_ROWS = [row for row in LAYER_ROWS if row.kind == "read" and row.who == "anyone"]
FLIP_COLLECTIONS = [row for row in OTHER_ROWS if row.pattern in ("layer-list", "search", "counts", "polygon-summary",
                                                                 "catalog", "tiles-basemap",
                                                                 "ogc-collections")]


def _edge_tile(served: Served, slug: str):
    return served.get(f"/tiles/{slug}/{TILE}.pbf")


def _set_access(layer: Layer, access: str, groups, *, bump: bool = True) -> Layer:
    """What the admin does (layers.admin.LayerAdmin): save the row and its groups, then bump the version.
    Without the bump, visibility alone must be enough."""
    layer.access = access
    layer.save()
    layer.groups.set(groups)
    return bump_version(layer) if bump else layer


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bump", [True, False], ids=["version bumped", "visibility alone"])
def test_a_public_layer_made_restricted_is_hidden_from_every_channel_at_once(tmp_path, bump):
    world = build_world(tmp_path)
    public = world.targets["public"]
    anonymous, served = CALLER["anonymous"].client(world), Served()
    etags = {}
    for row in FLIP_ROWS:
        for _ in range(2):
            response = row.call(anonymous, public)
            assert response.status_code in row.allowed, (row.id, response.status_code)
        etags[row.id] = response.get("ETag")
    for row in FLIP_COLLECTIONS:
        assert row.call(anonymous, public).status_code == 200
    for _ in range(3):
        status, headers, _body = _edge_tile(served, public.slug)
        assert status == 200
    reached = served.reached_django
    status, headers, _body = _edge_tile(served, public.slug)
    assert (status, headers["X-Tile-Cache"], served.reached_django) == (200, "hit", reached)  # the edge answered

    _set_access(world.layers["public"], Access.RESTRICTED, [world.groups["health"]], bump=bump)

    for row in FLIP_ROWS:
        client = CALLER["anonymous"].client(world)
        if etags[row.id]:
            client.defaults["HTTP_IF_NONE_MATCH"] = etags[row.id]
        hidden = row.call(client, public)
        unknown = row.call(client, world.unknown_like("public"))
        assert answer(hidden, public.slug) == answer(unknown, UNKNOWN_SLUG), row.id
        assert leaks(hidden, secrets_of("public")) == [], row.id
    for row in FLIP_COLLECTIONS:
        assert leaks(row.call(anonymous, public), secrets_of("public") + [public.slug]) == [], row.id
    edge_hidden, edge_unknown = _edge_tile(served, public.slug), _edge_tile(served, UNKNOWN_SLUG)
    assert edge_hidden[0] == edge_unknown[0] == 404
    assert edge_hidden[2].replace(public.slug.encode(), b"{slug}") == edge_unknown[2].replace(UNKNOWN_SLUG.encode(),
                                                                                              b"{slug}")
    # The member of the layer's new group sees it at once.
    assert CALLER["member"].client(world).get(f"/tiles/{public.slug}/{TILE}.pbf").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_restricted_layer_made_public_shows_on_every_channel_at_once(tmp_path):
    world = build_world(tmp_path)
    secret = world.targets["restricted"]
    anonymous, served = CALLER["anonymous"].client(world), Served()
    member = CALLER["member"].client(world)
    for row in FLIP_ROWS:
        assert row.call(member, secret).status_code in row.allowed, row.id  # warmed by the allowed caller
        assert row.call(anonymous, secret).status_code == 404, row.id
    # The edge, after the allowed caller warmed the tile: Django answers the anonymous caller, as unknown.
    assert _edge_tile(served, secret.slug)[0] == 404

    _set_access(world.layers["restricted"], Access.PUBLIC, [])

    for row in FLIP_ROWS:
        response = row.call(anonymous, secret)
        # Public now: what a caller who sees the layer gets (the portal shows it too: 200).
        assert response.status_code == row.allowed[0], (row.id, response.status_code)
    assert _edge_tile(served, secret.slug)[0] == 200
    assert NAMES["restricted"]["title_vi"].encode() in anonymous.get("/api/layers/").content
