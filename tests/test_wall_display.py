"""A wall display signs in once with its token and then shows what its account may see."""

from layers.models import ApiToken
from layers.tokens import create_token


def test_a_token_in_the_address_becomes_a_session_and_leaves_the_address(demo_wall, display, client):
    response = client.get("/wall/?token=" + create_token(display) + "&scene=traffic")
    assert response.status_code == 302
    assert response["Location"] == "/wall/?scene=traffic"
    data = client.get("/api/wall/scenes/traffic/data").json()
    assert {p["id"]: p for p in data["panels"]}["incidents-7d"]["data"]["value"] == 3


def test_a_display_stays_signed_in_for_a_year_but_not_after_its_token_is_deleted(demo_wall, display, client):
    client.get("/wall/?token=" + create_token(display))
    assert client.session.get_expiry_age() > 300 * 24 * 3600
    assert "incidents-7d" in {p["id"] for p in client.get("/api/wall/scenes/traffic/data").json()["panels"]}
    ApiToken.objects.filter(user=display).delete()
    # The traffic scene reads internal layers only: an anonymous caller is not shown it at all.
    assert client.get("/api/wall/scenes/traffic/data").json()["code"] == "scene_not_found"
    assert "_auth_user_id" not in client.session


def test_a_bad_token_signs_nobody_in(demo_wall, client):
    assert client.get("/wall/?token=not-a-token").status_code == 401
    assert client.get("/api/wall/scenes/traffic/data").json()["code"] == "scene_not_found"


def test_the_wall_page_carries_its_settings_and_no_outside_address(demo_wall, client):
    page = client.get("/wall/?scene=environment").content.decode()
    assert '"scene": "environment"' in page
    assert "http://" not in page and "https://" not in page
