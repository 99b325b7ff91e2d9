"""The metrics an alert rule can watch, on each kind of area where it makes sense: flood depth per
commune from a raster (mean, max, share of the area above half a metre) read once for all areas and
re-evaluated when a new raster version lands; a department's data late (freshness); any station of a
layer over a value; counts per unit of the 2022 and the 2025 sets, per chosen unit and per planners'
zone; overdue 1022 reports per commune."""

from datetime import date, datetime, timedelta
from unittest import mock

import numpy as np
import pytest
import rasterio
from django.contrib.auth.models import Group
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from rasterio.transform import from_origin

from analysis import rasters
from layers.catalog import publish_changes
from layers.models import Department, Feature, Layer, TimeKind
from monitoring.evaluation import due_rules, evaluate
from monitoring.freshness import LOCAL
from monitoring.models import (
    AdminUnit,
    AlertEvent,
    AlertRule,
    AlertState,
    BoundaryVersion,
    Indicator,
    Service,
    Value,
)
from monitoring.periods import period_end
from monitoring.rules import check_rule
from tests.alert_world import START, reading, salinity_rule
from tests.conftest import make_layer

pytestmark = pytest.mark.django_db
# The raster: 106.30–106.70 E, 10.30–10.70 N at 0.001°; depth rises west to east, 0 at 106.40.
WEST, NORTH, RES, SIZE = 106.30, 10.70, 0.001, 400
EAST_X, WEST_X = 106.40, 106.60  # the two communes: 106.40–106.50 and 106.60–106.70, 10.50–10.60


def square(x: float, y: float = 10.5, side: float = 0.1) -> MultiPolygon:
    ring = f"(({x} {y}, {x + side} {y}, {x + side} {y + side}, {x} {y + side}, {x} {y}))"
    return MultiPolygon(GEOSGeometry(f"POLYGON{ring}", srid=4326), srid=4326)


@pytest.fixture
def sets(db) -> tuple[BoundaryVersion, BoundaryVersion]:
    """A 2022 set of two communes and a 2025 set of one ward that merged them."""
    old = BoundaryVersion.objects.create(code="t22", title_vi="2022", title_en="2022", valid_from="2022-01-01",
                                         valid_to="2025-07-01")
    new = BoundaryVersion.objects.create(code="t25", title_vi="2025", title_en="2025", valid_from="2025-07-01")
    for code, name, x in (("90001", "Xã Đông", EAST_X), ("90002", "Xã Tây", WEST_X)):
        AdminUnit.objects.create(version=old, code=code, level="commune", name=name, short_name=name,
                                 match_name=name.lower(), geom=square(x))
    AdminUnit.objects.create(version=new, code="95001", level="commune", name="Phường Mới", short_name="Mới",
                             match_name="mới", geom=square(EAST_X, side=0.3))
    return old, new


def write_depths(path, offset: float = 0.0) -> None:
    """Column j holds (j − 100) × 0.01 m + offset (0 at 106.40); nodata west of 106.40."""
    data = np.repeat(((np.arange(SIZE) - 100) * 0.01 + offset).astype("float32")[None, :], SIZE, axis=0)
    data[:, :100] = -9999
    with rasterio.open(path, "w", driver="COG", width=SIZE, height=SIZE, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(WEST, NORTH, RES, RES), nodata=-9999, blocksize=128) as dst:
        dst.write(data, 1)


@pytest.fixture
def flood(settings, tmp_path) -> Layer:
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "rasters").mkdir()
    write_depths(tmp_path / "rasters" / "flood.tif")
    return Layer.objects.create(
        slug="flood-alerts", title_vi="Độ sâu ngập", title_en="Flood depth", domain="water", kind="raster",
        geometry_type="", access="public", raster_path="rasters/flood.tif", style={"type": "raster", "rescale": [0, 3]},
        extent="SRID=4326;POLYGON((106.3 10.3,106.7 10.3,106.7 10.7,106.3 10.7,106.3 10.3))")


def raster_rule(layer: Layer, version: BoundaryVersion, **fields) -> AlertRule:
    defaults = dict(slug="flood-mean", title_vi="Ngập sâu", title_en="Deep flood", metric="raster", layer=layer,
                    raster_statistic="mean", area_kind="level", boundary=version, level="commune", threshold=0.5,
                    recovery=0.3, pending_seconds=0, severity="critical")
    rule = AlertRule(**(defaults | fields))
    check_rule(rule)
    rule.save()
    return rule


