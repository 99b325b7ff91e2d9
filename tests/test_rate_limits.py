"""Heavy endpoints (summaries, exports, search) are rate-limited per caller: an anonymous caller by
address, a signed-in one by account with a higher limit; past it 429 `throttled` in the error shape
with Retry-After. X-Forwarded-For counts only behind trusted proxies. Redis down: the limits fail open."""

import pytest
from django.core.cache import cache

from tests.conftest import client_for
from tests.test_zone_summaries import polygon

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    cache.clear()
    settings.RATE_LIMIT_WINDOW_SECONDS = 3600  # one window for the whole test: nothing expires mid-test
    settings.RATE_LIMIT_SEARCH_ANONYMOUS = 3
    settings.RATE_LIMIT_SEARCH_SIGNED_IN = 5


def search(client, **extra):
    return client.get("/api/search/", {"q": "tan an"}, **extra)


def test_an_anonymous_caller_past_the_limit_gets_429_throttled_with_retry_after(schools):
    client = client_for(None)
    assert [search(client).status_code for _ in range(3)] == [200, 200, 200]
    response = search(client)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and set(response.json()) == {"detail", "code"}
    assert response["Retry-After"] == "3600"


def test_the_limit_is_per_address(schools):
    client = client_for(None)
    for _ in range(3):
        search(client)
    assert search(client).status_code == 429
    assert search(client, REMOTE_ADDR="10.0.0.7").status_code == 200


def test_a_signed_in_caller_has_a_higher_limit_of_its_own(schools, outsider):
    anonymous = client_for(None)
    for _ in range(3):
        search(anonymous)
    assert search(anonymous).status_code == 429
    signed_in = client_for(outsider)  # same address, but counted by account
    assert [search(signed_in).status_code for _ in range(5)] == [200] * 5
    assert search(signed_in).status_code == 429


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(schools, settings):
    client = client_for(None)
    for i in range(3):
        search(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert search(client, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429
    settings.RATE_LIMIT_TRUSTED_PROXIES = 1
    # Behind one proxy the client is the last address it appended; what the client wrote before is not.
    assert search(client, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.99").status_code == 200


def test_summaries_are_limited(settings, official, schools):
    settings.RATE_LIMIT_SUMMARY_ANONYMOUS = 1
    client = client_for(None)
    body = {"geometry": polygon(106.3, 10.4, 106.5, 10.6)}
    assert client.post("/api/summary/", body, format="json").status_code == 200
    assert client.post("/api/summary/", body, format="json").status_code == 429


def test_exports_are_limited(settings, schools):
    settings.RATE_LIMIT_EXPORT_ANONYMOUS = 1
    client = client_for(None)
    assert client.get("/api/layers/schools/export.geojson").status_code == 200
    response = client.get("/api/layers/schools/export.csv")
    assert response.status_code == 429 and response.json()["code"] == "throttled"


def test_the_limits_fail_open_when_redis_is_down(settings, schools):
    settings.CACHES = {"default": settings.CACHES["default"] | {"LOCATION": "redis://127.0.0.1:9/0"}}
    client = client_for(None)
    assert [search(client).status_code for _ in range(5)] == [200] * 5
