"""One access rule, asked by every channel: who sees which layer, through the catalog, the layer
entry, its GeoJSON, one of its features and the home page."""

import json

import pytest
from django.test import Client

from layers.access import access_scope, visible_layers
from tests.conftest import client_for, token_client

pytestmark = pytest.mark.django_db

# Who sees what: the rule in the issue, one row per actor.
EXPECTED = {
    "anonymous": {"schools"},
    "outsider": {"schools"},
    "official": {"schools", "incidents"},
    "health_officer": {"schools", "dengue"},
    "superuser": {"schools", "incidents", "dengue"},
}
ALL_LAYERS = {"schools", "incidents", "dengue"}


@pytest.fixture
def actors(outsider, official, health_officer, superuser):
    return {"anonymous": None, "outsider": outsider, "official": official,
            "health_officer": health_officer, "superuser": superuser}


def _first_feature_path(slug: str, superuser) -> str:
    body = json.loads(client_for(superuser).get(f"/api/layers/{slug}/features/").content)
    return f"/api/layers/{slug}/features/{body['features'][0]['id']}/"


@pytest.mark.parametrize("actor", list(EXPECTED))
def test_the_access_function_decides_the_visible_layers(world, actors, actor):
    assert set(visible_layers(actors[actor]).values_list("slug", flat=True)) == EXPECTED[actor]


@pytest.mark.parametrize("actor", list(EXPECTED))
def test_the_catalog_lists_exactly_the_visible_layers(world, actors, actor):
    body = client_for(actors[actor]).get("/api/layers/").json()
    assert {layer["slug"] for layer in body["layers"]} == EXPECTED[actor]
    assert body["count"] == len(EXPECTED[actor])


@pytest.mark.parametrize("actor", list(EXPECTED))
def test_every_layer_channel_answers_visible_layers_and_hides_the_rest_as_unknown(world, actors, actor, superuser):
    client = client_for(actors[actor])
    for slug in ALL_LAYERS:
        paths = [f"/api/layers/{slug}/", f"/api/layers/{slug}/features/", _first_feature_path(slug, superuser)]
        for path in paths:
            response = client.get(path)
            if slug in EXPECTED[actor]:
                assert response.status_code == 200, (actor, path)
            else:
                assert response.status_code == 404, (actor, path)
                # Indistinguishable from a layer that does not exist.
                unknown = client.get(path.replace(slug, "no-such-layer", 1))
                assert response.json() == unknown.json()


def test_a_restricted_layer_never_leaks_its_groups_in_the_catalog(world, health_officer):
    entry = client_for(health_officer).get("/api/layers/dengue/").json()
    assert entry["access"] == "restricted"
    assert "groups" not in entry
    assert '"health_group"' not in json.dumps(entry) and str(health_officer.groups.get().pk) not in entry["links"][0]["href"]


def test_the_catalog_page_lists_only_visible_layers(world, official, health_officer):
    anonymous_page = Client().get("/catalog/").content.decode()
    assert "schools" in anonymous_page and "incidents" not in anonymous_page and "dengue" not in anonymous_page
    staff_client = Client()
    staff_client.force_login(official)
    staff_page = staff_client.get("/catalog/").content.decode()
    assert "incidents" in staff_page and "dengue" not in staff_page


def test_an_app_token_gives_the_tokens_owner_its_access(world, official):
    client = token_client(official)
    assert {layer["slug"] for layer in client.get("/api/layers/").json()["layers"]} == {"schools", "incidents"}
    assert client.get("/api/layers/incidents/features/").status_code == 200


def test_an_app_token_works_on_plain_views_too(world, official):
    client = token_client(official)
    assert "incidents" in client.get("/catalog/").content.decode()


def test_a_bad_token_is_refused_with_401_and_never_falls_back_to_anonymous(world):
    response = Client().get("/api/layers/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert Client().get("/catalog/", HTTP_AUTHORIZATION="Token not-a-real-token").status_code == 401


def test_an_inactive_users_token_stops_working(world, official):
    client = token_client(official)
    official.is_active = False
    official.save()
    assert client.get("/api/layers/").status_code == 401


def test_flipping_a_layer_from_public_to_restricted_hides_it_at_once(world, outsider):
    client = client_for(outsider)
    assert client.get("/api/layers/schools/features/").status_code == 200
    world["public"].access = "restricted"
    world["public"].save()
    assert client.get("/api/layers/schools/features/").status_code == 404


def test_access_scopes_separate_callers_who_see_different_layers(world, actors):
    scopes = {actor: access_scope(user) for actor, user in actors.items()}
    assert scopes["anonymous"] == "public"
    assert scopes["superuser"] == "all"
    assert len({scopes["official"], scopes["health_officer"], scopes["superuser"], scopes["anonymous"]}) == 4


def test_a_layer_restricted_to_two_of_my_groups_is_listed_once(world, health_officer, health_group):
    from django.contrib.auth.models import Group

    second = Group.objects.create(name="epidemiology")
    health_officer.groups.add(second)
    world["restricted"].groups.add(second)
    slugs = list(visible_layers(health_officer).values_list("slug", flat=True))
    assert slugs.count("dengue") == 1