def values(rule: AlertRule) -> dict[str, tuple[str, float | None]]:
    return {s.area_name: (s.status, s.value) for s in AlertState.objects.filter(rule=rule)}


def test_flood_depth_mean_per_commune_fires_where_it_is_over_half_a_metre(sets, flood):
    rule = raster_rule(flood, sets[0])
    evaluate(rule, now=START)
    # Đông: columns 100–199, depth 0–0.99 m, mean 0.495; Tây: columns 300–399, mean 2.495.
    got = values(rule)
    assert got["Xã Đông"][0] == "normal" and got["Xã Đông"][1] == pytest.approx(0.495, abs=0.01)
    assert got["Xã Tây"][0] == "firing" and got["Xã Tây"][1] == pytest.approx(2.495, abs=0.01)
    assert AlertState.objects.get(rule=rule, area_name="Xã Tây").geom.contains(GEOSGeometry("POINT(106.65 10.55)"))


def test_the_max_and_the_share_above_a_value_per_unit_of_the_2025_set_and_per_chosen_unit(sets, flood):
    old, new = sets
    deepest = raster_rule(flood, new, slug="flood-max", raster_statistic="max", threshold=3.0, recovery=None)
    evaluate(deepest, now=START)
    assert values(deepest) == {"Phường Mới": ("normal", pytest.approx(2.99, abs=0.01))}
    share = raster_rule(flood, old, slug="flood-share", raster_statistic="share_above", raster_above=0.5,
                        threshold=40, recovery=None, area_kind="units", boundary=None, level="")
    share.units.set(AdminUnit.objects.filter(version=old, code="90001"))
    evaluate(share, now=START)
    # Half of Đông's columns are deeper than 0.5 m.
    assert values(share) == {"Xã Đông": ("firing", pytest.approx(49.0, abs=1.5))}


def test_a_commune_the_raster_does_not_cover_has_no_data(sets, flood):
    AdminUnit.objects.create(version=sets[0], code="90003", level="commune", name="Xã Xa", short_name="Xa",
                             match_name="xa", geom=square(107.5))
    rule = raster_rule(flood, sets[0])
    evaluate(rule, now=START)
    assert values(rule)["Xã Xa"] == ("no_data", None)


def test_the_raster_is_read_once_for_all_areas(sets, flood):
    rule = raster_rule(flood, sets[0])
    with mock.patch.object(rasters.rasterio, "open", wraps=rasterio.open) as opened:
        evaluate(rule, now=START)
    # Once to pick the overview, once to read the window of every area.
    assert opened.call_count == 2


def test_a_new_raster_version_makes_its_rules_due_and_they_resolve(sets, flood, settings):
    rule = raster_rule(flood, sets[0])
    evaluate(rule, now=START)
    assert rule not in due_rules(now=START + timedelta(seconds=1))
    write_depths(settings.MEDIA_ROOT / "rasters" / "flood.tif", offset=-3.0)  # the water went down
    flood.version += 1
    flood.save(update_fields=["version"])
    assert list(due_rules(now=START + timedelta(seconds=1))) == [rule]
    evaluate(rule, now=START + timedelta(seconds=1))
    assert values(rule)["Xã Tây"] == ("resolved", pytest.approx(-0.505, abs=0.01))
    assert AlertEvent.objects.get(rule=rule).resolved_at == START + timedelta(seconds=1)


def test_a_missing_raster_file_is_the_rules_error_not_no_data(sets, flood, settings):
    rule = raster_rule(flood, sets[0])
    (settings.MEDIA_ROOT / "rasters" / "flood.tif").unlink()
    evaluate(rule, now=START)
    rule.refresh_from_db()
    assert "missing" in rule.last_error
    assert set(AlertState.objects.filter(rule=rule).values_list("status", flat=True)) <= {"error"}


@pytest.fixture
def late_world(sets) -> tuple[Service, Indicator, Indicator]:
    """A monthly service due on the 5th at 17:00 with two indicators; one restricted."""
    department = Department.objects.create(group=Group.objects.create(name="dept-tnmt"), code="tnmt",
                                           name_vi="Sở TN&MT", name_en="DONRE")
    service = Service.objects.create(slug="moi-truong", title_vi="Môi trường", title_en="Environment",
                                     department=department, due_rule="monthly", due_day=5, due_hour=17)
    waste = Indicator.objects.create(slug="waste", service=service, title_vi="Rác", title_en="Waste", unit="t")
    secret = Indicator.objects.create(slug="secret", service=service, title_vi="Mật", title_en="Secret", unit="t",
                                      access="restricted")
    return service, waste, secret


