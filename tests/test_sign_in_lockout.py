"""After repeated failed sign-ins, per account and per address, sign-in is refused for a while, even
with the right password, at /accounts/login/ and /admin/login/; the page says why (vi/en). A
successful sign-in clears the account's count."""

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
LOCKED_VI = "Đăng nhập sai quá nhiều lần"
LOCKED_EN = "Too many failed sign-in attempts"


@pytest.fixture(autouse=True)
def lockout(settings):
    cache.clear()
    settings.LOGIN_LOCKOUT_SECONDS = 3600
    settings.LOGIN_LOCKOUT_ACCOUNT_FAILURES = 3
    settings.LOGIN_LOCKOUT_ADDRESS_FAILURES = 10


def sign_in(username: str, password: str, address: str = "127.0.0.1", url: str = LOGIN, **headers):
    return Client(REMOTE_ADDR=address, **headers).post(url, {"username": username, "password": password})


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(official):
    for _ in range(3):
        assert sign_in("official", "wrong").status_code == 200
    response = sign_in("official", "pw-official")
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert LOCKED_VI in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_the_account_stays_locked_from_another_address(official):
    for i in range(3):
        sign_in("official", "wrong", address=f"10.0.0.{i}")
    assert sign_in("official", "pw-official", address="10.0.9.9").status_code == 429


def test_the_page_says_so_in_english(official):
    for _ in range(3):
        sign_in("official", "wrong")
    response = sign_in("official", "pw-official", HTTP_ACCEPT_LANGUAGE="en")
    assert LOCKED_EN in response.content.decode()


def test_other_accounts_are_not_locked_by_one_accounts_failures(official, outsider):
    for _ in range(3):
        sign_in("official", "wrong")
    assert sign_in("outsider", "pw-outsider").status_code == 302


def test_an_address_is_locked_after_failures_across_accounts(official, settings):
    settings.LOGIN_LOCKOUT_ADDRESS_FAILURES = 4
    for name in ["a", "b", "c", "d"]:
        sign_in(name, "wrong", address="198.51.100.1")
    assert sign_in("official", "pw-official", address="198.51.100.1").status_code == 429
    assert sign_in("official", "pw-official", address="198.51.100.2").status_code == 302


def test_a_successful_sign_in_clears_the_accounts_count(official):
    for _ in range(2):
        sign_in("official", "wrong", address="10.1.0.1")
    assert sign_in("official", "pw-official", address="10.1.0.2").status_code == 302
    for _ in range(2):
        sign_in("official", "wrong", address="10.1.0.3")
    assert sign_in("official", "pw-official", address="10.1.0.4").status_code == 302


def test_the_admin_sign_in_is_locked_too(superuser):
    for _ in range(3):
        sign_in("root", "wrong", url="/admin/login/")
    response = sign_in("root", "pw-root", url="/admin/login/")
    assert LOCKED_VI in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_sign_in_works_when_redis_is_down(official, settings):
    settings.CACHES = {"default": settings.CACHES["default"] | {"LOCATION": "redis://127.0.0.1:9/0"}}
    for _ in range(4):
        sign_in("official", "wrong")
    assert sign_in("official", "pw-official").status_code == 302
