"""Alert rules for tests: a salinity station layer (fixture `stations`), readings and a salinity rule
at 4 g/l recovering at 3.5 (the demo world's). Registered for every test module by tests/conftest.py."""

from datetime import datetime
from datetime import timezone as dt_timezone

import pytest
from django.contrib.gis.geos import GEOSGeometry

from layers.models import Feature, Layer, TimeKind
from monitoring.models import AlertRule
from monitoring.rules import check_rule
from tests.conftest import make_layer

START = datetime(2026, 3, 1, tzinfo=dt_timezone.utc)
STATION_SCHEMA = [
    {"name": "station_code", "type": "string", "label_vi": "Mã trạm", "label_en": "Station"},
    {"name": "salinity_gl", "type": "number", "label_vi": "Độ mặn", "label_en": "Salinity"},
]


def reading(layer: Layer, at: datetime, value: float, station: str = "MN-BX") -> None:
    Feature.objects.create(layer=layer, source_id=f"{station}-{at.isoformat()}", geom=GEOSGeometry("POINT(106.45 10.62)"),
                           properties={"station_code": station, "salinity_gl": value}, time_start=at, time_end=at)


@pytest.fixture
def stations(db) -> Layer:
    return make_layer("salinity-alerts", time_kind=TimeKind.INSTANT, domain="water", property_schema=STATION_SCHEMA)


def salinity_rule(layer: Layer, **fields) -> AlertRule:
    defaults = dict(slug="salinity-4", title_vi="Độ mặn trên 4 g/l", title_en="Salinity over 4 g/l", metric="station",
                    layer=layer, aggregate="max", property="salinity_gl", window_hours=1, area_kind="stations",
                    threshold=4.0, recovery=3.5, pending_seconds=1800, severity="critical")
    rule = AlertRule(**(defaults | fields))
    check_rule(rule)
    rule.save()
    return rule
