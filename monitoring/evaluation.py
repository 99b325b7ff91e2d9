"""Evaluating alert rules: the state machine of each (rule, area) and its transitions.

normal → pending (the condition holds, for less than the rule's pending period) → firing → resolved
(past the recovery threshold: hysteresis), plus no-data (the area has no value) and error (the rule's
statement failed). A firing area that loses its data keeps its open event; it resolves once a value
past the recovery threshold arrives.

One evaluation reads the metric of every area in one statement (monitoring.rules.metric_sql) and the
rule's states in one more, decides in Python (`step`, a pure function: a simulated clock is just
`now`), and writes each change by a conditional UPDATE on the state's revision: two evaluations of
one rule at once (two workers) make one transition, the loser's UPDATE matches no row. A rule's
failure is recorded on the rule and its states (error) and never stops the other rules.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from monitoring.models import AlertEvent, AlertRule, AlertState, AlertStatus, Comparison
from monitoring.notifications import notify_transitions
from monitoring.rules import AreaValue, metric_sql

log = logging.getLogger(__name__)

FIRED, RESOLVED = "fired", "resolved"


@dataclass(frozen=True)
class Step:
    status: str
    pending_since: datetime | None
    transition: str | None  # FIRED, RESOLVED or None


def step(rule: AlertRule, *, status: str, pending_since: datetime | None, open_event: bool,
         value: float | None, now: datetime) -> Step:
    """Where an area goes from `status` given its new `value` at `now`."""
    if value is None:
        return Step(AlertStatus.NO_DATA, None, None)
    above = rule.comparison == Comparison.ABOVE
    breached = value > rule.threshold if above else value < rule.threshold
    recovery = rule.recovery if rule.recovery is not None else rule.threshold
    recovered = value < recovery if above else value > recovery
    if status == AlertStatus.FIRING or open_event:
        if recovered:
            return Step(AlertStatus.RESOLVED, None, RESOLVED)
        return Step(AlertStatus.FIRING, None, None)
    if breached:
        start = pending_since if status == AlertStatus.PENDING and pending_since else now
        if now - start >= timedelta(seconds=rule.pending_seconds):
            return Step(AlertStatus.FIRING, None, FIRED)
        return Step(AlertStatus.PENDING, start, None)
    return Step(AlertStatus.RESOLVED if status == AlertStatus.RESOLVED else AlertStatus.NORMAL, None, None)


@dataclass(frozen=True)
class Change:
    state_id: int
    revision: int
    area: AreaValue
    step: Step
    event_id: int | None
    moved: bool  # status or pending start changed, or a transition: written alone, conditionally


def read_metric(rule: AlertRule, *, now: datetime, geometry: bool = False) -> list[AreaValue]:
    statement = metric_sql(rule, now=now, geometry=geometry)
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        return [AreaValue(str(key), name, geom, None if value is None else float(value))
                for key, name, geom, value in cur.fetchall()]


def plan(rule: AlertRule, *, now: datetime) -> list[Change]:
    """What one evaluation would change: read the metric and the states, decide. Writes only the
    states of areas seen for the first time (normal, revision 0)."""
    areas = read_metric(rule, now=now)
    states = {s.area_key: s for s in AlertState.objects.filter(rule=rule).defer("geom")}
    if any(a.key not in states for a in areas):
        areas = read_metric(rule, now=now, geometry=True)  # new areas: read their outlines once
    new = [AlertState(rule=rule, area_key=a.key, area_name=a.name[:200], since=now,
                      geom=GEOSGeometry(a.geom_hex) if a.geom_hex else None)
           for a in areas if a.key not in states]
    if new:
        AlertState.objects.bulk_create(new, ignore_conflicts=True)
        states = {s.area_key: s for s in AlertState.objects.filter(rule=rule).defer("geom")}
    # An area the statement no longer yields (a station without readings in the window) has no data.
    seen = {a.key for a in areas}
    areas += [AreaValue(key, state.area_name, None, None) for key, state in states.items() if key not in seen]
    changes = []
    for area in areas:
        state = states[area.key]
        decided = step(rule, status=state.status, pending_since=state.pending_since,
                       open_event=state.event_id is not None, value=area.value, now=now)
        moved = (decided.transition is not None or decided.status != state.status
                 or decided.pending_since != state.pending_since)
        changes.append(Change(state.pk, state.revision, area, decided, state.event_id, moved))
    return changes


def apply(rule: AlertRule, changes: list[Change], *, now: datetime) -> list[AlertEvent]:
    """Write the changes; returns the events that fired or resolved here (for notifications)."""
    touched = []
    for change in changes:
        if change.moved:
            with transaction.atomic():
                touched += _apply_one(rule, change, now=now)
        elif change.event_id is not None and change.area.value is not None:
            _raise_peak(rule, change.event_id, change.area.value)
    _store_values([c for c in changes if not c.moved], now=now)
    return touched


def _store_values(changes: list[Change], *, now: datetime) -> None:
    """The latest value of every area that did not move, in one statement; rows whose value is the
    same are not written (most of them, most of the time: the rule's last_evaluated_at says when)."""
    if not changes:
        return
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE monitoring_alertstate AS s SET value = v.value, evaluated_at = %s"
            " FROM unnest(%s::bigint[], %s::float8[]) AS v(id, value)"
            " WHERE s.id = v.id AND s.value IS DISTINCT FROM v.value",
            [now, [c.state_id for c in changes], [c.area.value for c in changes]],
        )


