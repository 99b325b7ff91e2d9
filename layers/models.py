"""The layer catalog and the generic feature store.

Models hold fields, constraints and single-row rules only. Version bumps, extents and counts are
maintained by explicit calls in `layers.catalog`, never by signals.
"""

import pghistory
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
    MONITORING = "monitoring", "Giám sát / Monitoring"


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


class UpdateFrequency(models.TextChoices):
    """How often a layer's data is renewed, as the open-data portal and its DCAT catalog say it
    (ogc.dcat maps each to the EU frequency vocabulary a national portal harvests)."""

    CONTINUOUS = "continuous", "Liên tục / Continuous"
    DAILY = "daily", "Hằng ngày / Daily"
    WEEKLY = "weekly", "Hằng tuần / Weekly"
    MONTHLY = "monthly", "Hằng tháng / Monthly"
    QUARTERLY = "quarterly", "Hằng quý / Quarterly"
    ANNUAL = "annual", "Hằng năm / Annual"
    IRREGULAR = "irregular", "Không định kỳ / Irregular"
    UNKNOWN = "unknown", "Chưa rõ / Unknown"


class DepartmentKind(models.TextChoices):
    DEPARTMENT = "department", "Sở, ban, ngành / Provincial department"
    COMMUNE = "commune_committee", "UBND xã, phường / Commune people's committee"
    OTHER = "other", "Khác / Other"


class Department(models.Model):
    """A sở/ban/ngành or a commune's people's committee: one notion wherever a department appears (who
    owns and may write a layer, and, later, who submits an indicator, receives an alert, handles a 1022
    report). A department *is* a Django group (its members); its stewards are the members who hold the
    steward role (layers.access.stewarded_departments asks both)."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="department")
    # An agency code in the shape of QCVN 102:2016 (e.g. "000.00.16.H39"), unique in the platform.
    code = models.CharField(max_length=40, unique=True)
    name_vi = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.DEPARTMENT)
    stewards = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="stewarded_departments")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_vi}"


# The audit log of the catalog (layers.history): a copy of the row at each creation, change and
# deletion, written by database triggers (django-pghistory) so that no writer can skip it, with the
# context of the change (who, which request or import job, what action) attached. Append-only: a
# trigger refuses UPDATE and DELETE of its rows, from the app as from any SQL.
@pghistory.track(
    pghistory.InsertEvent("created"),
    pghistory.UpdateEvent("changed", condition=pghistory.AnyChange(exclude_auto=True)),
    pghistory.DeleteEvent("deleted"),
    exclude=["extent"],
    append_only=True,
    model_name="LayerEvent",
)
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
    update_frequency = models.CharField(max_length=12, choices=UpdateFrequency.choices, default=UpdateFrequency.UNKNOWN)
    access = models.CharField(max_length=12, choices=Access.choices, default=Access.INTERNAL)
    groups = models.ManyToManyField(Group, blank=True, related_name="restricted_layers")
    # The department whose stewards may write the layer (layers.access.writable_layers); none: superusers only.
    owner = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="layers")
    time_kind = models.CharField(max_length=10, choices=TimeKind.choices, default=TimeKind.NONE)
    # Bumped by every change of the data or of anything a reader sees (layers.catalog.bump_version).
    version = models.PositiveBigIntegerField(default=1)
    extent = models.PolygonField(srid=4326, null=True, blank=True)
    feature_count = models.PositiveIntegerField(default=0)
    # For raster layers: the Cloud-Optimized GeoTIFF under MEDIA_ROOT.
    raster_path = models.CharField(max_length=500, blank=True)
    # What an import does with an invalid geometry (layers.imports.geometry).
    invalid_geometry = models.CharField(
        max_length=10, choices=[("repair", "Repair"), ("reject", "Reject")], default="repair"
    )
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


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    NEEDS_INPUT = "needs_input", "Waiting for the steward"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ImportMode(models.TextChoices):
    REPLACE = "replace", "Replace all features"
    APPEND = "append", "Append new features"
    UPSERT = "upsert", "Insert or update by source id"


class ImportJob(models.Model):
    """One uploaded file on its way into a layer. The file lives in its own directory under
    MEDIA_ROOT/imports/<id>/; the worker writes nothing outside it (layers.imports.jobs)."""

    layer_slug = models.SlugField(max_length=80)
    # Only for a layer that does not exist yet.
    new_title = models.CharField(max_length=200, blank=True)
    new_domain = models.CharField(max_length=20, choices=Domain.choices, blank=True)
    # The department that will own a layer the job creates (layers.access.may_create_layer).
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    mode = models.CharField(max_length=10, choices=ImportMode.choices, default=ImportMode.REPLACE)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    # What the steward chose (or confirmed later); empty = read from the file.
    crs = models.CharField(max_length=40, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    source_layer = models.CharField(max_length=200, blank=True)
    id_field = models.CharField(max_length=100, blank=True)
    # Wait for the steward's go-ahead once the file is read: the job stops in needs_input ("publish")
    # with a preview of its first rows, and a confirm with {"publish": true} lets it load and publish.
    hold = models.BooleanField(default=False)
    # The style to publish the layer with (layers.schema.validate_style); empty: keep or make a default.
    style = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=20, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    # {"format", "counts": {...}, "warnings": [...], "errors": [...], "rows": [...], "needs": [...], ...}
    report = models.JSONField(default=dict, blank=True)
    layer_version = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="importjob_status")]

    def __str__(self) -> str:
        return f"import {self.pk} → {self.layer_slug} ({self.status})"


class ExportJob(models.Model):
    """A download too big to build during the request; the file is kept per layer version."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="+")
    layer_version = models.PositiveBigIntegerField()
    fmt = models.CharField(max_length=10)
    crs = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    file_path = models.CharField(max_length=500, blank=True)
    error = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One build per layer version, format and CRS: asking twice reuses the first job.
            models.UniqueConstraint(fields=["layer", "layer_version", "fmt", "crs"], name="exportjob_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} {self.layer_id}.{self.fmt} v{self.layer_version} ({self.status})"


class KeptReason(models.TextChoices):
    REPLACED = "replaced", "Replaced"
    DELETED = "deleted", "Deleted"


class KeptVersion(models.Model):
    """A version of a layer that is no longer live, kept so that it can come back (layers.history):
    the features of a replaced version or of a deleted layer in a table of their own (detached from
    the feature store), a raster's COG file, and the catalog row as it was. Not a foreign key to the
    layer: a deleted layer's row is gone."""

    layer_id = models.BigIntegerField()
    slug = models.SlugField(max_length=80)
    version = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=10, choices=KeptReason.choices)
    # The kept features (vector layers); empty for a raster, whose file is `raster_path`.
    table = models.CharField(max_length=63, blank=True)
    raster_path = models.CharField(max_length=500, blank=True)
    feature_count = models.PositiveIntegerField(default=0)
    # The catalog row's fields (and its group ids) when the version was live.
    row = models.JSONField(default=dict)
    kept_at = models.DateTimeField(auto_now_add=True)
    kept_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        ordering = ["-kept_at", "-id"]
        indexes = [models.Index(fields=["layer_id", "reason"], name="keptversion_layer_reason")]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version} ({self.reason})"
