"""The JSON shapes of the zone answers and of the planners' tools, for the OpenAPI schema
(drf-spectacular reads these serializers; the views build plain dicts: analysis.views._summary_body,
and analysis.tool_views from analysis.proximity, aggregates, saved_checks and zone_files). Every member
an answer may leave empty is nullable, every member only some answers have is not required: a
generated client and schemathesis check the answers against them (tests/test_openapi_is_true.py)."""

from rest_framework import serializers

from analysis.models import USES, RuleKind, Severity
from geo_ioc.openapi import GeometryField, ScalarField


class _Measure(serializers.Serializer):
    property = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    aggregate = serializers.ChoiceField(choices=["sum", "mean", "max"])
    value = serializers.FloatField(allow_null=True, help_text="The aggregate over the features inside.")
    values = serializers.IntegerField(help_text="Features with a numeric value.")


class _StationMeasure(serializers.Serializer):
    property = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    latest = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class _Station(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    readings = serializers.IntegerField()
    measures = _StationMeasure(many=True)


class _Category(serializers.Serializer):
    value = ScalarField(allow_null=True, help_text="The property's value as stored (null: not set).")
    label = serializers.CharField()
    color = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    area_ha = serializers.FloatField(allow_null=True)
    length_km = serializers.FloatField(allow_null=True)


class _By(serializers.Serializer):
    property = serializers.CharField()
    label = serializers.CharField(allow_null=True)
    categories = _Category(many=True)


class _LayerSummary(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    geometry_type = serializers.CharField()
    timed = serializers.BooleanField()
    version = serializers.IntegerField()
    count = serializers.IntegerField()
    area_ha = serializers.FloatField(allow_null=True, help_text="Polygon layers: their area inside, hectares.")
    length_km = serializers.FloatField(allow_null=True, help_text="Line layers: their length inside, km.")
    measures = _Measure(many=True)
    stations = _Station(many=True, allow_null=True, help_text="Time series only: per station over the window.")
    by = _By(allow_null=True, help_text="Counts by the property the layer's style colours by.")


class _RasterClass(serializers.Serializer):
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    label = serializers.CharField()
    color = serializers.CharField(allow_null=True)
    area_ha = serializers.FloatField()


class _RasterSummary(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    overview = serializers.IntegerField(allow_null=True, help_text="null: read at full resolution.")
    resolution_m = serializers.FloatField()
    pixels = serializers.IntegerField()
    valid_share = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    std = serializers.FloatField(allow_null=True)
    classes = _RasterClass(many=True)


class _Window(serializers.Serializer):
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)


class ZoneSummary(serializers.Serializer):
    area_ha = serializers.FloatField(help_text="The zone's own area (exact polygon), hectares.")
    bbox = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4)
    datetime = _Window()
    simplified = serializers.BooleanField()
    tolerance_m = serializers.FloatField(allow_null=True, help_text="How far the simplified zone's boundary moved.")
    layers = _LayerSummary(many=True)
    rasters = _RasterSummary(many=True)


class PolygonSummary(ZoneSummary):
    geometry = GeometryField(help_text="The polygon as understood: a GeoJSON Polygon in WGS 84.")


# -- the planners' tools (analysis.tool_views) ------------------------------------------------------

_VERSIONS = serializers.DictField(child=serializers.IntegerField(), help_text="The version of each layer read, by slug.")


class _ProximityProperties(serializers.Serializer):
    layer = serializers.CharField()
    name = serializers.CharField(allow_null=True, help_text="The style's label property, else `name` (null: none).")
    distance_m = serializers.FloatField(help_text="On the spheroid, metres.")
    near_id = serializers.IntegerField(required=False, allow_null=True,
                                       help_text="The feature it is near (null: near a zone or geometry).")
    near_name = serializers.CharField(required=False, allow_null=True)
    rank = serializers.IntegerField(required=False, help_text="nearest: 1 for the closest (to its origin).")


def _collection_of(feature: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """A GeoJSON FeatureCollection of `feature`s, a component of its own named `name`."""
    return type(name, (serializers.Serializer,), {
        "type": serializers.ChoiceField(choices=["FeatureCollection"]),
        "features": feature(many=True),
    })


class _ProximityFeature(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = GeometryField()
    properties = _ProximityProperties()


_ProximityFeatures = _collection_of(_ProximityFeature, "_ProximityFeatures")


class _CoverageProperties(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    share = serializers.FloatField(allow_null=True, help_text="0–1: of its area, or of `of`'s features in it.")
    features = serializers.IntegerField(required=False, help_text="With `of`: its features in the unit.")
    covered = serializers.IntegerField(required=False, help_text="With `of`: those within reach.")
    area_ha = serializers.FloatField(required=False)
    covered_ha = serializers.FloatField(required=False)
    population = serializers.FloatField(required=False, allow_null=True)
    covered_population = serializers.IntegerField(required=False, allow_null=True,
                                                  help_text="Spread evenly over the unit.")


class _UnitFeature(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = GeometryField()


class _CoverageUnit(_UnitFeature):
    properties = _CoverageProperties()


_CoverageUnits = _collection_of(_CoverageUnit, "_CoverageUnits")


class ProximityAnswer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["within", "nearest", "coverage"])
    count = serializers.IntegerField(help_text="All found; `features` lists the first ANALYSIS_PROXIMITY_MAX_FEATURES.")
    versions = _VERSIONS
    features = _ProximityFeatures(help_text="within, nearest: closest first (coverage: empty).")
    units = _CoverageUnits(allow_null=True, help_text="coverage only: each unit with its share within reach.")


class _AggregateProperties(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    code = serializers.CharField(allow_null=True, help_text="A GSO code, or a units layer's feature source id.")
    count = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text="count: the count; sum, avg: null without features.")


class _AggregateUnit(_UnitFeature):
    properties = _AggregateProperties()


_AggregateUnits = _collection_of(_AggregateUnit, "_AggregateUnits")


class _CountedBy(serializers.Serializer):
    boundary = serializers.CharField(required=False, help_text="The monitoring boundary set (2022, 2025)…")
    level = serializers.CharField(required=False, help_text="…and its level; or")
    layer = serializers.CharField(required=False, help_text="a polygon layer of units.")


class AggregateAnswer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["count", "sum", "avg"])
    property = serializers.CharField(allow_null=True)
    versions = _VERSIONS
    by = _CountedBy()
    units = _AggregateUnits()


class _Rule(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=RuleKind.values)
    severity = serializers.ChoiceField(choices=Severity.values)
    distance_m = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField(allow_null=True)
    max_share = serializers.FloatField(allow_null=True)


class _FindingLayer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField()


class _FindingFeature(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_null=True)
    area_ha = serializers.FloatField(required=False, help_text="overlap: the overlap's area.")
    distance_m = serializers.FloatField(required=False, help_text="distance: how far from the zone.")


class _Finding(serializers.Serializer):
    rule = _Rule()
    layer = _FindingLayer()
    fired = serializers.BooleanField()
    area_ha = serializers.FloatField(allow_null=True)
    share = serializers.FloatField(allow_null=True, help_text="Of the zone's area, 0–1.")
    distance_m = serializers.FloatField(allow_null=True, help_text="The closest feature's.")
    features = _FindingFeature(many=True)


class ComplianceAnswer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="The kept check's id (null: an anonymous caller's).")
    use = serializers.ChoiceField(choices=USES)
    area_ha = serializers.FloatField()
    verdict = serializers.ChoiceField(choices=["compatible", "conditions", "conflicts"])
    versions = _VERSIONS
    conflicts = serializers.IntegerField()
    conditions = serializers.IntegerField()
    findings = _Finding(many=True, help_text="Only about layers the caller may see.")


class KeptComplianceCheck(ComplianceAnswer):
    id = serializers.IntegerField()
    created = serializers.DateTimeField()
    geometry = GeometryField(help_text="The zone checked, WGS 84.")


class _ZoneFileRead(serializers.Serializer):
    name = serializers.CharField(help_text="The file's name without its extension.")
    features = serializers.IntegerField(help_text="Polygons read from it (dissolved into one).")
    crs = serializers.CharField(help_text="The CRS the file was read in (EPSG:… or its name).")


class ZoneFromFile(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    geometry = GeometryField(help_text="The zone's one polygon, WGS 84.")
    properties = _ZoneFileRead()
