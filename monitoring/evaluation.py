"""Evaluating alert rules: the state machine of each (rule, area) and its transitions.

normal → pending (the condition holds, for less than the rule's pending period) → firing → resolved
(past the recovery threshold: hysteresis), plus no-data (the area has no value) and error (the rule's
statement failed). A firing area that loses its data keeps its open event; it resolves once a value
past the recovery threshold arrives.

One evaluation reads the metric of every area in one statement (monitoring.rules.metric_sql; rules
sharing their costly part share one: monitoring.metric_batches) and the rules' states in one more,
decides in Python (`step`, a pure function: a simulated clock is just `now`), and writes each change
by a conditional UPDATE on the state's revision: two evaluations of one rule at once (two workers)
make one transition, the loser's UPDATE matches no row. The values that did not move and the peaks
of open events are written in one statement for all the rules of a batch. A rule's failure is
recorded on the rule and its states (error) and never stops the other rules.
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
from monitoring.metric_batches import batch_values, batches
from monitoring.rules import AreaValue, metric_values

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
    return metric_values(rule, now=now, geometry=geometry)


def plan(rule: AlertRule, *, now: datetime) -> list[Change]:
    """What one evaluation would change: read the metric and the states, decide. Writes only the
    states of areas seen for the first time (normal, revision 0)."""
    return plan_rules([rule], now=now)[rule.pk]


def plan_rules(rules: list[AlertRule], *, now: datetime) -> dict[int, list[Change]]:
    """`plan` for several rules at once: their metrics read in as few statements as share one
    (monitoring.metric_batches), their states in one."""
    values = batch_values(rules, now=now)
    states = _states(rules)
    outlined = [r for r in rules if any(a.key not in states[r.pk] and a.geom_hex is None for a in values[r.pk])]
    if outlined:
        values |= batch_values(outlined, now=now, geometry=True)  # new areas: read their outlines once
    new = [AlertState(rule=rule, area_key=a.key, area_name=a.name[:200], since=now,
                      geom=GEOSGeometry(a.geom_hex) if a.geom_hex else None)
           for rule in rules for a in values[rule.pk] if a.key not in states[rule.pk]]
    if new:
        AlertState.objects.bulk_create(new, ignore_conflicts=True)
        if len(new) >= ANALYZE_AFTER:
            # Many new rows in a table the planner thought small: the bulk UPDATEs that follow were
            # planned as nested loops over the whole table (20 s for 100 new bench rules, 18,800
            # states, until autovacuum's analyze came round). Fresh statistics: ~50 ms.
            with connection.cursor() as cur:
                cur.execute("ANALYZE monitoring_alertstate")
        states = _states(rules)
    return {rule.pk: _decide(rule, values[rule.pk], states[rule.pk], now=now) for rule in rules}


def _decide(rule: AlertRule, areas: list[AreaValue], states: dict[str, "_State"], *, now: datetime) -> list[Change]:
    # An area the statement no longer yields (a station without readings in the window) has no data.
    seen = {a.key for a in areas}
    areas = areas + [AreaValue(key, state.area_name, None, None) for key, state in states.items() if key not in seen]
    changes = []
    for area in areas:
        state = states[area.key]
        decided = step(rule, status=state.status, pending_since=state.pending_since,
                       open_event=state.event_id is not None, value=area.value, now=now)
        moved = (decided.transition is not None or decided.status != state.status
                 or decided.pending_since != state.pending_since)
        changes.append(Change(state.pk, state.revision, area, decided, state.event_id, moved))
    return changes


ANALYZE_AFTER = 1000


@dataclass(frozen=True)
class _State:
    pk: int
    area_name: str
    status: str
    pending_since: datetime | None
    event_id: int | None
    revision: int


def _states(rules: list[AlertRule]) -> dict[int, dict[str, _State]]:
    """The rules' states by rule and area, as plain rows in one statement (building 188 model
    instances a rule was a fifth of an evaluation's Python time)."""
    states: dict[int, dict[str, _State]] = {rule.pk: {} for rule in rules}
    rows = AlertState.objects.filter(rule__in=[rule.pk for rule in rules]).values_list(
        "rule_id", "area_key", "pk", "area_name", "status", "pending_since", "event_id", "revision")
    for rule_id, key, *rest in rows:
        states[rule_id][key] = _State(*rest)
    return states


def apply(rule: AlertRule, changes: list[Change], *, now: datetime) -> list[AlertEvent]:
    """Write the changes; returns the events that fired or resolved here (for notifications)."""
    return apply_rules([rule], {rule.pk: changes}, now=now)[rule.pk]


def apply_rules(rules: list[AlertRule], changes: dict[int, list[Change]], *, now: datetime) -> dict[int, list[AlertEvent]]:
    """`apply` for several rules: the moves of each rule in its own few statements (rare: a
    transition), the peaks and the values that did not move of all of them in one statement each."""
    touched = {rule.pk: _apply_moves(rule, [c for c in changes[rule.pk] if c.moved], now=now) for rule in rules}
    _raise_peaks([(rule, c) for rule in rules for c in changes[rule.pk]
                  if not c.moved and c.event_id is not None and c.area.value is not None])
    _store_values([c for rule in rules for c in changes[rule.pk] if not c.moved], now=now)
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


