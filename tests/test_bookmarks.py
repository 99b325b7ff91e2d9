"""A person keeps views of the map as bookmarks: their own, naming only layers they may see."""

import json

import pytest
from django.contrib.auth.models import Group

from dashboard.models import Bookmark
from layers.models import Access
from tests.conftest import client_for, make_layer

pytestmark = pytest.mark.django_db

VIEW = {"name": "Cầu Bến Lức", "center": [106.48, 10.64], "zoom": 13.5, "layers": ["schools"]}


def post(client, body):
    return client.post("/api/bookmarks/", data=json.dumps(body), content_type="application/json")


def test_an_official_saves_a_view_and_finds_it_again(official, schools):
    client = client_for(official)
    created = post(client, VIEW)
    assert created.status_code == 201, created.content
    listed = json.loads(client.get("/api/bookmarks/").content)["bookmarks"]
    assert [(b["name"], b["center"], b["zoom"], b["layers"]) for b in listed] == [
        ("Cầu Bến Lức", [106.48, 10.64], 13.5, ["schools"])]


def test_bookmarks_are_each_persons_own(official, outsider, schools):
    mine = json.loads(post(client_for(official), VIEW).content)
    assert json.loads(client_for(outsider).get("/api/bookmarks/").content)["bookmarks"] == []
    assert client_for(outsider).delete(f"/api/bookmarks/{mine['id']}/").status_code == 404
    assert client_for(official).delete(f"/api/bookmarks/{mine['id']}/").status_code == 204
    assert not Bookmark.objects.exists()


def test_a_layer_hidden_since_is_left_out_when_read(official, schools):
    post(client_for(official), VIEW | {"layers": ["schools"]})
    schools.access = Access.RESTRICTED
    schools.save()
    schools.groups.set([Group.objects.create(name="someone-else")])
    assert json.loads(client_for(official).get("/api/bookmarks/").content)["bookmarks"][0]["layers"] == []


def test_someone_signed_out_has_no_bookmarks(api):
    assert api.get("/api/bookmarks/").status_code in (401, 403)
    assert post(api, VIEW).status_code in (401, 403)


@pytest.mark.parametrize("change, field", [
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"center": [200, 10]}, "center"),
    ({"center": "106,10"}, "center"),
    ({"center": [106.4, True]}, "center"),
    ({"zoom": 30}, "zoom"),
    ({"zoom": "12"}, "zoom"),
    ({"layers": "schools"}, "layers"),
    ({"layers": ["no-such-layer"]}, "layers"),
    ({"filters": {"other-layer": {"level": "thcs"}}}, "filters"),
    ({"filters": {"schools": "level=thcs"}}, "filters"),
    ({"filters": {"schools": {"level": ["thcs"]}}}, "filters"),
    ({"filters": {"schools": {"name": "x" * 201}}}, "filters"),
])
def test_a_bad_bookmark_is_a_400_that_names_the_field(official, schools, change, field):
    response = post(client_for(official), VIEW | change)
    assert response.status_code == 400, response.content
    assert field in json.loads(response.content)["fields"]
    assert not Bookmark.objects.exists()


def test_a_hidden_layer_is_refused_as_an_unknown_one(official, schools):
    secret = make_layer("secret-wells", access=Access.RESTRICTED)
    secret.groups.set([Group.objects.create(name="water-only")])
    hidden = post(client_for(official), VIEW | {"layers": ["secret-wells"]})
    unknown = post(client_for(official), VIEW | {"layers": ["no-such-layer"]})
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.content == unknown.content


def test_a_bookmark_keeps_the_filters_of_its_layers(official, schools):
    client = client_for(official)
    created = post(client, VIEW | {"filters": {"schools": {"level": "thcs", "public": True}}})
    assert created.status_code == 201, created.content
    listed = json.loads(client.get("/api/bookmarks/").content)["bookmarks"]
    assert listed[0]["filters"] == {"schools": {"level": "thcs", "public": "true"}}
    # A layer hidden since takes its filters with it, unnamed.
    schools.access = Access.RESTRICTED
    schools.save()
    listed = json.loads(client.get("/api/bookmarks/").content)["bookmarks"]
    assert listed[0]["layers"] == [] and listed[0]["filters"] == {}
