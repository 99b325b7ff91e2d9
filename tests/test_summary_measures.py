"""Numbers that mean what they say: a summary adds up a layer's measures (the schema says which
properties are measures and how they aggregate), summarises a time series per station (latest, mean,
largest over the window, not "720 readings"), and measures lines and polygons clipped to the zone on
the spheroid, as a VN-2000 TM-3 projection measures them too."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
from django.core.exceptions import ValidationError
from pyproj import Transformer
from shapely import wkt
from shapely.geometry import box as shapely_box

from layers.models import TimeKind
from layers.schema import validate_property_schema
from tests.conftest import add_features, client_for, make_layer
from tests.test_zone_summaries import by_slug, polygon

pytestmark = pytest.mark.django_db
SUMMARY = "/api/summary/"
SQUARE = (106.40, 10.53, 106.42, 10.55)
CASES = [{"name": "cases", "type": "integer", "label_vi": "Số ca", "label_en": "Cases", "unit": "ca", "aggregate": "sum"},
         {"name": "commune", "type": "string", "label_vi": "Xã", "label_en": "Commune"}]
READINGS = [
    {"name": "station_code", "type": "string", "label_vi": "Mã trạm", "label_en": "Station code", "station": "id"},
    {"name": "station_name", "type": "string", "label_vi": "Trạm", "label_en": "Station", "station": "name"},
    {"name": "pm25", "type": "number", "label_vi": "Bụi PM2.5", "label_en": "PM2.5", "unit": "µg/m³", "aggregate": "mean"},
]
START = datetime(2022, 12, 1, tzinfo=UTC)


@pytest.fixture
def weekly_cases(db, health_group):
    layer = make_layer("weekly-cases", access="restricted", groups=[health_group], domain="health",
                       property_schema=CASES, time_kind=TimeKind.INSTANT)
    return add_features(layer, [
        ("w1", "POINT(106.41 10.54)", {"cases": 4, "commune": "Phường 1"}, START),
        ("w2", "POINT(106.415 10.545)", {"cases": 3, "commune": "Phường 1"}, START + timedelta(days=7)),
        ("w3", "POINT(106.60 10.60)", {"cases": 9, "commune": "far away"}, START),
        ("w4", "POINT(106.411 10.541)", {"cases": "unknown", "commune": "Phường 1"}, START),
    ])


@pytest.fixture
def air(db):
    layer = make_layer("hourly-air", domain="environment", property_schema=READINGS, time_kind=TimeKind.INSTANT)
    rows = []
    for hour in range(48):
        t = START + timedelta(hours=hour)
        rows.append((f"a-{hour}", "POINT(106.405 10.535)", {"station_code": "A", "station_name": "Tân An", "pm25": 10 + hour}, t))
        rows.append((f"b-{hour}", "POINT(106.415 10.545)", {"station_code": "B", "station_name": "Bến Lức", "pm25": 50.0}, t))
    return add_features(layer, rows)


def test_a_record_of_four_cases_counts_four_for_the_health_officer(health_officer, weekly_cases):
    body = client_for(health_officer).post(SUMMARY, {"geometry": polygon(*SQUARE)}, format="json").json()
    layer = by_slug(body)["weekly-cases"]
    assert layer["count"] == 3  # rows: the one far away is outside, the "unknown" one is inside
    [cases] = layer["measures"]
    assert cases == {"property": "cases", "label": "Số ca", "unit": "ca", "aggregate": "sum", "value": 7, "values": 2}
    assert layer["stations"] is None


def test_the_measures_follow_the_time_window(health_officer, weekly_cases):
    body = client_for(health_officer).post(
        SUMMARY, {"geometry": polygon(*SQUARE), "datetime": "2022-12-05/2022-12-31"}, format="json").json()
    assert by_slug(body)["weekly-cases"]["measures"][0]["value"] == 3


def test_an_outsider_never_sees_the_restricted_measures(outsider, weekly_cases):
    body = client_for(outsider).post(SUMMARY, {"geometry": polygon(*SQUARE)}, format="json").json()
    assert "weekly-cases" not in by_slug(body)


def test_a_time_series_is_summarised_per_station_as_latest_mean_and_max(official, air):
    body = client_for(official).post(
        SUMMARY, {"geometry": polygon(*SQUARE), "datetime": "2022-12-01T00:00:00Z/2022-12-01T23:00:00Z"},
        format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    layer = by_slug(body)["hourly-air"]
    assert layer["count"] == 48  # readings: kept for the panel, but the stations say what they mean
    a, b = layer["stations"]
    assert (a["id"], a["name"], a["readings"]) == ("A", "Tân An", 24)
    assert a["measures"] == [{"property": "pm25", "label": "PM2.5", "unit": "µg/m³",
                              "latest": 33, "mean": 21.5, "max": 33}]
    assert (b["id"], b["readings"], b["measures"][0]["mean"], b["measures"][0]["latest"]) == ("B", 24, 50, 50)


def test_lines_are_clipped_to_the_zone_and_measured_as_tm3_measures_them(official):
    road = "LINESTRING(106.30 10.54, 106.50 10.545)"
    layer = make_layer("a-road", domain="traffic", geometry_type="LineString", property_schema=[],
                       style={"type": "line", "color": "#000000"})
    add_features(layer, [("r1", road, {})])
    body = client_for(official).post(SUMMARY, {"geometry": polygon(*SQUARE)}, format="json").json()
    inside = wkt.loads(road).intersection(shapely_box(*SQUARE))
    tm3 = Transformer.from_crs("EPSG:4326", "EPSG:9210", always_xy=True).transform
    assert by_slug(body)["a-road"]["length_km"] == pytest.approx(shapely.transform(inside, lambda xy: np.column_stack(tm3(xy[:, 0], xy[:, 1]))).length / 1000, rel=2e-4)
    assert by_slug(body)["a-road"]["area_ha"] is None


def test_every_layer_says_which_version_was_counted(official, air):
    body = client_for(official).post(SUMMARY, {"geometry": polygon(*SQUARE)}, format="json").json()
    air.refresh_from_db()
    assert by_slug(body)["hourly-air"]["version"] == air.version >= 1


@pytest.mark.parametrize("entry", [
    {"name": "level", "type": "string", "label_vi": "Cấp", "label_en": "Level", "aggregate": "sum"},
    {"name": "pupils", "type": "integer", "label_vi": "Học sinh", "label_en": "Pupils", "aggregate": "median"},
    {"name": "code", "type": "string", "label_vi": "Mã", "label_en": "Code", "station": "yes"},
], ids=["a-text-summed", "an-unknown-aggregate", "an-unknown-station-role"])
def test_a_schema_refuses_a_measure_that_cannot_be_aggregated(entry):
    with pytest.raises(ValidationError):
        validate_property_schema([entry])
