"""The 1022 KPIs per commune, handling unit or category over any window of reception: received,
processed %, on-time %, overdue now, median working hours to acknowledge and to resolve, satisfaction.
One statement over the reports (indexes on received_at and commune_code); working hours were
kept on each report when its step happened (feedback.workflow.apply_step)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from psycopg import sql

from feedback.models import HANDLED_STATUSES, OPEN_STATUSES, Status

GROUPS = {
    "commune": (sql.SQL("r.commune_code"), sql.SQL("max(r.commune_name)")),
    "department": (sql.SQL("d.code"), sql.SQL("max(d.name_vi)")),
    "category": (sql.SQL("c.code"), sql.SQL("max(c.name_vi)")),
}


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    received: int
    processed: int
    processed_pct: float | None
    on_time_pct: float | None
    overdue_now: int
    median_hours_to_acknowledge: float | None
    median_hours_to_resolve: float | None
    satisfaction: float | None  # mean rating 1–5
    satisfied_pct: float | None  # ratings of 4 or 5
    ratings: int


def kpis(*, by: str, start: datetime | None, end: datetime | None, now: datetime) -> list[Kpi]:
    """One row per group, most received first. The window is closed on reception time; None leaves
    an end open."""
    key, name = GROUPS[by]
    statement = sql.SQL("""
        SELECT {key}, {name}, count(*),
               count(*) FILTER (WHERE r.status = ANY(%(handled)s)),
               count(*) FILTER (WHERE r.resolved_at IS NOT NULL AND r.resolved_at <= r.resolve_due),
               count(*) FILTER (WHERE r.resolved_at IS NOT NULL),
               count(*) FILTER (WHERE r.status = ANY(%(open)s) AND (r.resolve_due < %(now)s
                                 OR (r.acknowledged_at IS NULL AND r.acknowledge_due < %(now)s))),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY r.hours_to_acknowledge),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY r.hours_to_resolve),
               avg(r.rating)::float8, count(r.rating), count(*) FILTER (WHERE r.rating >= 4)
          FROM feedback_report AS r
          JOIN feedback_category AS c ON c.id = r.category_id
          LEFT JOIN layers_department AS d ON d.id = r.department_id
         WHERE (%(start)s::timestamptz IS NULL OR r.received_at >= %(start)s)
           AND (%(end)s::timestamptz IS NULL OR r.received_at <= %(end)s)
         GROUP BY 1
         ORDER BY 3 DESC, 1
    """).format(key=key, name=name)
    params = {"handled": [s for s in HANDLED_STATUSES if s != Status.CLOSED] + [Status.CLOSED],
              "open": list(OPEN_STATUSES), "now": now, "start": start, "end": end}
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection), params)
        rows = cursor.fetchall()
    return [_kpi(row) for row in rows]


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _kpi(row: tuple) -> Kpi:
    key, name, received, processed, on_time, resolved, overdue, ack, resolve, mean, ratings, satisfied = row
    return Kpi(key=key or "", name=name or "", received=received, processed=processed,
               processed_pct=_pct(processed, received), on_time_pct=_pct(on_time, resolved), overdue_now=overdue,
               median_hours_to_acknowledge=round(ack, 2) if ack is not None else None,
               median_hours_to_resolve=round(resolve, 2) if resolve is not None else None,
               satisfaction=round(mean, 2) if mean is not None else None,
               satisfied_pct=_pct(satisfied, ratings), ratings=ratings)


def overdue_per_commune(*, now: datetime) -> dict[str, int]:
    """The metric "overdue reports per commune" for alert rules: open reports past a deadline now."""
    return {k.key: k.overdue_now for k in kpis(by="commune", start=None, end=None, now=now) if k.overdue_now}
