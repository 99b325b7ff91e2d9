"""Request bodies past Django's limits (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS)
answer 413 `request_too_large` / 400 `too_many_fields` in the error shape, not a bare 400."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_form_body_over_the_memory_limit_answers_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().post("/accounts/login/", {"username": "x" * 2000, "password": "y"})
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_form_with_too_many_fields_answers_400_too_many_fields(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = Client().post("/accounts/login/", {f"f{i}": "1" for i in range(20)})
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_fields"


def test_the_limits_are_set_deliberately(settings):
    from geo_ioc import settings as project

    assert project.DATA_UPLOAD_MAX_MEMORY_SIZE == 4 * 1024 * 1024
    assert project.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert project.FILE_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024
