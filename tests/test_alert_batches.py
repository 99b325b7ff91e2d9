"""Rules evaluated together: the moving-window rules of one layer over one set of communes read in one
statement with the values each would read alone; a broken rule in such a batch records its error and
its neighbours still fire; a rule being evaluated elsewhere is skipped while the rest of its batch
is evaluated; the raster rules of one layer share one read, and a raster version already read is not
read again."""

from datetime import timedelta
from unittest import mock

import pytest
import rasterio
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analysis import rasters
from layers.catalog import publish_changes
from layers.models import Feature, Layer, TimeKind
from monitoring.evaluation import LOCK_SPACE, evaluate_rules
from monitoring.metric_batches import batches
from monitoring.models import AdminUnit, AlertRule, AlertState, BoundaryVersion
from monitoring.rules import check_rule, metric_values
from tests.alert_world import START
from tests.conftest import make_layer, other_session
from tests.test_alert_metrics import flood, raster_rule, sets, write_depths  # noqa: F401 (fixtures)

SCHEMA = [
    {"name": "kind", "type": "string", "label_vi": "Loại", "label_en": "Kind"},
    {"name": "injured", "type": "integer", "label_vi": "Bị thương", "label_en": "Injured"},
]
NOW = START + timedelta(days=3)


@pytest.fixture
def communes(db) -> BoundaryVersion:
    version = BoundaryVersion.objects.create(code="b22", title_vi="Thử", title_en="Test", valid_from="2022-01-01")
    for code, name, x in (("91001", "Xã Đông", 106.4), ("91002", "Xã Tây", 106.6), ("91003", "Xã Trống", 106.8)):
        square = GEOSGeometry(f"POLYGON(({x} 10.5, {x + 0.1} 10.5, {x + 0.1} 10.6, {x} 10.6, {x} 10.5))", srid=4326)
        AdminUnit.objects.create(version=version, code=code, level="commune", name=name, short_name=name,
                                 match_name=name.lower(), geom=MultiPolygon(square, srid=4326))
    return version


@pytest.fixture
def incidents(communes) -> Layer:
    layer = make_layer("incidents-batch", time_kind=TimeKind.INSTANT, domain="traffic", property_schema=SCHEMA)
    for i, (x, hours, kind, injured) in enumerate([
        (106.45, 0.5, "tai_nan", 3), (106.45, 2, "tai_nan", 1), (106.45, 5, "un_tac", 0), (106.45, 20, "tai_nan", 7),
        (106.45, 30, "tai_nan", 9),  # outside every window
        (106.65, 0.2, "un_tac", 2), (106.65, 10, "tai_nan", 4),
    ]):
        at = NOW - timedelta(hours=hours)
        Feature.objects.create(layer=layer, source_id=str(i), geom=GEOSGeometry(f"POINT({x} 10.55)"),
                               properties={"kind": kind, "injured": injured}, time_start=at, time_end=at)
    return publish_changes(layer)


def window_rule(layer: Layer, version: BoundaryVersion, slug: str, **fields) -> AlertRule:
    defaults = dict(slug=slug, title_vi=slug, title_en=slug, metric="layer", layer=layer, aggregate="count",
                    window_hours=24, area_kind="level", boundary=version, level="commune", threshold=2.5,
                    pending_seconds=0)
    rule = AlertRule(**(defaults | fields))
    check_rule(rule)
    rule.save()
    return rule


def the_rules(layer: Layer, version: BoundaryVersion) -> list[AlertRule]:
    return [
        window_rule(layer, version, "b-count", filters={"kind": "tai_nan"}),
        window_rule(layer, version, "b-max", aggregate="max", property="injured", window_hours=6, threshold=2.5),
        window_rule(layer, version, "b-sum", aggregate="sum", property="injured", threshold=10),
        window_rule(layer, version, "b-avg", aggregate="avg", property="injured", window_hours=1, threshold=1),
        window_rule(layer, version, "b-hurt", filters={"injured": {"gte": 3}}, threshold=1.5),
    ]


def test_the_window_rules_of_one_layer_read_in_one_statement_the_values_each_reads_alone(incidents, communes):
    rules = the_rules(incidents, communes)
    assert [len(batch) for batch in batches(rules)] == [5]
    alone = {rule.slug: {a.name: a.value for a in metric_values(rule, now=NOW)} for rule in rules}
    with CaptureQueriesContext(connection) as queries:
        evaluate_rules(rules, now=NOW)
    assert len([q for q in queries.captured_queries if "layers_feature" in q["sql"]]) == 2  # values, then outlines
    with CaptureQueriesContext(connection) as queries:
        evaluate_rules(rules, now=NOW)
    assert len([q for q in queries.captured_queries if "layers_feature" in q["sql"]]) == 1
    together = {rule.slug: {s.area_name: s.value for s in AlertState.objects.filter(rule=rule)} for rule in rules}
    assert together == alone
    assert together["b-count"] == {"Xã Đông": 3.0, "Xã Tây": 1.0, "Xã Trống": 0.0}
    assert together["b-max"] == {"Xã Đông": 3.0, "Xã Tây": 2.0, "Xã Trống": None}
    assert together["b-avg"] == {"Xã Đông": 3.0, "Xã Tây": 2.0, "Xã Trống": None}
    firing = set(AlertState.objects.filter(status="firing").values_list("rule__slug", "area_name"))
    assert firing == {("b-count", "Xã Đông"), ("b-max", "Xã Đông"), ("b-sum", "Xã Đông"), ("b-avg", "Xã Đông"),
                      ("b-avg", "Xã Tây"), ("b-hurt", "Xã Đông")}


