"""What the alert API, the Alerts page, the dashboard banner and the wall read: the states and events of
the rules a caller may see (monitoring.rules.visible_rules: whoever may see everything a rule names),
narrowed by the filters operators use (state, severity, rule, unit, service)."""

from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet, Sum

from layers.access import Caller
from monitoring.models import AdminUnit, AlertEvent, AlertState, AlertStatus
from monitoring.rules import visible_rules

# The current alerts: every state but a quiet area's (normal).
CURRENT = [AlertStatus.PENDING, AlertStatus.FIRING, AlertStatus.RESOLVED, AlertStatus.NO_DATA, AlertStatus.ERROR]


@dataclass(frozen=True)
class AlertFilters:
    states: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    rule: str = ""  # a rule's slug
    unit: str = ""  # an administrative unit's GSO code (any boundary set)
    service: str = ""  # a monitoring service's slug


def _service(service: str) -> Q:
    """A rule belongs to a service through its indicator, or through its layer listed by the service."""
    return Q(rule__indicator__service__slug=service) | Q(rule__layer__monitoring_services__slug=service)


def _unit_keys(code: str) -> list[str]:
    # A unit's area key is its id (monitoring.rules: areas of a level or chosen units).
    return [str(pk) for pk in AdminUnit.objects.filter(code=code).values_list("pk", flat=True)]


def _narrow(rows: QuerySet, filters: AlertFilters, *, severity_field: str) -> QuerySet:
    if filters.severities:
        rows = rows.filter(**{f"{severity_field}__in": filters.severities})
    if filters.rule:
        rows = rows.filter(rule__slug=filters.rule)
    if filters.unit:
        rows = rows.filter(area_key__in=_unit_keys(filters.unit))
    if filters.service:
        rows = rows.filter(_service(filters.service))
    return rows.distinct() if filters.service else rows


def visible_states(user: Caller, filters: AlertFilters = AlertFilters()) -> QuerySet[AlertState]:
    """The caller's current alerts, firing first, then the newest."""
    states = AlertState.objects.filter(rule__in=visible_rules(user), status__in=filters.states or CURRENT)
    states = _narrow(states, filters, severity_field="rule__severity")
    return (states.select_related("rule", "event__acknowledged_by").defer("geom")
            .order_by(_firing_first(), "-since", "-id"))


def _firing_first():
    from django.db.models import Case, IntegerField, Value, When

    return Case(When(status=AlertStatus.FIRING, then=Value(0)), default=Value(1), output_field=IntegerField())


def visible_events(user: Caller, filters: AlertFilters = AlertFilters(), *, open_only: bool | None = None
                   ) -> QuerySet[AlertEvent]:
    """The caller's alert history, newest first; `open_only` True: still firing, False: resolved."""
    events = AlertEvent.objects.filter(rule__in=visible_rules(user))
    if open_only is not None:
        events = events.filter(resolved_at__isnull=open_only)
    return _narrow(events, filters, severity_field="severity").select_related("rule", "acknowledged_by")


def unacknowledged_count(user: Caller) -> int:
    """Firing alerts nobody acknowledged yet, of the rules `user` may see: the dashboard's banner."""
    return AlertEvent.objects.filter(rule__in=visible_rules(user), resolved_at__isnull=True,
                                     acknowledged_at__isnull=True).count()


def newest_firing(user: Caller, *, limit: int) -> list[AlertState]:
    """The firing alerts of the rules `user` may see, the newest first (the wall's alerts panel)."""
    return list(AlertState.objects.filter(rule__in=visible_rules(user), status=AlertStatus.FIRING)
                .select_related("rule", "event").defer("geom").order_by("-since", "-id")[:limit])


def firing_stamp(user: Caller) -> str:
    """Changes whenever the caller's firing alerts could look different (a wall's data version): one
    aggregate row, not the rows themselves (a wall polls it every few seconds). A transition bumps a
    state's revision, a new value its evaluated_at, an acknowledgement its event's acknowledged_at."""
    stamp = AlertState.objects.filter(rule__in=visible_rules(user), status=AlertStatus.FIRING).aggregate(
        n=Count("id"), revisions=Sum("revision"), values=Max("evaluated_at"), since=Max("since"),
        acknowledged=Count("event__acknowledged_at"), last_ack=Max("event__acknowledged_at"))
    return "|".join(str(stamp[k]) for k in sorted(stamp))
