"""Bad alert rules are refused before they are saved, in the one error shape (monitoring.rules.
validate_rule, which the API and the admin call): an unknown or hidden layer, an unknown property, a
threshold on a text property, a recovery threshold on the wrong side, a raster rule without a raster."""

import pytest
from django.utils import translation

from layers.errors import ApiError
from layers.models import TimeKind
from monitoring.models import AlertRule
from monitoring.rules import validate_rule
from tests.alert_world import STATION_SCHEMA
from tests.conftest import make_layer

pytestmark = pytest.mark.django_db
SCHEMA = STATION_SCHEMA + [{"name": "river", "type": "string", "label_vi": "Sông", "label_en": "River"}]


@pytest.fixture
def salinity(db):
    return make_layer("salinity-validation", time_kind=TimeKind.INSTANT, domain="water", property_schema=SCHEMA)


def rule(layer, **fields) -> AlertRule:
    defaults = dict(slug="r", title_vi="R", title_en="R", metric="station", layer=layer, aggregate="max",
                    property="salinity_gl", window_hours=1, area_kind="stations", threshold=4.0, recovery=3.5)
    return AlertRule(**(defaults | fields))


def refused(candidate: AlertRule, user=None) -> dict:
    with translation.override("en"), pytest.raises(ApiError) as caught:
        validate_rule(candidate, user=user)
    error = caught.value
    assert (error.status_code, error.code) == (400, "validation_error")
    return error.fields


def test_a_good_rule_passes(salinity, official):
    validate_rule(rule(salinity), user=official)


def test_an_unknown_property_is_refused_by_name(salinity):
    assert "property" in refused(rule(salinity, property="salinity"))


def test_a_threshold_on_a_text_property_is_refused(salinity):
    assert refused(rule(salinity, property="river")) == {"property": ["A threshold needs a numeric property."]}


def test_a_recovery_threshold_on_the_wrong_side_is_refused(salinity):
    assert "recovery" in refused(rule(salinity, recovery=4.5))
    assert "recovery" in refused(rule(salinity, comparison="below", threshold=1.0, recovery=0.5))


def test_a_filter_on_an_unknown_property_is_refused(salinity):
    assert "filters" in refused(rule(salinity, filters={"nope": 1}))


def test_a_layer_the_user_may_not_see_is_refused_as_unknown_without_naming_it(dengue, outsider):
    fields = refused(rule(dengue, property="cases"), user=outsider)
    assert fields == {"layer": ["There is no such layer."]}
    assert "dengue" not in str(fields)


def test_a_raster_rule_needs_a_raster_layer_and_a_statistic(salinity):
    fields = refused(rule(salinity, metric="raster", area_kind="zones", raster_statistic="median"))
    assert set(fields) == {"layer", "raster_statistic"}
    fields = refused(rule(salinity, metric="raster", area_kind="zones", raster_statistic="share_above"))
    assert "raster_above" in fields


def test_a_freshness_rule_watches_services(salinity):
    assert "area_kind" in refused(rule(None, metric="freshness", area_kind="zones", aggregate="", property=""))
