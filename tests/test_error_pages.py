"""Errors outside the API: a browser gets a readable page saying what happened and what to do, a
program (an /api/, /tiles/ or /healthz address, or no Accept: text/html) gets the one error shape."""

import json

import pytest
from django.test import Client, RequestFactory

from layers.errors import server_error

pytestmark = pytest.mark.django_db
BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def assert_page(response, status: int, *phrases: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'href="/"' in page and "Traceback" not in page
    for phrase in phrases:
        assert phrase in page, phrase
    return page


def assert_shape(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["code"] == code


def test_a_browser_gets_a_readable_page_for_an_unknown_address_in_vietnamese_or_english():
    assert_page(Client().get("/khong/co/", **BROWSER), 404, "Về trang chủ", "not_found")
    assert_page(Client().get("/khong/co/", HTTP_ACCEPT_LANGUAGE="en", **BROWSER), 404, "Back to the home page")


def test_a_program_gets_the_error_shape_for_the_same_address():
    assert_shape(Client().get("/khong/co/"), 404, "not_found")
    assert_shape(Client().get("/khong/co/", HTTP_ACCEPT="application/json"), 404, "not_found")


def test_an_api_address_answers_in_the_error_shape_even_to_a_browser():
    assert_shape(Client().get("/api/khong-co/", **BROWSER), 404, "not_found")
    assert_shape(Client().get("/tiles/khong-co/1/2/3.pbf?name=%00", **BROWSER), 400, "invalid_text")


def test_a_failed_csrf_check_is_a_page_for_a_browser_and_the_shape_for_a_program():
    form = {"username": "a", "password": "b"}
    assert_page(Client(enforce_csrf_checks=True).post("/accounts/login/", form, HTTP_ACCEPT_LANGUAGE="en", **BROWSER),
                403, "Reload the page")
    assert_shape(Client(enforce_csrf_checks=True).post("/accounts/login/", form), 403, "csrf_failed")


def test_a_host_that_is_not_allowed_is_refused_in_the_error_shape_without_a_traceback_in_the_log(caplog):
    assert_shape(Client().get("/api/layers/", HTTP_HOST="evil.example"), 400, "bad_host")
    assert_page(Client().get("/", HTTP_HOST="evil.example", **BROWSER), 400)
    assert not [r for r in caplog.records if r.exc_info]


def test_a_bad_display_token_is_a_page_for_the_wall_and_the_shape_for_a_program():
    response = Client().get("/wall/?token=nope", **BROWSER)
    assert response.status_code == 401 and response["Content-Type"].startswith("text/html")
    assert_shape(Client().get("/wall/?token=nope"), 401, "authentication_failed")


def test_a_server_error_is_a_page_for_a_browser_and_the_shape_for_a_program():
    assert_page(server_error(RequestFactory().get("/catalog/", **BROWSER)), 500, "server_error")
    assert_shape(server_error(RequestFactory().get("/catalog/")), 500, "server_error")
