"""The one access rule on every tile path, the cache included: a caller never receives a tile of a
layer it may not see, whether the tile was rendered for it, for someone else, or before a change of
the layer's visibility."""

import mapbox_vector_tile
import pytest
from django.test import Client

from layers.catalog import bump_version
from layers.models import Access
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

DENGUE_TILE = "/tiles/dengue/12/3258/1927.pbf"  # holds the one dengue point


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_health_officer_gets_the_restricted_tile(dengue, health_officer):
    response = client_as(health_officer).get(DENGUE_TILE)
    assert response.status_code == 200
    assert mapbox_vector_tile.decode(response.content)["dengue"]["features"][0]["properties"] == {"cases": 7}


@pytest.mark.parametrize("actor", ["anonymous", "outsider", "official"])
def test_others_get_the_answer_of_a_layer_that_does_not_exist_even_once_it_is_cached(
        dengue, health_officer, outsider, official, actor):
    assert client_as(health_officer).get(DENGUE_TILE)["X-Tile-Cache"] == "miss"
    assert client_as(health_officer).get(DENGUE_TILE)["X-Tile-Cache"] == "hit"
    caller = {"anonymous": None, "outsider": outsider, "official": official}[actor]
    response = client_as(caller).get(DENGUE_TILE)
    assert response.status_code == 404
    assert response.json() == client_as(caller).get("/tiles/no-such-layer/12/3258/1927.pbf").json()
    assert response.content.find(b"cases") == -1


def test_a_composite_with_one_hidden_layer_is_refused_whole(schools, dengue, outsider):
    assert client_as(outsider).get("/tiles/schools,dengue/12/3258/1927.pbf").status_code == 404
    assert client_as(outsider).get("/tiles/dengue.json").status_code == 404
    assert client_as(outsider).get("/tiles/styles/schools,dengue.json").status_code == 404


def test_flipping_a_public_layer_to_restricted_hides_its_cached_tiles_at_once(schools, outsider, health_officer,
                                                                              health_group):
    url = "/tiles/schools/7/101/60.pbf"
    for _ in range(2):
        assert client_as(outsider).get(url).status_code == 200
    assert client_as(outsider).get(url)["X-Tile-Cache"] == "hit"
    schools.access = Access.RESTRICTED
    schools.save()  # no version bump: visibility alone must be enough
    schools.groups.set([health_group])
    assert client_as(outsider).get(url).status_code == 404
    assert client_as(None).get(url).status_code == 404
    allowed = client_as(health_officer).get(url)
    assert allowed.status_code == 200
    # Rendered again for its own scope: a restricted tile is never shared with the public entry.
    assert allowed["X-Tile-Cache"] == "miss"
    assert allowed["Cache-Control"].startswith("private")
    assert "Access-Control-Allow-Origin" not in allowed


def test_a_restricted_tile_is_cached_per_access_scope(dengue, health_officer, superuser):
    assert client_as(health_officer).get(DENGUE_TILE)["X-Tile-Cache"] == "miss"
    assert client_as(superuser).get(DENGUE_TILE)["X-Tile-Cache"] == "miss"
    assert client_as(superuser).get(DENGUE_TILE)["X-Tile-Cache"] == "hit"


def test_a_layer_made_public_is_served_to_everyone(dengue):
    assert client_as(None).get(DENGUE_TILE).status_code == 404
    dengue.access = Access.PUBLIC
    dengue.save()
    bump_version(dengue)
    response = client_as(None).get(DENGUE_TILE)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_app_token_sees_the_tiles_its_owner_may_see(incidents, official, outsider):
    assert token_client(official).get("/tiles/incidents/7/101/60.pbf").status_code == 200
    assert token_client(outsider).get("/tiles/incidents/7/101/60.pbf").status_code == 404


def test_a_bad_token_is_refused_and_never_served_as_anonymous(schools):
    response = Client().get("/tiles/schools/7/101/60.pbf", HTTP_AUTHORIZATION="Token forged")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
