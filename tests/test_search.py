"""Search finds places and features by name with or without Vietnamese diacritics, and coordinates in
WGS 84 or VN-2000, over the layers the caller may see — never the others."""

import pytest

from tests.conftest import client_for

pytestmark = pytest.mark.django_db
SEARCH = "/api/search/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [hit["name"] for hit in response.json()["results"]]


@pytest.mark.parametrize("query", ["tan an", "Tân An", "TAN AN", "tân an"])
def test_tan_an_is_found_with_or_without_diacritics_and_the_city_comes_first(api, province, query):
    found = names(api.get(SEARCH, {"q": query}))
    assert found[0] == "Thành phố Tân An"
    # "Xã Tân Ân" folds to the same letters, so it is found too.
    assert "Xã Tân Ân" in found and "Trường THPT Tân An" in found


def test_can_giuoc_finds_the_district_and_its_school(api, province):
    found = names(api.get(SEARCH, {"q": "can giuoc"}))
    assert found[:2] == ["Huyện Cần Giuộc", "Trường THCS Cần Giuộc"]


def test_d_with_stroke_folds_to_d(api, province):
    assert names(api.get(SEARCH, {"q": "duc hoa"}))[0] == "Huyện Đức Hòa"
    assert names(api.get(SEARCH, {"q": "Đức Hòa"}))[0] == "Huyện Đức Hòa"


def test_a_place_result_says_where_it_is_and_where_to_fly(api, province):
    hit = api.get(SEARCH, {"q": "phuong 1"}).json()["results"][0]
    assert hit["kind"] == "place" and hit["layer"] == "admin-communes"
    assert hit["context"] == "Thành phố Tân An"
    assert hit["bbox"] == pytest.approx([106.40, 10.52, 106.42, 10.54])
    assert 106.40 <= hit["center"][0] <= 106.42 and 10.52 <= hit["center"][1] <= 10.54
    assert hit["layer_title"] == "Đơn vị hành chính cấp xã"


def test_titles_follow_the_language(api, province):
    hit = api.get(SEARCH, {"q": "phuong 1"}, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert hit["layer_title"] == "Communes"


def test_an_internal_zone_is_found_only_by_those_who_may_see_it(api, province, official, outsider):
    query = {"q": "vung nghien cuu"}
    assert names(api.get(SEARCH, query)) == []
    assert names(client_for(outsider).get(SEARCH, query)) == []
    assert names(client_for(official).get(SEARCH, query)) == ["Vùng nghiên cứu mở rộng công nghiệp Đức Hòa"]


def test_like_wildcards_in_a_query_match_only_themselves(api, province):
    assert names(api.get(SEARCH, {"q": "%"})) == []
    assert names(api.get(SEARCH, {"q": "_"})) == []


def test_wgs84_degrees_find_the_units_at_that_point(api, province):
    body = api.get(SEARCH, {"q": "10.53, 106.41"}).json()
    assert body["coordinate"]["lon"] == pytest.approx(106.41) and body["coordinate"]["lat"] == pytest.approx(10.53)
    assert body["coordinate"]["crs"] == "EPSG:4326"
    assert [hit["name"] for hit in body["results"]] == ["Phường 1", "Thành phố Tân An"]


def test_vn2000_metres_are_turned_into_wgs84_with_the_official_transformation(api, province):
    # LONGAN.md §4: WGS 84 (106.4027 E, 10.5327 N) is E 571 239.8 / N 1 164 846.5 in EPSG:9210; that
    # figure is PROJ's default (EPSG:5194). EPSG:6960, which we use, puts it 0.8 m east: inside its 1 m.
    body = api.get(SEARCH, {"q": "571240.6 1164846.5"}).json()
    coordinate = body["coordinate"]
    assert coordinate["crs"] == "EPSG:9210"
    assert coordinate["lon"] == pytest.approx(106.4027, abs=1e-6)
    assert coordinate["lat"] == pytest.approx(10.5327, abs=1e-6)
    assert "Thành phố Tân An" in [hit["name"] for hit in body["results"]]


def test_a_surveyors_northing_first_order_is_understood(api, province):
    a = api.get(SEARCH, {"q": "1164846.5 571240.6"}).json()["coordinate"]
    b = api.get(SEARCH, {"q": "571240.6, 1164846.5"}).json()["coordinate"]
    assert (a["lon"], a["lat"]) == (b["lon"], b["lat"])


@pytest.mark.parametrize("query,code", [("", "invalid_parameter"), ("x" * 201, "invalid_parameter")])
def test_an_empty_or_huge_query_is_refused_in_the_error_shape(api, query, code):
    response = api.get(SEARCH, {"q": query})
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
