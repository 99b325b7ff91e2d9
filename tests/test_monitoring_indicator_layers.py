"""Every indicator is a layer (domain monitoring): in the catalog, with GeoJSON whose time is the
period (so `datetime=` walks periods and the boundary set changes with them), a choropleth style of
its bands with a legend, vector tiles through the same code path as any layer, and exports."""

import mapbox_vector_tile
import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from monitoring.layers import refresh_features
from monitoring.models import Indicator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monitoring_world")]


@pytest.fixture
def pm25() -> Indicator:
    indicator = Indicator.objects.select_related("layer").get(slug="pm25")
    refresh_features(indicator)
    indicator.layer.refresh_from_db()
    return indicator


@pytest.fixture
def official() -> APIClient:
    client = APIClient()
    client.force_login(User.objects.create_user("official", is_staff=True))
    return client


def test_the_indicator_is_a_monitoring_layer_in_the_catalog_with_its_access(pm25, official):
    entry = official.get(f"/api/layers/{pm25.layer.slug}/").json()
    assert entry["domain"] == "monitoring" and entry["access"] == "public" and entry["time_kind"] == "interval"
    assert entry["feature_count"] == pm25.values.count()
    assert official.get("/api/indicators/pm25/").json()["layer"] == pm25.layer.slug


def test_datetime_walks_the_periods_and_the_boundary_set_changes_with_them(pm25, official):
    url = f"/api/layers/{pm25.layer.slug}/features/"
    june = official.get(url, {"datetime": "2025-06-15"}).json()["features"]
    august = official.get(url, {"datetime": "2025-08-15"}).json()["features"]
    assert {f["properties"]["period"] for f in june} == {"2025-06-01"}
    assert {f["properties"]["boundary"] for f in june} == {"2022"} and len(june) > 150
    assert {f["properties"]["boundary"] for f in august} == {"2025"} and len(august) < 70
    assert {f["properties"]["band"] for f in june} <= {"good", "watch", "critical"}


def test_the_style_colours_the_bands_and_carries_the_legend(pm25, official):
    style = official.get(f"/tiles/styles/{pm25.layer.slug}.json").json()
    text = str(style)
    for colour in ("#1a9850", "#fdae61", "#d73027"):
        assert colour in text
    assert "band" in text


def test_a_vector_tile_carries_value_band_and_period(pm25, official, settings):
    settings.TILES_CACHE = "none"
    response = official.get(f"/tiles/{pm25.layer.slug}/9/407/240.pbf", {"datetime": "2025-08-15"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    layers = mapbox_vector_tile.decode(content)
    features = next(iter(layers.values()))["features"]
    assert features and {f["properties"]["period"] for f in features} == {"2025-08-01"}
    assert {"value", "band", "code"} <= set(features[0]["properties"])


def test_the_layer_exports_like_any_other(pm25, official):
    response = official.get(f"/api/layers/{pm25.layer.slug}/export.csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"band" in content.splitlines()[0] and len(content.splitlines()) > 100
