"""A small Long An for the wall's tests: the demo scenes' layers with features placed around each
scene's reference time, so every number on the wall can be worked out by hand. Its fixtures
(wall_world, demo_wall, display) are registered for every test module by tests/conftest.py."""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.contrib.auth.models import User

from layers.models import Access, Layer, TimeKind
from tests.conftest import add_features, make_layer
from wall.models import Playlist
from wall.seed import ensure_demo_scenes

TRAFFIC_NOW = datetime(2022, 12, 31, 5, 0, tzinfo=dt_timezone.utc)  # the traffic scene's as_of (12:00 ICT)
ENV_NOW = datetime(2022, 12, 31, 16, 0, tzinfo=dt_timezone.utc)  # the environment scene's as_of (23:00 ICT)
INCIDENT_SCHEMA = [{"name": n, "type": t, "label_vi": n, "label_en": n} for n, t in [
    ("incident_type", "string"), ("severity", "string"), ("road_name", "string"), ("district_code", "string"),
    ("injuries", "integer"), ("deaths", "integer")]]
AIR_SCHEMA = [{"name": n, "type": t, "label_vi": n, "label_en": n} for n, t in [
    ("station_code", "string"), ("station_name", "string"), ("aqi", "integer"), ("aqi_level", "string"),
    ("pm25", "number")]]
DISTRICT_SCHEMA = [{"name": n, "type": "string", "label_vi": n, "label_en": n} for n in ("code", "name")]


def incident(sid: str, ago: timedelta, district: str, injuries: int = 0, deaths: int = 0,
             kind: str = "va_cham", severity: str = "nhe") -> tuple:
    props = {"incident_type": kind, "severity": severity, "road_name": "Quốc lộ 1", "district_code": district,
             "injuries": injuries, "deaths": deaths}
    return (sid, "POINT(106.40 10.55)", props, TRAFFIC_NOW - ago)


def reading(sid: str, ago: timedelta, station: str, aqi: int, level: str, pm25: float) -> tuple:
    props = {"station_code": station, "station_name": f"Trạm {station}", "aqi": aqi, "aqi_level": level,
             "pm25": pm25}
    return (sid, "POINT(106.45 10.70)", props, ENV_NOW - ago)


@pytest.fixture
def wall_world(db) -> dict[str, Layer]:
    h, d = timedelta(hours=1), timedelta(days=1)
    districts = add_features(
        make_layer("admin-districts", domain="admin", geometry_type="Polygon", property_schema=DISTRICT_SCHEMA),
        [("794", "POLYGON((106.3 10.5,106.5 10.5,106.5 10.6,106.3 10.6,106.3 10.5))",
          {"code": "794", "name": "Thành phố Tân An"}),
         ("803", "POLYGON((106.5 10.6,106.6 10.6,106.6 10.7,106.5 10.7,106.5 10.6))",
          {"code": "803", "name": "Huyện Bến Lức"})])
    incidents = add_features(
        make_layer("traffic-incidents", access=Access.INTERNAL, time_kind=TimeKind.INSTANT, domain="traffic",
                   property_schema=INCIDENT_SCHEMA),
        [incident("i1", 1 * h, "794", injuries=2),
         incident("i2", 3 * d, "803", injuries=1, deaths=1, kind="tai_nan", severity="nghiem_trong"),
         incident("i3", 7 * d - h, "803"),
         incident("i4", 7 * d, "803", injuries=4),  # exactly a week before: last week's, not this week's
         incident("i5", 10 * d, "794", injuries=1),
         incident("i6", -1 * h, "794", injuries=9)])  # after the scene's "now": not counted anywhere
    air = add_features(
        make_layer("air-readings", time_kind=TimeKind.INSTANT, domain="environment", property_schema=AIR_SCHEMA),
        [reading("r1", 1 * h, "KK-DH", 50, "trung_binh", 20.5),
         reading("r2", 2 * h, "KK-BL", 150, "kem", 60.2),
         reading("r3", 30 * h, "KK-BL", 80, "trung_binh", 31.0)])
    # Empty, but there: each demo scene has something of its own for the display (staff), and the
    # feedback scene (internal) nothing for an anonymous lobby wall.
    landuse = make_layer("land-use-plan", domain="land_plan", geometry_type="Polygon", property_schema=[])
    feedback = make_layer("feedback-1022", access=Access.INTERNAL, time_kind=TimeKind.INSTANT,
                          domain="feedback", property_schema=[])
    return {"districts": districts, "incidents": incidents, "air": air, "landuse": landuse,
            "feedback": feedback}


@pytest.fixture
def demo_wall(wall_world) -> Playlist:
    return ensure_demo_scenes()


@pytest.fixture
def display(db) -> User:
    """A wall display account: staff, so it sees internal layers; it signs in with a token."""
    return User.objects.create_user("display-ioc", is_staff=True)
