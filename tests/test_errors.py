"""Every bad request gets a 4xx in the one error shape, with a message a person can act on."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

FEATURES = "/api/layers/schools/features/"


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in body["detail"] and "SELECT" not in body["detail"]
    return body


@pytest.mark.parametrize("bbox", ["106.7,10.4,106.3,10.7", "106.3,10.7,106.7,10.4"])
def test_an_inverted_bbox_is_refused(api, schools, bbox):
    body = assert_error(api.get(FEATURES, {"bbox": bbox}, HTTP_ACCEPT_LANGUAGE="en"), 400, "invalid_bbox")
    assert "inverted" in body["detail"]
    vietnamese = assert_error(api.get(FEATURES, {"bbox": bbox}), 400, "invalid_bbox")
    assert "đảo ngược" in vietnamese["detail"]


@pytest.mark.parametrize("bbox", ["a,b,c,d", "106,10,107", "106,10,107,11,12", "nan,10,107,11", "200,10,210,11", ""])
def test_a_malformed_bbox_is_refused(api, schools, bbox):
    assert_error(api.get(FEATURES, {"bbox": bbox}), 400, "invalid_bbox")


@pytest.mark.parametrize("value", ["yesterday", "2022-13-01", "2022-06-01T25:00:00Z", "2022-06-02/2022-06-01", "../..", "a/b/c"])
def test_a_bad_datetime_is_refused(official, incidents, value):
    from tests.conftest import client_for

    assert_error(client_for(official).get("/api/layers/incidents/features/", {"datetime": value}), 400, "invalid_datetime")


def test_datetime_on_a_layer_without_time_is_refused(api, schools):
    body = assert_error(api.get(FEATURES, {"datetime": "2022-01-01"}, HTTP_ACCEPT_LANGUAGE="en"), 400, "invalid_datetime")
    assert "no time" in body["detail"]


def test_an_unknown_property_filter_is_refused_and_named(api, schools):
    body = assert_error(api.get(FEATURES, {"colour": "red"}, HTTP_ACCEPT_LANGUAGE="en"), 400, "unknown_parameter")
    assert "colour" in body["detail"] and "level" in body["detail"]
    assert "colour" in body["fields"]


def test_an_unknown_property_in_properties_is_refused(api, schools):
    assert_error(api.get(FEATURES, {"properties": "name,secret"}), 400, "unknown_parameter")


def test_a_wrongly_typed_property_value_is_refused(api, schools):
    body = assert_error(api.get(FEATURES, {"pupils": "many"}, HTTP_ACCEPT_LANGUAGE="en"), 400, "invalid_parameter")
    assert body["fields"] == {"pupils": ["Expected a value of type integer."]}


@pytest.mark.parametrize("limit", ["0", "-5", "ten", "1.5"])
def test_a_bad_limit_is_refused(api, schools, limit):
    assert_error(api.get(FEATURES, {"limit": limit}), 400, "invalid_parameter")


def test_a_bad_cursor_is_refused(api, schools):
    assert_error(api.get(FEATURES, {"after": "abc"}), 400, "invalid_parameter")


def test_an_unknown_layer_is_a_404_in_the_error_shape(api):
    assert_error(api.get("/api/layers/khong-co/"), 404, "layer_not_found")
    assert_error(api.get("/api/layers/khong-co/features/"), 404, "layer_not_found")


@pytest.mark.parametrize("feature_id", ["999999999", "abc", "1e5", "99999999999999999999999"])
def test_an_unknown_feature_is_a_404(api, schools, feature_id):
    assert_error(api.get(f"/api/layers/schools/features/{feature_id}/"), 404, "feature_not_found")


def test_an_unknown_address_is_a_404_in_the_error_shape():
    assert_error(Client().get("/no/such/page/"), 404, "not_found")


def test_a_wrong_method_is_a_405_in_the_error_shape(api, schools):
    assert_error(api.post("/api/layers/", {}), 405, "method_not_allowed")


def test_messages_follow_the_callers_language(api, schools):
    english = api.get(FEATURES, {"bbox": "x"}, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    vietnamese = api.get(FEATURES, {"bbox": "x"}, HTTP_ACCEPT_LANGUAGE="vi").json()["detail"]
    assert "bbox" in english and "bbox" in vietnamese
    assert english != vietnamese
