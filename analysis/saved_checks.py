"""Compliance checks kept by id (analysis.models.ComplianceCheck): what POST /api/analysis/compliance/
answered a signed-in planner, readable again by its author and printable by id.

A kept finding stores both languages' titles, so the answer reads in whichever language it is asked
in later. When a kept check is read, findings about layers the caller may no longer see are dropped
and the verdict is taken again from the rest: a hidden layer never names itself nor shapes a verdict,
however old the check (the one access rule, layers.access).
"""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.request import Request
from shapely.geometry.base import BaseGeometry

from analysis import compliance
from analysis.models import ComplianceCheck, Severity
from layers import request_params as params
from layers.access import Caller, visible_layers
from layers.errors import NotFound


def record(check: compliance.Check) -> dict[str, Any]:
    """The check as stored and answered: titles in both languages."""
    return {
        "use": check.use, "area_ha": check.area_ha, "verdict": check.verdict, "versions": check.versions,
        "findings": [
            {
                "rule": {"code": f.rule.code, "title_vi": f.rule.title_vi, "title_en": f.rule.title_en,
                         "kind": f.rule.kind, "severity": f.rule.severity, "distance_m": f.rule.distance_m,
                         "threshold": f.rule.threshold, "max_share": f.rule.max_share},
                "layer": {"slug": f.layer.slug, "title_vi": f.layer.title_vi, "title_en": f.layer.title_en,
                          "version": f.layer.version},
                "fired": f.fired, "area_ha": f.area_ha, "share": f.share, "distance_m": f.distance_m,
                "features": f.features,
            }
            for f in check.findings
        ],
    }


def kept_record(kept: ComplianceCheck) -> dict[str, Any]:
    return {"use": kept.use, "area_ha": kept.area_ha, "verdict": kept.verdict, "versions": kept.versions,
            "findings": kept.findings}


def save(user: Caller, zone: BaseGeometry, check: compliance.Check) -> ComplianceCheck | None:
    """Keep a signed-in caller's check; an anonymous caller's is answered and not kept (nobody could
    read it again, and anyone could fill the table)."""
    if not user.is_authenticated:
        return None
    stored = record(check)
    return ComplianceCheck.objects.create(
        author=user, use=check.use, zone=zone.wkt, area_ha=check.area_ha, verdict=check.verdict,
        findings=stored["findings"], versions=stored["versions"])


def get(user: Caller, raw_id: str) -> ComplianceCheck:
    """A kept check its author (or a superuser) asks for; anyone else's, or none, is not found."""
    if not raw_id.isdigit() or len(raw_id) > 18 or not user.is_authenticated:
        raise NotFound(_("There is no compliance check with this id among yours."))
    kept = ComplianceCheck.objects.filter(pk=int(raw_id)).first()
    if kept is None or not (user.is_superuser or kept.author_id == user.pk):
        raise NotFound(_("There is no compliance check with this id among yours."))
    return kept


def answer(request: Request, stored: dict[str, Any], *, check_id: int | None, created: datetime | None = None,
           geometry: dict | None = None) -> dict[str, Any]:
    """The JSON answer in the request's language, over the layers the caller may see now."""
    slugs = {f["layer"]["slug"] for f in stored["findings"]}
    visible = set(visible_layers(request.user).filter(slug__in=slugs).values_list("slug", flat=True))
    findings = [f for f in stored["findings"] if f["layer"]["slug"] in visible]
    fired = {f["rule"]["severity"] for f in findings if f["fired"]}
    verdict = ("conflicts" if Severity.CONFLICT in fired else "conditions" if Severity.CONDITION in fired
               else "compatible")
    body = {
        "id": check_id, "use": stored["use"], "area_ha": stored["area_ha"], "verdict": verdict,
        "versions": {slug: v for slug, v in stored["versions"].items() if slug in visible},
        "conflicts": sum(1 for f in findings if f["fired"] and f["rule"]["severity"] == Severity.CONFLICT),
        "conditions": sum(1 for f in findings if f["fired"] and f["rule"]["severity"] == Severity.CONDITION),
        "findings": [
            {**f, "rule": {**{k: v for k, v in f["rule"].items() if not k.startswith("title_")},
                           "title": params.pick(request, f["rule"]["title_vi"], f["rule"]["title_en"])},
             "layer": {"slug": f["layer"]["slug"], "version": f["layer"]["version"],
                       "title": params.pick(request, f["layer"]["title_vi"], f["layer"]["title_en"])}}
            for f in findings
        ],
    }
    if created is not None:
        body["created"] = created.isoformat()
    if geometry is not None:
        body["geometry"] = geometry
    return body
