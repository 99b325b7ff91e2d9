"""The layer catalog and the generic feature store.

Models hold fields, constraints and single-row rules only. Version bumps, extents and counts are
maintained by explicit calls in `layers.catalog`, never by signals.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.db.models import F, Q


class Domain(models.TextChoices):
    ADMIN = "admin", "Hành chính / Administrative"
    LAND_PLAN = "land_plan", "Quy hoạch sử dụng đất / Land-use plan"
    URBAN_PLAN = "urban_plan", "Quy hoạch đô thị / Urban plan"
    TRAFFIC = "traffic", "Giao thông / Traffic"
    ENVIRONMENT = "environment", "Môi trường / Environment"
    AGRICULTURE = "agriculture", "Nông nghiệp / Agriculture"
    TOURISM = "tourism", "Du lịch / Tourism"
    EDUCATION = "education", "Giáo dục / Education"
    HEALTH = "health", "Y tế / Health"
    FEEDBACK = "feedback", "Phản ánh 1022 / Citizen feedback"
    ZONES = "zones", "Vùng quy hoạch / Planners' zones"
    INFRASTRUCTURE = "infrastructure", "Hạ tầng / Infrastructure"
    WATER = "water", "Thủy văn / Water"


class Kind(models.TextChoices):
    VECTOR = "vector", "Vector"
    RASTER = "raster", "Raster"


class GeometryType(models.TextChoices):
    POINT = "Point", "Point"
    LINESTRING = "LineString", "LineString"
    POLYGON = "Polygon", "Polygon"
    MULTIPOINT = "MultiPoint", "MultiPoint"
    MULTILINESTRING = "MultiLineString", "MultiLineString"
    MULTIPOLYGON = "MultiPolygon", "MultiPolygon"
    GEOMETRY = "Geometry", "Mixed geometry"
    NONE = "", "None (raster)"


class Access(models.TextChoices):
    PUBLIC = "public", "Công khai / Public"
    INTERNAL = "internal", "Nội bộ / Internal"
    RESTRICTED = "restricted", "Hạn chế / Restricted to groups"


class TimeKind(models.TextChoices):
    NONE = "none", "No time"
    INSTANT = "instant", "Instant"
    INTERVAL = "interval", "Validity interval"


class Layer(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    domain = models.CharField(max_length=20, choices=Domain.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VECTOR)
    geometry_type = models.CharField(max_length=20, choices=GeometryType.choices, blank=True)
    # [{"name", "type": string|integer|number|boolean|date|datetime, "unit", "label_vi", "label_en"}]
    # Validated by layers.schema.validate_property_schema.
    property_schema = models.JSONField(default=list, blank=True)
    # Our compact style (layers.styles); the tiles app turns it into MapLibre style JSON.
    style = models.JSONField(default=dict, blank=True)
    source_department = models.CharField(max_length=200, blank=True)
    license = models.CharField(max_length=100, default="CC BY 4.0", blank=True)
    access = models.CharField(max_length=12, choices=Access.choices, default=Access.INTERNAL)
    groups = models.ManyToManyField(Group, blank=True, related_name="restricted_layers")
    time_kind = models.CharField(max_length=10, choices=TimeKind.choices, default=TimeKind.NONE)
    # Bumped by every change of the data or of anything a reader sees (layers.catalog.bump_version).
    version = models.PositiveBigIntegerField(default=1)
    extent = models.PolygonField(srid=4326, null=True, blank=True)
    feature_count = models.PositiveIntegerField(default=0)
    # For raster layers: the Cloud-Optimized GeoTIFF under MEDIA_ROOT.
    raster_path = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="raster") | ~Q(geometry_type=""), name="vector_layer_has_geometry_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} ({self.title_vi})"


class Feature(models.Model):
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="features")
    source_id = models.CharField(max_length=200)
    geom = models.GeometryField(srid=4326, spatial_index=True)
    properties = models.JSONField(default=dict, blank=True)
    # An instant is stored as time_start == time_end, so one overlap test serves both kinds.
    time_start = models.DateTimeField(null=True, blank=True)
    time_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "source_id"], name="feature_source_id_unique_in_layer"),
            models.CheckConstraint(
                condition=Q(time_start__isnull=True) | Q(time_end__isnull=True) | Q(time_end__gte=F("time_start")),
                name="feature_time_ordered",
            ),
        ]
        indexes = [
            GinIndex(fields=["properties"], name="feature_properties_gin", opclasses=["jsonb_path_ops"]),
            models.Index(fields=["layer", "time_start"], name="feature_layer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.layer_id}:{self.source_id}"


class ApiToken(models.Model):
    """A bearer token for apps. Only a SHA-256 digest of the key is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
