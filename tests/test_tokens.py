"""An app gets a token from `manage.py create_api_token` and uses it; only a digest is stored."""

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from layers.models import ApiToken

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_a_working_token(world, official, capsys):
    call_command("create_api_token", "official", "--name", "wall display 3")
    key = capsys.readouterr().out.strip()
    assert len(key) >= 40
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    slugs = {layer["slug"] for layer in client.get("/api/layers/").json()["layers"]}
    assert slugs == {"schools", "incidents"}
    token = ApiToken.objects.get(user=official)
    assert token.name == "wall display 3" and key not in (token.digest, token.prefix)
    assert token.last_used_at is not None


def test_create_api_token_for_an_unknown_user_says_so():
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("create_api_token", "nobody")


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token    "])
def test_a_malformed_token_header_is_a_401(world, header):
    response = APIClient().get("/api/layers/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
