"""A small world for the alert API and pages: a commune around the dengue point (tests/conftest.py's
`dengue`, restricted to `health`), a health steward who is staff (may write the dengue layer), and a
dengue rule on that commune that fires on the first evaluation."""

from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import GEOSGeometry

from layers.models import Layer
from monitoring.models import AdminUnit, AlertRule, BoundaryVersion
from monitoring.rules import check_rule
from tests.departments import make_department

AROUND_DENGUE = "MULTIPOLYGON(((106.40 10.53, 106.42 10.53, 106.42 10.55, 106.40 10.55, 106.40 10.53)))"


def commune() -> AdminUnit:
    version, _ = BoundaryVersion.objects.get_or_create(code="2025", defaults={
        "title_vi": "Ranh giới 2025", "title_en": "2025 boundaries", "valid_from": "2025-07-01"})
    return AdminUnit.objects.create(version=version, code="27001", level="commune", name="Phường Sốt Xuất Huyết",
                                    short_name="Sốt Xuất Huyết", match_name="sot xuat huyet",
                                    geom=GEOSGeometry(AROUND_DENGUE, srid=4326))


def health_steward(dengue: Layer, health_group: Group) -> User:
    """Staff, in the health group, a steward of the department owning the dengue layer."""
    user = User.objects.create_user("health-steward", password="pw", is_staff=True, email="hs@example.vn")
    user.groups.add(health_group)
    make_department("health-dept", name="Sở Y tế", stewards=(user,), owns=(dengue,))
    return user


def dengue_rule(dengue: Layer, unit: AdminUnit, **fields) -> AlertRule:
    defaults = {"slug": "dengue-cases", "title_vi": "Ca sốt xuất huyết", "title_en": "Dengue cases", "metric": "layer",
                "layer": dengue, "aggregate": "count", "area_kind": "units", "threshold": 0, "severity": "critical"}
    rule = AlertRule(**(defaults | fields))
    check_rule(rule)
    rule.save()
    rule.units.set([unit])
    return rule