def _apply_one(rule: AlertRule, change: Change, *, now: datetime) -> list[AlertEvent]:
    s, area = change.step, change.area
    event_id = change.event_id
    events = []
    updated = AlertState.objects.filter(pk=change.state_id, revision=change.revision)
    fields = {"value": area.value, "evaluated_at": now, "revision": change.revision + 1, "status": s.status,
              "pending_since": s.pending_since}
    if not updated.update(**fields):
        return []  # another evaluation got there first: its transition stands
    if s.transition == FIRED:
        event = AlertEvent.objects.create(rule=rule, area_key=area.key, area_name=area.name[:200],
                                          severity=rule.severity, fired_at=now, fired_value=area.value,
                                          peak_value=area.value)
        AlertState.objects.filter(pk=change.state_id).update(event=event, since=now)
        events.append(event)
    elif s.transition == RESOLVED and event_id is not None:
        AlertEvent.objects.filter(pk=event_id).update(resolved_at=now)
        AlertState.objects.filter(pk=change.state_id).update(event=None, since=now)
        events.append(AlertEvent.objects.get(pk=event_id))
    return events


def _raise_peak(rule: AlertRule, event_id: int, value: float) -> None:
    better = "GREATEST" if rule.comparison == Comparison.ABOVE else "LEAST"
    with connection.cursor() as cur:
        cur.execute(f"UPDATE monitoring_alertevent SET peak_value = {better}(peak_value, %s) WHERE id = %s",
                    [value, event_id])


def evaluate(rule: AlertRule, *, now: datetime | None = None) -> list[AlertEvent]:
    """Evaluate one rule, unless another evaluation of it is running (its advisory lock is taken:
    that one will see the same data). On failure the rule and its states record the error."""
    now = now or timezone.now()
    seen = watched_version(rule)
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_SPACE, rule.pk])
                if not cur.fetchone()[0]:
                    return []
            events = apply(rule, plan(rule, now=now), now=now)
    except Exception as exc:  # one rule's failure is recorded and never stops the others
        log.exception("alert rule %s failed", rule.slug)
        AlertRule.objects.filter(pk=rule.pk).update(last_error=str(exc)[:2000], last_evaluated_at=now, seen_version=seen)
        AlertState.objects.filter(rule=rule).update(status=AlertStatus.ERROR, evaluated_at=now)
        return []
    AlertRule.objects.filter(pk=rule.pk).update(last_error="", last_evaluated_at=now, seen_version=seen)
    notify_transitions(rule, events, now=now)
    return events


# The first key of the rules' advisory locks (the second is the rule's id).
LOCK_SPACE = 15


def watched_version(rule: AlertRule) -> int:
    layer = rule.layer if rule.layer_id else (rule.indicator.layer if rule.indicator_id else None)
    return layer.version if layer is not None else 0


def due_rules(*, now: datetime) -> QuerySet[AlertRule]:
    """Enabled rules never evaluated, whose interval ran out, or whose layer (the indicator's layer)
    has a version they have not seen: a layer version bump, an indicator publish, a new raster."""
    watched = Coalesce(F("layer__version"), F("indicator__layer__version"), Value(0))
    next_at = ExpressionWrapper(F("last_evaluated_at") + timedelta(seconds=1) * F("interval_seconds"),
                                output_field=DateTimeField())
    return (AlertRule.objects.filter(enabled=True).select_related("layer", "indicator__layer")
            .annotate(watched=watched, next_at=next_at)
            .filter(Q(last_evaluated_at__isnull=True) | Q(next_at__lte=now) | ~Q(watched=F("seen_version")))
            .order_by("pk"))


def evaluate_due(*, now: datetime | None = None) -> list[AlertEvent]:
    now = now or timezone.now()
    return evaluate_rules(list(due_rules(now=now)), now=now)


def evaluate_rules(rules, *, now: datetime | None = None) -> list[AlertEvent]:
    events = []
    for rule in rules:
        events += evaluate(rule, now=now)
    return events
