"""Every response carries a Content-Security-Policy that allows only our own origin, nosniff, a
Referrer-Policy and frame rules that deny framing, except the documented embed mode (?embed=1 on the
dashboard and the tile preview, framed by our origin and EMBED_ALLOWED_ORIGINS)."""

import os
import re
import subprocess
import sys

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.parametrize("url", ["/", "/catalog/", "/api/layers/", "/healthz", "/api/docs/", "/tiles/preview/?layers=schools",
                                 "/no/such/page", "/accounts/login/"])
def test_every_response_has_the_security_headers(url, schools):
    response = Client().get(url)
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and response["X-Frame-Options"] == "DENY"
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert all(not re.match(r"https?:", source) for values in csp.values() for source in values)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_tile_through_django_has_them_too(schools, official):
    client = Client()
    client.force_login(official)
    response = client.get("/tiles/schools/7/101/60.pbf")
    assert directives(response)["default-src"] == ["'self'"] and response["X-Frame-Options"] == "DENY"


def test_the_tile_previews_inline_script_runs_by_its_nonce(schools):
    response = Client().get("/tiles/preview/?layers=schools")
    nonce = re.search(r'<script nonce="([^"]+)">', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in directives(response)["script-src"]
    assert nonce not in Client().get("/tiles/preview/?layers=schools")["Content-Security-Policy"]


def test_the_api_docs_need_no_inline_script():
    page = Client().get("/api/docs/").content.decode()
    assert re.search(r"<script>(?!\s*</script>)", page) is None
    assert Client().get("/api/docs/?script").status_code == 200


def test_embed_mode_lets_our_own_origin_frame_the_dashboard_by_default():
    response = Client().get("/?embed=1")
    assert directives(response)["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_embed_mode_lets_the_listed_origins_frame_the_dashboard_and_the_preview(settings, schools):
    settings.EMBED_ALLOWED_ORIGINS = ["https://portal.longan.gov.vn"]
    for url in ["/?embed=1", "/tiles/preview/?layers=schools&embed=1"]:
        response = Client().get(url)
        assert directives(response)["frame-ancestors"] == ["'self'", "https://portal.longan.gov.vn"]
        assert "X-Frame-Options" not in response  # it cannot name an origin; frame-ancestors rules


def test_no_other_page_can_be_embedded(settings):
    settings.EMBED_ALLOWED_ORIGINS = ["https://portal.longan.gov.vn"]
    for url in ["/api/layers/?embed=1", "/catalog/?embed=1", "/admin/login/?embed=1"]:
        response = Client().get(url)
        assert directives(response)["frame-ancestors"] == ["'none'"] and response["X-Frame-Options"] == "DENY"


def test_the_session_cookie_is_http_only(official):
    response = Client().post("/accounts/login/", {"username": "official", "password": "pw-official"})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"] is True


@pytest.mark.parametrize("https, secure", [("true", "True"), ("false", "False")])
def test_https_makes_the_session_and_csrf_cookies_secure(https, secure):
    script = ("from django.conf import settings; "
              "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_PROXY_SSL_HEADER)")
    env = os.environ | {"HTTPS": https, "DJANGO_SETTINGS_MODULE": "geo_ioc.settings"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + script], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == [secure, secure]
    assert (out[2] != "None") is (https == "true")