def _apply_moves(rule: AlertRule, moved: list[Change], *, now: datetime) -> list[AlertEvent]:
    """The moved states in a few statements whatever their number: one conditional UPDATE on the
    revisions each evaluation read (the rows another evaluation moved first are not matched: its
    transition stands), then the events of the winners that fired (one INSERT) or resolved (one
    UPDATE), and the states' links to them. (One transaction of 3–4 statements per moving area took
    minutes when 100 new rules fired in thousands of areas at once.)"""
    if not moved:
        return []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE monitoring_alertstate AS s SET value = v.value, evaluated_at = %s, revision = s.revision + 1,"
            " status = v.status, pending_since = v.pending_since"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::float8[], %s::text[], %s::timestamptz[])"
            " AS v(id, revision, value, status, pending_since)"
            " WHERE s.id = v.id AND s.revision = v.revision RETURNING s.id",
            [now, [c.state_id for c in moved], [c.revision for c in moved], [c.area.value for c in moved],
             [c.step.status for c in moved], [c.step.pending_since for c in moved]],
        )
        won = {row[0] for row in cur.fetchall()}
        fired = [c for c in moved if c.state_id in won and c.step.transition == FIRED]
        resolved = [c for c in moved if c.state_id in won and c.step.transition == RESOLVED and c.event_id is not None]
        events = AlertEvent.objects.bulk_create([
            AlertEvent(rule=rule, area_key=c.area.key, area_name=c.area.name[:200], severity=rule.severity,
                       fired_at=now, fired_value=c.area.value, peak_value=c.area.value) for c in fired])
        if fired:
            cur.execute("UPDATE monitoring_alertstate AS s SET event_id = v.event_id, since = %s"
                        " FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, event_id) WHERE s.id = v.id",
                        [now, [c.state_id for c in fired], [e.pk for e in events]])
        if resolved:
            ended = [c.event_id for c in resolved]
            AlertEvent.objects.filter(pk__in=ended).update(resolved_at=now)
            AlertState.objects.filter(pk__in=[c.state_id for c in resolved]).update(event=None, since=now)
            events += list(AlertEvent.objects.filter(pk__in=ended).order_by("pk"))
    return events


def _raise_peaks(changes: list[tuple[AlertRule, Change]]) -> None:
    """The peak of every open event, in one statement whatever the number of rules: only the rows
    whose peak is passed (upwards for a rule on `above`, downwards otherwise) are written. (One
    UPDATE per firing area was 1,327 statements for 10 bench rules: 40% of their time.)"""
    if not changes:
        return
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE monitoring_alertevent AS e SET peak_value = v.value"
            " FROM unnest(%s::bigint[], %s::float8[], %s::boolean[]) AS v(id, value, above) WHERE e.id = v.id"
            " AND CASE WHEN v.above THEN v.value > e.peak_value ELSE v.value < e.peak_value END",
            [[c.event_id for _rule, c in changes], [c.area.value for _rule, c in changes],
             [rule.comparison == Comparison.ABOVE for rule, _c in changes]],
        )


def evaluate(rule: AlertRule, *, now: datetime | None = None) -> list[AlertEvent]:
    """Evaluate one rule, unless another evaluation of it is running (its advisory lock is taken:
    that one will see the same data). On failure the rule and its states record the error."""
    return evaluate_rules([rule], now=now)


def _evaluate_batch(rules: list[AlertRule], *, now: datetime) -> list[AlertEvent]:
    """The rules of one batch (monitoring.metric_batches) in one transaction: each rule's advisory
    lock tried first (a rule being evaluated elsewhere is skipped), then the metrics read, the
    states planned and written together. If anything fails, the batch is undone and its rules are
    evaluated one by one, so the failure is recorded on its own rule and never stops the others."""
    seen = {rule.pk: watched_version(rule) for rule in rules}
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SELECT id FROM unnest(%s::int[]) AS id WHERE pg_try_advisory_xact_lock(%s, id)",
                            [[rule.pk for rule in rules], LOCK_SPACE])
                mine = {row[0] for row in cur.fetchall()}
            rules = [rule for rule in rules if rule.pk in mine]
            if not rules:
                return []
            events = apply_rules(rules, plan_rules(rules, now=now), now=now)
    except Exception as exc:  # one rule's failure is recorded and never stops the others
        if len(rules) > 1:
            return [event for rule in rules for event in _evaluate_batch([rule], now=now)]
        rule = rules[0]
        log.exception("alert rule %s failed", rule.slug)
        AlertRule.objects.filter(pk=rule.pk).update(last_error=str(exc)[:2000], last_evaluated_at=now,
                                                    seen_version=seen[rule.pk])
        AlertState.objects.filter(rule=rule).update(status=AlertStatus.ERROR, evaluated_at=now)
        return []
    with connection.cursor() as cur:
        cur.execute("UPDATE monitoring_alertrule AS r SET last_error = '', last_evaluated_at = %s,"
                    " seen_version = v.seen FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, seen) WHERE r.id = v.id",
                    [now, [rule.pk for rule in rules], [seen[rule.pk] for rule in rules]])
    for rule in rules:
        notify_transitions(rule, events[rule.pk], now=now)
    return [event for rule in rules for event in events[rule.pk]]


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
    """Evaluate the rules, those sharing a statement (monitoring.metric_batches) together."""
    now = now or timezone.now()
    return [event for batch in batches(list(rules)) for event in _evaluate_batch(batch, now=now)]
