"""A tile request remembers what the one access function answered (tiles.access_memo), so a cached
tile costs no query — and every change to a layer's visibility, groups or version is still seen by
the very next request, in this process or another. Committed transactions, as in production."""

import re
from pathlib import Path

import mapbox_vector_tile
import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client

from layers.catalog import bump_version, publish_changes
from layers.models import Access, Feature
from tiles import access_memo

pytestmark = pytest.mark.django_db(transaction=True)

SCHOOLS_TILE = "/tiles/schools/7/101/60.pbf"
DENGUE_TILE = "/tiles/dengue/12/3258/1927.pbf"


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def warm(client: Client, url: str) -> None:
    """Render, cache and remember: the next request of this caller needs neither render nor query."""
    for _ in range(2):
        assert client.get(url).status_code == 200


def test_a_cached_tile_is_served_without_a_query(schools, django_assert_num_queries):
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    with django_assert_num_queries(0):
        response = anonymous.get(SCHOOLS_TILE)
    assert response.status_code == 200
    assert response["X-Tile-Cache"] == "hit"


def test_flipping_a_public_layer_to_restricted_is_seen_by_the_next_request(
        schools, outsider, health_group, django_assert_num_queries):
    anonymous, signed_in = Client(), client_as(outsider)
    warm(anonymous, SCHOOLS_TILE)
    warm(signed_in, SCHOOLS_TILE)
    with django_assert_num_queries(0):
        assert anonymous.get(SCHOOLS_TILE).status_code == 200  # remembered
    schools.access = Access.RESTRICTED
    schools.save()  # no version bump: visibility alone must be enough
    schools.groups.set([health_group])
    assert anonymous.get(SCHOOLS_TILE).status_code == 404
    assert signed_in.get(SCHOOLS_TILE).status_code == 404


def test_taking_a_group_off_a_layer_hides_it_from_the_group_at_once(dengue, health_officer, health_group):
    officer = client_as(health_officer)
    warm(officer, DENGUE_TILE)
    dengue.groups.remove(health_group)
    assert officer.get(DENGUE_TILE).status_code == 404


def test_deleting_the_group_hides_its_layers_at_once(dengue, health_officer, health_group):
    officer = client_as(health_officer)
    warm(officer, DENGUE_TILE)
    health_group.delete()
    assert officer.get(DENGUE_TILE).status_code == 404
    assert not Group.objects.exists()


def test_new_features_show_in_the_next_tile(schools):
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    before = anonymous.get(SCHOOLS_TILE)
    Feature.objects.create(layer=schools, source_id="s5", geom="SRID=4326;POINT(106.30 10.60)",
                           properties={"name": "Trường mới", "level": "thpt", "pupils": 10, "public": True})
    publish_changes(schools)  # a version bump in SQL, not through Model.save
    after = anonymous.get(SCHOOLS_TILE)
    assert after["X-Tile-Version"] == str(schools.version) != before["X-Tile-Version"]
    assert after["X-Tile-Cache"] == "miss"
    names = {f["properties"]["name"] for f in mapbox_vector_tile.decode(after.content)["schools"]["features"]}
    assert "Trường mới" in names


def test_a_version_bump_without_new_features_changes_the_tile_version(schools):
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    bump_version(schools)
    assert anonymous.get(SCHOOLS_TILE)["X-Tile-Version"] == str(schools.version)


def test_a_change_announced_by_another_process_is_seen(schools):
    """Another process changed the row and replaced the token: this process only sees the token."""
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    with connection.cursor() as cur:  # behind this process's back: no signal here
        cur.execute("UPDATE layers_layer SET access = %s WHERE id = %s", [Access.RESTRICTED, schools.pk])
    access_memo.client().set(access_memo.token_key(), b"set-by-another-process")
    assert anonymous.get(SCHOOLS_TILE).status_code == 404