def test_a_broken_rule_in_a_batch_records_its_error_and_its_neighbours_still_fire(incidents, communes):
    rules = the_rules(incidents, communes)
    evaluate_rules(rules, now=NOW - timedelta(days=2))  # nothing in the windows yet: every state normal
    # Broken behind the checks' back (as a hand-edited row could be): a comparison nobody knows.
    AlertRule.objects.filter(slug="b-hurt").update(filters={"injured": {"about": 3}})
    fired = evaluate_rules(AlertRule.objects.filter(pk__in=[r.pk for r in rules]).order_by("slug"), now=NOW)
    assert {e.rule.slug for e in fired} == {"b-count", "b-max", "b-sum", "b-avg"}
    broken = AlertRule.objects.get(slug="b-hurt")
    assert broken.last_error
    assert set(AlertState.objects.filter(rule=broken).values_list("status", flat=True)) == {"error"}
    assert AlertRule.objects.filter(last_error="", last_evaluated_at=NOW).count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_rule_being_evaluated_elsewhere_is_skipped_and_the_rest_of_its_batch_is_evaluated():
    version = BoundaryVersion.objects.create(code="b23", title_vi="Thử", title_en="Test", valid_from="2022-01-01")
    square = GEOSGeometry("POLYGON((106.4 10.5, 106.5 10.5, 106.5 10.6, 106.4 10.6, 106.4 10.5))", srid=4326)
    AdminUnit.objects.create(version=version, code="92001", level="commune", name="Xã Khoá", short_name="Khoá",
                             match_name="xã khoá", geom=MultiPolygon(square, srid=4326))
    layer = make_layer("incidents-locked", time_kind=TimeKind.INSTANT, domain="traffic", property_schema=SCHEMA)
    Feature.objects.create(layer=layer, source_id="1", geom=GEOSGeometry("POINT(106.45 10.55)"),
                           properties={"kind": "tai_nan", "injured": 5}, time_start=NOW, time_end=NOW)
    first = window_rule(layer, version, "locked-a", threshold=0.5)
    second = window_rule(layer, version, "locked-b", threshold=0.5)
    with other_session(autocommit=False) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, first.pk])
        assert [e.rule_id for e in evaluate_rules([first, second], now=NOW)] == [second.pk]
        other.rollback()
    assert not AlertState.objects.filter(rule=first).exists()
    assert [e.rule_id for e in evaluate_rules([first, second], now=NOW)] == [first.pk]


def test_the_raster_rules_of_one_layer_share_one_read_and_a_version_read_is_not_read_again(sets, flood, settings):
    mean = raster_rule(flood, sets[0])
    deepest = raster_rule(flood, sets[0], slug="flood-max", raster_statistic="max", threshold=3.0, recovery=None)
    share = raster_rule(flood, sets[0], slug="flood-share", raster_statistic="share_above", raster_above=0.5,
                        threshold=50, recovery=None)
    with mock.patch.object(rasters.rasterio, "open", wraps=rasterio.open) as opened:
        evaluate_rules([mean, deepest, share], now=START)
    assert opened.call_count == 2  # once to pick the overview, once to read the window of every area
    values = {(s.rule.slug, s.area_name): s.value for s in AlertState.objects.filter(rule__layer=flood)}
    assert values[("flood-mean", "Xã Đông")] == pytest.approx(0.495, abs=0.01)
    assert values[("flood-max", "Xã Đông")] == pytest.approx(0.99, abs=0.01)
    with mock.patch.object(rasters.rasterio, "open", wraps=rasterio.open) as opened:
        evaluate_rules([mean, deepest, share], now=START + timedelta(minutes=5))
    assert opened.call_count == 0
    # A new raster (a new version): read anew, and the mean follows the water.
    write_depths(settings.MEDIA_ROOT / "rasters" / "flood.tif", offset=-3.0)
    flood.version += 1
    flood.save(update_fields=["version"])
    with mock.patch.object(rasters.rasterio, "open", wraps=rasterio.open) as opened:
        evaluate_rules([mean, deepest, share], now=START + timedelta(minutes=10))
    assert opened.call_count == 2
    assert AlertState.objects.get(rule=mean, area_name="Xã Đông").value < 0