def submit(indicator: Indicator, month: date, at: datetime) -> None:
    unit = AdminUnit.objects.filter(version__code="t25").first()
    Value.objects.create(indicator=indicator, unit=unit, period_start=month, period_end=period_end(month, "month"), value=1.0,
                         submitted_at=at)


def test_a_services_data_late_fires_and_resolves_when_it_comes(late_world):
    service, waste, secret = late_world
    rule = AlertRule(slug="late", title_vi="Trễ hạn", title_en="Late", metric="freshness", area_kind="services",
                     threshold=24, recovery=1, pending_seconds=0)
    check_rule(rule)
    rule.save()
    on_time = datetime(2026, 2, 5, 9, tzinfo=LOCAL)
    submit(waste, date(2026, 1, 1), on_time)
    submit(secret, date(2025, 6, 1), on_time)  # the restricted one is very late, and not watched here
    evaluate(rule, now=datetime(2026, 3, 5, 18, tzinfo=LOCAL))  # February due an hour ago
    assert values(rule) == {"Môi trường": ("normal", 1.0)}
    evaluate(rule, now=datetime(2026, 3, 7, 17, tzinfo=LOCAL))  # two days late
    assert values(rule) == {"Môi trường": ("firing", 48.0)}
    came = datetime(2026, 3, 7, 18, tzinfo=LOCAL)
    submit(waste, date(2026, 2, 1), came)
    evaluate(rule, now=came)
    assert values(rule) == {"Môi trường": ("resolved", 0.0)}
    event = AlertEvent.objects.get(rule=rule)
    assert (event.area_key, event.peak_value, event.resolved_at) == ("service-moi-truong", 48.0, came)


def test_a_freshness_rule_naming_one_indicator_watches_it_alone(late_world):
    service, waste, secret = late_world
    rule = AlertRule(slug="late-secret", title_vi="Trễ", title_en="Late", metric="freshness", area_kind="services",
                     indicator=secret, threshold=24, pending_seconds=0)
    check_rule(rule)
    rule.save()
    evaluate(rule, now=datetime(2026, 3, 7, 17, tzinfo=LOCAL))
    assert [s.area_key for s in AlertState.objects.filter(rule=rule, status="firing")] == ["indicator-secret"]


def test_any_station_of_a_layer_over_the_value_fires_for_that_station_only(stations):
    rule = salinity_rule(stations, pending_seconds=0)
    for code, value in (("MN-01", 3.1), ("MN-02", 4.6), ("MN-03", 2.0)):
        reading(stations, START, value, station=code)
    evaluate(rule, now=START)
    assert {s.area_key: s.status for s in AlertState.objects.filter(rule=rule)} == {
        "MN-01": "normal", "MN-02": "firing", "MN-03": "normal"}


INCIDENTS = [{"name": "kind", "type": "string", "label_vi": "Loại", "label_en": "Kind"},
             {"name": "overdue", "type": "boolean", "label_vi": "Quá hạn", "label_en": "Overdue"}]


def points(layer: Layer, x: float, n: int, at: datetime, **properties) -> None:
    for i in range(n):
        Feature.objects.create(layer=layer, source_id=f"{x}-{i}-{at:%H%M}-{properties}",
                               geom=GEOSGeometry(f"POINT({x + 0.05} 10.55)"), properties=properties,
                               time_start=at, time_end=at)
    publish_changes(layer)