def test_a_lost_token_forgets_every_answer(schools):
    """Redis restarted empty: a new token is drawn, which no remembered answer carries."""
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    with connection.cursor() as cur:
        cur.execute("UPDATE layers_layer SET access = %s WHERE id = %s", [Access.RESTRICTED, schools.pk])
    access_memo.client().delete(access_memo.token_key())
    assert anonymous.get(SCHOOLS_TILE).status_code == 404


@pytest.fixture
def uncached(settings, monkeypatch):
    """Tiles kept nowhere (TILES_CACHE=none); Redis may be asked for the token only when an answer
    is remembered, never while serving a remembered one."""
    settings.TILES_CACHE = "none"
    asked = []
    real = access_memo.current_token
    monkeypatch.setattr(access_memo, "current_token", lambda: asked.append(1) or real())
    return asked


def test_an_uncached_tile_from_a_remembered_answer_costs_its_render_statement_only(
        schools, uncached, django_assert_num_queries):
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    uncached.clear()
    with django_assert_num_queries(1) as queries:
        response = anonymous.get(SCHOOLS_TILE)
    assert response.status_code == 200 and response["X-Tile-Cache"] == "miss"
    assert "tiles_catalog_token" in queries.captured_queries[0]["sql"]
    assert uncached == []  # and no Redis round trip


def test_an_uncached_tile_sees_a_change_announced_by_another_process(schools, uncached):
    """Another process changed the row and bumped the token's PostgreSQL copy (only that: the
    render statement checks it, so Redis's copy is not even read)."""
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    with connection.cursor() as cur:  # behind this process's back: no signal here
        cur.execute("UPDATE layers_layer SET access = %s WHERE id = %s", [Access.RESTRICTED, schools.pk])
        cur.execute("SELECT nextval('tiles_catalog_token')")
    assert anonymous.get(SCHOOLS_TILE).status_code == 404


def test_a_layer_change_bumps_both_copies_of_the_token(schools):
    def tokens():
        with connection.cursor() as cur:
            cur.execute(access_memo.DB_TOKEN_SQL)
            return access_memo.current_token(), cur.fetchone()[0]

    before = tokens()
    with transaction.atomic():
        schools.access = Access.INTERNAL
        schools.save()
        during = tokens()  # seen by other sessions at once, before the commit
    after = tokens()
    assert before[0] != during[0] != after[0] and before[1] < during[1] < after[1]


def test_inside_a_transaction_the_database_is_asked(schools, django_assert_max_num_queries):
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    with transaction.atomic():
        with connection.cursor() as cur:  # uncommitted, and no token change: only a query can see it
            cur.execute("UPDATE layers_layer SET access = %s WHERE id = %s", [Access.RESTRICTED, schools.pk])
        assert anonymous.get(SCHOOLS_TILE).status_code == 404
        transaction.set_rollback(True)
    assert anonymous.get(SCHOOLS_TILE).status_code == 200


def test_remembered_layers_are_copies_that_a_request_cannot_change(schools):
    anonymous = Client()
    warm(anonymous, SCHOOLS_TILE)
    entry = access_memo.recall("public", ["schools"])
    first = entry.layers()[0]
    first.style["color"] = "#000000"
    first.property_schema.clear()
    again = entry.layers()[0]
    assert again.style["color"] == schools.style["color"]
    assert again.property_schema == schools.property_schema


# SQL that writes layers_layer: outside layers/catalog.py (which sends layers.catalog.layer_changed)
# it would change rows that tiles.access_memo never hears of.
_WRITES_LAYERS = re.compile(r"\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+layers_layer\b(?!_)", re.IGNORECASE)
_ROOT = Path(__file__).resolve().parent.parent
_SKIP = {".venv", "node_modules", "var", "tests", "migrations", ".git"}


def test_every_sql_write_to_the_layer_table_goes_through_layers_catalog():
    writers = sorted(
        str(path.relative_to(_ROOT))
        for path in _ROOT.rglob("*.py")
        if not _SKIP & set(path.relative_to(_ROOT).parts) and _WRITES_LAYERS.search(path.read_text())
    )
    assert writers == ["layers/catalog.py"]
