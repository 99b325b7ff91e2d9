"""The wall's alert panels: the firing alerts of the rules the caller may see (monitoring.alert_queries,
under the one access rule), newest first — a list (severity, area, value, since when) and a ticker
entry. A panel of another caller's restricted rule shows nothing of it."""

from datetime import datetime
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import get_language

from layers.access import Caller
from monitoring.alert_queries import newest_firing
from monitoring.labels import choice_label
from monitoring.models import AlertState, Severity

SEVERITIES = ("critical", "warning", "info")


def _firing(query: dict[str, Any], user: Caller) -> list[AlertState]:
    wanted = set(query.get("severity") or SEVERITIES)
    limit = query.get("limit", 10)
    return [s for s in newest_firing(user, limit=limit * 3) if s.rule.severity in wanted][:limit]


def _value(value: float | None) -> str:
    return "—" if value is None else number_format(value, decimal_pos=2 if value % 1 else 0)


def alerts(query: dict[str, Any], user: Caller, now: datetime) -> dict[str, Any]:
    return {"alerts": [{
        "rule": s.rule.slug, "title_vi": s.rule.title_vi, "title_en": s.rule.title_en, "severity": s.rule.severity,
        "severity_label": choice_label(Severity(s.rule.severity).label),
        "area": s.area_name, "value": s.value, "threshold": s.rule.threshold, "since": s.since.isoformat(),
        "acknowledged": bool(s.event_id and s.event.acknowledged_at),
    } for s in _firing(query, user)]}


def ticker(query: dict[str, Any], user: Caller, now: datetime) -> dict[str, Any]:
    """In the ticker panel's shape: {items: [{t, text}]}, the text in the reader's language."""
    english = (get_language() or "vi").startswith("en")
    return {"items": [{
        "t": s.since.isoformat(),
        "text": " · ".join([choice_label(Severity(s.rule.severity).label).upper(),
                            s.rule.title_en if english else s.rule.title_vi,
                            s.area_name, f"{_value(s.value)} / {_value(s.rule.threshold)}"]),
    } for s in _firing(query, user)]}


PANELS = {"alerts": alerts, "alert_ticker": ticker}
