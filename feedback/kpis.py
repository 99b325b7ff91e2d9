"""The 1022 KPIs per commune, handling unit or category over any window of reception: received,
processed %, on-time %, overdue now, median working hours to acknowledge and to resolve, satisfaction.
One statement over the reports; working hours were kept on each report when its step happened
(feedback.workflow.apply_step), so the medians are plain percentile_cont. Per commune the statement
is an index-only scan of the covering index report_commune_kpis, in commune order."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from psycopg import sql

from feedback.models import HANDLED_STATUSES, OPEN_STATUSES

# Per grouping: the report's column grouped on (narrow rows, no join before the aggregate), and how
# the group's key and name are read once the groups are made.
GROUPS = {
    "commune": (sql.SQL("r.commune_code"), sql.SQL(
        "g.k, (SELECT n.commune_name FROM feedback_report AS n WHERE n.commune_code = g.k LIMIT 1)"), sql.SQL("")),
    "department": (sql.SQL("r.department_id"), sql.SQL("d.code, d.name_vi"),
                   sql.SQL("LEFT JOIN layers_department AS d ON d.id = g.k")),
    "category": (sql.SQL("r.category_id"), sql.SQL("c.code, c.name_vi"),
                 sql.SQL("JOIN feedback_category AS c ON c.id = g.k")),
}
# The per-group sorts of the two medians stay in memory (100,000 reports spilled ~10 MB to disk at the
# default 4 MB and took 3× as long).
WORK_MEM = "64MB"


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
    column, names, join = GROUPS[by]
    statement = sql.SQL("""
        SELECT {names}, g.received, g.processed, g.on_time, g.resolved, g.overdue, g.ack, g.resolve,
               g.mean, g.ratings, g.satisfied
          FROM (SELECT {column} AS k, count(*) AS received,
                       count(*) FILTER (WHERE r.status = ANY(%(handled)s)) AS processed,
                       count(*) FILTER (WHERE r.resolved_at <= r.resolve_due) AS on_time,
                       count(r.resolved_at) AS resolved,
                       count(*) FILTER (WHERE r.status = ANY(%(open)s) AND (r.resolve_due < %(now)s
                                         OR (r.acknowledged_at IS NULL AND r.acknowledge_due < %(now)s))) AS overdue,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.hours_to_acknowledge) AS ack,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.hours_to_resolve) AS resolve,
                       avg(r.rating)::float8 AS mean, count(r.rating) AS ratings,
                       count(*) FILTER (WHERE r.rating >= 4) AS satisfied
                  FROM feedback_report AS r
                 WHERE (%(start)s::timestamptz IS NULL OR r.received_at >= %(start)s)
                   AND (%(end)s::timestamptz IS NULL OR r.received_at <= %(end)s)
                 GROUP BY 1) AS g
          {join}
         ORDER BY g.received DESC, 1
    """).format(column=column, names=names, join=join)
    params = {"handled": list(HANDLED_STATUSES), "open": list(OPEN_STATUSES), "now": now, "start": start,
              "end": end}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = %s", [WORK_MEM])
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