def test_counts_per_unit_of_the_2025_set_and_per_planners_zone(sets, settings):
    old, new = sets
    layer = make_layer("count-alerts", time_kind=TimeKind.INSTANT, domain="traffic", property_schema=INCIDENTS)
    points(layer, EAST_X, 3, START - timedelta(hours=1), kind="tai_nan")
    points(layer, WEST_X, 3, START - timedelta(hours=1), kind="tai_nan")
    ward = AlertRule(slug="ward-count", title_vi="Sự cố", title_en="Incidents", metric="layer", layer=layer,
                     aggregate="count", window_hours=24, area_kind="level", boundary=new, level="commune",
                     threshold=5, pending_seconds=0)
    check_rule(ward)
    ward.save()
    evaluate(ward, now=START)
    assert values(ward) == {"Phường Mới": ("firing", 6.0)}

    zones = make_layer(settings.LAYERS_ZONES_LAYER, property_schema=[
        {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"}])
    Feature.objects.create(layer=zones, source_id="z1", geom=square(WEST_X - 0.01, side=0.2), properties={"name": "Khu A"})
    Feature.objects.create(layer=zones, source_id="z2", geom=square(EAST_X), properties={"name": "Khu B"})
    zone = AlertRule(slug="zone-count", title_vi="Sự cố", title_en="Incidents", metric="layer", layer=layer,
                     aggregate="count", window_hours=24, area_kind="zones", threshold=2.5, pending_seconds=0)
    check_rule(zone)
    zone.save()
    evaluate(zone, now=START)
    assert values(zone) == {"Khu A": ("firing", 3.0), "Khu B": ("firing", 3.0)}


def test_overdue_1022_reports_per_commune_are_a_count_of_the_flagged_reports(sets):
    # The 1022 layer (feedback.layer) carries `overdue`, flipped on time by feedback.overdue.
    reports = make_layer("feedback-alerts", time_kind=TimeKind.INSTANT, domain="feedback", property_schema=INCIDENTS)
    points(reports, EAST_X, 4, START - timedelta(days=20), overdue=True)
    points(reports, EAST_X, 9, START - timedelta(days=2), overdue=False)
    points(reports, WEST_X, 1, START - timedelta(days=2), overdue=True)
    rule = AlertRule(slug="overdue-1022", title_vi="Phản ánh quá hạn", title_en="Overdue reports", metric="layer",
                     layer=reports, aggregate="count", filters={"overdue": True}, window_hours=24 * 365,
                     area_kind="level", boundary=sets[0], level="commune", threshold=3, recovery=1, pending_seconds=0)
    check_rule(rule)
    rule.save()
    evaluate(rule, now=START)
    assert values(rule) == {"Xã Đông": ("firing", 4.0), "Xã Tây": ("normal", 1.0)}


def test_an_indicators_latest_period_per_unit_of_a_level_and_per_chosen_unit(late_world):
    _service, waste, _secret = late_world
    old = BoundaryVersion.objects.get(code="t22")
    east, west = AdminUnit.objects.filter(version=old).order_by("code")
    for unit, march, april in ((east, 12.0, 3.0), (west, 2.0, 14.0)):
        for month, value in ((date(2025, 3, 1), march), (date(2025, 4, 1), april)):
            Value.objects.create(indicator=waste, unit=unit, period_start=month, period_end=period_end(month, "month"),
                                 value=value, submitted_at=datetime(2025, 5, 1, tzinfo=LOCAL))
    level = AlertRule(slug="waste-level", title_vi="Rác", title_en="Waste", metric="indicator", indicator=waste,
                      area_kind="level", boundary=old, level="commune", threshold=10, pending_seconds=0)
    check_rule(level)
    level.save()
    evaluate(level, now=START)
    # April, the latest period, decides: Tây over 10, Đông back at 3.
    assert values(level) == {"Xã Đông": ("normal", 3.0), "Xã Tây": ("firing", 14.0)}
    chosen = AlertRule(slug="waste-east", title_vi="Rác", title_en="Waste", metric="indicator", indicator=waste,
                       area_kind="units", boundary=old, threshold=2.5, pending_seconds=0)
    check_rule(chosen)
    chosen.save()
    chosen.units.set([east])
    evaluate(chosen, now=START)
    assert values(chosen) == {"Xã Đông": ("firing", 3.0)}


def test_flood_depth_per_planners_zone(sets, flood, settings):
    zones = make_layer(settings.LAYERS_ZONES_LAYER, property_schema=[
        {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"}])
    # Overlapping zones: each counts the pixels it holds.
    Feature.objects.create(layer=zones, source_id="z1", geom=square(106.40, side=0.2), properties={"name": "Khu A"})
    Feature.objects.create(layer=zones, source_id="z2", geom=square(106.55, side=0.1), properties={"name": "Khu B"})
    rule = raster_rule(flood, None, slug="flood-zones", area_kind="zones", level="")
    evaluate(rule, now=START)
    got = values(rule)
    # Khu A: columns 100–299, mean 0.995; Khu B: columns 250–349, mean 2.0.
    assert got["Khu A"][0] == "firing" and got["Khu A"][1] == pytest.approx(0.995, abs=0.01)
    assert got["Khu B"][0] == "firing" and got["Khu B"][1] == pytest.approx(1.995, abs=0.02)
