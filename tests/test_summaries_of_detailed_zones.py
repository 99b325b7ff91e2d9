"""A summary of a zone too detailed to intersect as it is (an imported boundary of a million
vertices) is computed on a copy simplified to a stated tolerance, says so, and gives the same counts
and, to that tolerance, the same areas as the exact polygon."""

import math

import pytest

from layers.models import Feature
from tests.conftest import add_features, client_for, make_layer
from tests.province import ADMIN_SCHEMA, TAN_AN

pytestmark = pytest.mark.django_db


def circle_wkt(lon: float, lat: float, radius_deg: float, vertices: int) -> str:
    points = [(lon + radius_deg * math.cos(2 * math.pi * i / vertices), lat + radius_deg * math.sin(2 * math.pi * i / vertices))
              for i in range(vertices)]
    points.append(points[0])
    return "POLYGON((" + ",".join(f"{x} {y}" for x, y in points) + "))"


@pytest.fixture
def detailed(province):
    centre = ((TAN_AN[0] + TAN_AN[2]) / 2, (TAN_AN[1] + TAN_AN[3]) / 2)
    layer = make_layer("traced-boundaries", domain="admin", geometry_type="Polygon", property_schema=ADMIN_SCHEMA)
    add_features(layer, [("traced", circle_wkt(*centre, 0.04, 20_000), {"code": "t", "name": "Traced"})])
    return layer, Feature.objects.get(layer=layer, source_id="traced").pk


def summary(layer, feature_id) -> dict:
    response = client_for(None).get(f"/api/layers/{layer.slug}/features/{feature_id}/summary/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_zone_under_the_vertex_limit_is_summarised_exactly(settings, detailed):
    settings.LAYERS_SUMMARY_MAX_VERTICES = 50_000
    body = summary(*detailed)
    assert body["simplified"] is False and body["tolerance_m"] is None


def test_a_zone_over_the_vertex_limit_is_simplified_and_says_to_what_tolerance(settings, detailed):
    settings.LAYERS_SUMMARY_MAX_VERTICES = 50_000
    exact = summary(*detailed)
    settings.LAYERS_SUMMARY_MAX_VERTICES = 500
    settings.LAYERS_SUMMARY_SIMPLIFY_METRES = 2.0
    simplified = summary(*detailed)
    assert simplified["simplified"] is True and simplified["tolerance_m"] == 2.0
    assert simplified["area_ha"] == exact["area_ha"]  # the zone's own area is always the exact one
    for before, after in zip(exact["layers"], simplified["layers"], strict=True):
        assert after["count"] == before["count"], after["slug"]
        if before["area_ha"]:
            # A boundary moved at most 2 m: an area changes by at most perimeter × 2 m.
            perimeter_m = 2 * math.pi * 0.04 * 111_320
            assert abs(after["area_ha"] - before["area_ha"]) <= perimeter_m * 2.0 / 10_000 + 0.01, after["slug"]


def test_the_tolerance_grows_until_the_zone_fits_the_limit(settings, detailed):
    settings.LAYERS_SUMMARY_MAX_VERTICES = 12
    settings.LAYERS_SUMMARY_SIMPLIFY_METRES = 2.0
    body = summary(*detailed)
    assert body["simplified"] is True and body["tolerance_m"] > 2.0
    assert body["tolerance_m"] in {2.0 * 4**n for n in range(8)}
