"""Plan-compliance rules, stored as data so planners' administrators edit them in the admin.

A rule applies to some intended uses (all when `uses` is empty) and tests the proposed zone against
one layer of the catalog:
- overlap: the zone overlaps features of `layer` (whose `property` is one of `values`, if given); with
  `max_share`, only when they cover more than that share of the zone (protected rice land);
- distance: features of `layer` (filtered alike) lie within `distance_m` of the zone (industry ≥ 500 m
  from schools);
- raster_above: the raster `layer` holds values ≥ `threshold` over more than `max_share` of the zone
  (0 when not given: any pixel) — flood depth above 1 m.
A rule that fires makes the verdict "conditions" or "conflicts" (its severity).
"""

from django.contrib.gis.db import models as gis_models
from django.core.exceptions import ValidationError
from django.db import models

USES = ("industrial", "residential", "agriculture", "tourism", "infrastructure")


class RuleKind(models.TextChoices):
    OVERLAP = "overlap", "Chồng lấn / Overlap"
    DISTANCE = "distance", "Khoảng cách tối thiểu / Minimum distance"
    RASTER_ABOVE = "raster_above", "Giá trị raster vượt ngưỡng / Raster above a threshold"


class Severity(models.TextChoices):
    CONDITION = "condition", "Có điều kiện / Conditions"
    CONFLICT = "conflict", "Xung đột / Conflict"


class ComplianceRule(models.Model):
    code = models.SlugField(max_length=80, unique=True)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    uses = models.JSONField(default=list, blank=True, help_text=f"Intended uses it applies to (empty: all): {', '.join(USES)}")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    layer = models.SlugField(max_length=100, help_text="The catalog layer the rule tests against (its slug).")
    property = models.CharField(max_length=63, blank=True, help_text="Only features whose property is one of the values.")
    values = models.JSONField(default=list, blank=True)
    distance_m = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    max_share = models.FloatField(null=True, blank=True, help_text="0–1: the rule fires only above this share of the zone.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.CONFLICT)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_share__isnull=True) | models.Q(max_share__gte=0, max_share__lte=1),
                                   name="compliance_rule_share_is_a_fraction"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.title_vi})"

    def clean(self) -> None:
        if not isinstance(self.uses, list) or set(self.uses) - set(USES):
            raise ValidationError({"uses": f"A list of: {', '.join(USES)}."})
        if not isinstance(self.values, list) or not all(isinstance(v, (str, int, float, bool)) for v in self.values):
            raise ValidationError({"values": "A list of property values."})
        if self.values and not self.property:
            raise ValidationError({"property": "Values need the property they are values of."})
        if self.kind == RuleKind.DISTANCE and not (self.distance_m and self.distance_m > 0):
            raise ValidationError({"distance_m": "A distance rule needs a distance in metres."})
        if self.kind == RuleKind.RASTER_ABOVE and self.threshold is None:
            raise ValidationError({"threshold": "A raster rule needs a threshold."})


class ComplianceCheck(models.Model):
    """A compliance check as it was answered, so a report, a meeting or an appeal can name it by id
    (POST /api/analysis/report.pdf {"check": id}). Its findings are kept as answered, with the layer
    versions they used; only its author (and superusers) may read it again, and what it names is
    filtered again by the access rule when it is read (access may have changed since)."""

    author = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=200, blank=True)
    use = models.CharField(max_length=20)
    zone = gis_models.PolygonField(srid=4326)
    area_ha = models.FloatField()
    verdict = models.CharField(max_length=12)
    findings = models.JSONField(default=list)
    versions = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.use}: {self.verdict}"
