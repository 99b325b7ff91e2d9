"""A proposed zone and intended use checked against the plan-compliance rules stored as data (seeded
with Long An rules, editable in the admin): a verdict (compatible / conditions / conflicts), each
finding with its rule, its area in hectares or its distances and the features involved — computed only
from layers the caller may see."""

import importlib

import pytest

from analysis.models import ComplianceRule
from tests.conftest import client_for
from tests.province import HOMES, RICE
from tests.test_zonal_statistics import ZONE, flood_cog, raster_layer  # noqa: F401  (fixture)
from tests.test_zone_summaries import hectares, polygon

pytestmark = pytest.mark.django_db
URL = "/api/analysis/compliance/"


@pytest.fixture
def long_an_rules(db):
    """The rules the migration seeds (a transactional test elsewhere may have flushed them)."""
    seeded = importlib.import_module("analysis.migrations.0002_long_an_rules")
    for rule in seeded.RULES:
        ComplianceRule.objects.update_or_create(code=rule["code"], defaults=rule)


def check(user, use: str, bounds, **extra) -> dict:
    response = client_for(user).post(URL, {"use": use, "geometry": polygon(*bounds)}, format="json", **extra)
    assert response.status_code == 200, response.content
    return response.json()


def fired(body: dict) -> dict:
    return {f["rule"]["code"]: f for f in body["findings"] if f["fired"]}


def test_the_long_an_rules_are_seeded_and_valid(long_an_rules):
    for rule in ComplianceRule.objects.all():
        rule.full_clean()
    codes = set(ComplianceRule.objects.values_list("code", flat=True))
    assert {"cong-nghiep-tren-dat-lua", "cong-nghiep-cach-truong-hoc-500m", "rung-tram-dat-ngap-nuoc",
            "ngap-sau-tren-1m", "ty-le-dat-lua-bao-ve"} <= codes


def test_an_industrial_cluster_on_rice_land_beside_a_school_conflicts(long_an_rules, planner, land_use, province_schools):
    west_half = (RICE[0], RICE[1], (RICE[0] + RICE[2]) / 2, RICE[3])
    body = check(planner, "industrial", west_half)
    assert body["verdict"] == "conflicts" and body["conflicts"] == 2
    rice = fired(body)["cong-nghiep-tren-dat-lua"]
    assert rice["area_ha"] == pytest.approx(hectares(west_half), rel=1e-3) and rice["share"] == pytest.approx(1.0)
    assert rice["layer"]["slug"] == "land-use-plan" and rice["features"][0]["area_ha"] == rice["area_ha"]
    school = fired(body)["cong-nghiep-cach-truong-hoc-500m"]
    assert [f["name"] for f in school["features"]] == ["Trường Tiểu học Khánh Hậu"]
    assert school["rule"]["severity"] == "conflict" and school["rule"]["title"].startswith("Công nghiệp cách trường học")


def test_housing_on_residential_land_is_compatible(long_an_rules, planner, land_use, province_schools):
    body = check(planner, "residential", HOMES, HTTP_ACCEPT_LANGUAGE="en")
    assert body["verdict"] == "compatible" and fired(body) == {}
    assert body["versions"]["land-use-plan"] >= 1


def test_housing_over_a_large_share_of_rice_land_needs_approval(long_an_rules, planner, land_use):
    half_rice = (RICE[0] - 0.02, RICE[1], RICE[2], RICE[3])  # 0.02° of rice in 0.04°
    body = check(planner, "residential", half_rice, HTTP_ACCEPT_LANGUAGE="en")
    assert body["verdict"] == "conditions"
    share = fired(body)["ty-le-dat-lua-bao-ve"]
    assert share["share"] == pytest.approx(0.5, abs=0.01)
    assert share["rule"]["title"] == "Converting more than 30% rice land needs the Prime Minister's approval"


def test_deep_flood_over_a_share_of_the_zone_sets_a_condition(long_an_rules, planner, flood_cog):
    raster_layer("flood-depth")
    ComplianceRule.objects.filter(code="ngap-sau-tren-1m").update(threshold=0.5)
    body = check(planner, "residential", ZONE)
    flood = fired(body)["ngap-sau-tren-1m"]
    assert body["verdict"] == "conditions" and flood["share"] == pytest.approx(0.4, abs=0.01)


def test_a_restricted_layer_never_shapes_an_outsiders_verdict(outsider, health_officer, dengue):
    ComplianceRule.objects.create(code="xa-o-dich", title_vi="Gần ổ dịch SXH-XYZ", title_en="Near dengue", uses=[],
                                  kind="distance", layer="dengue", distance_m=1000, severity="conflict")
    around_the_case = (106.40, 10.53, 106.42, 10.55)
    health = check(health_officer, "residential", around_the_case)
    assert health["verdict"] == "conflicts" and "xa-o-dich" in fired(health)
    response = client_for(outsider).post(URL, {"use": "residential", "geometry": polygon(*around_the_case)}, format="json")
    assert response.json()["verdict"] == "compatible"
    assert b"dengue" not in response.content and "SXH-XYZ" not in response.content.decode()


@pytest.mark.parametrize("body, field", [
    ({"use": "casino", "geometry": polygon(*HOMES)}, "use"),
    ({"use": "industrial"}, "geometry"),
], ids=["unknown-use", "no-zone"])
def test_a_bad_request_gets_the_one_error_shape(planner, body, field):
    response = client_for(planner).post(URL, body, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
