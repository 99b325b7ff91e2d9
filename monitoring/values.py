"""Reading an indicator's values on a boundary set, re-aggregated across the 2025 change.

A value is read on the units of a target boundary version. Where the target has values of its own
for a period they are read as they are; for the other periods the values of the other version are
carried over the crosswalk (monitoring.crosswalk) and marked `derived`, with the version they come
from:

- sum: Σ value × weight, the weight being the share of the source unit in the target one (old → new:
  `area_weight`; new → old: `area_share`); each source unit's weights sum to 1, so totals are kept;
- ratio: the numerator and the denominator are carried as sums, then divided (× scale);
- mean_population / mean_area: Σ value × w / Σ w, w the people / km² of the overlap.

Without a target, each period is read on the version valid at its start. Statements are built here
and nowhere else (alert rules of issue #15 reuse `unit_values_sql`: one statement, metric per unit).
"""

import json
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from layers.query import Sql
from monitoring.bands import band_sql
from monitoring.models import Aggregation, BoundaryVersion, Crosswalk, Indicator


@dataclass(frozen=True)
class Window:
    unit_codes: tuple[str, ...] = ()
    first: date | None = None  # the first period start included
    last: date | None = None  # the last period start included


def _pairs(source: BoundaryVersion, target: BoundaryVersion, level: str) -> Sql | None:
    """The crosswalk as (src, dst, w_sum, w_people, w_area) from `source` units to the `level` units
    of `target`, or None when no crosswalk joins the two versions."""
    if Crosswalk.objects.filter(old_unit__version=source, new_unit__version=target).exists():
        src, dst, additive = "old_unit_id", "new_unit_id", "area_weight"
    elif Crosswalk.objects.filter(old_unit__version=target, new_unit__version=source).exists():
        src, dst, additive = "new_unit_id", "old_unit_id", "area_share"
    else:
        return None
    return Sql(
        f"SELECT c.{src} AS src, c.{dst} AS dst, c.{additive} AS w_sum, c.population AS w_people,"
        " c.overlap_km2 AS w_area FROM monitoring_crosswalk AS c"
        f" JOIN monitoring_adminunit AS t ON t.id = c.{dst}"
        f" JOIN monitoring_adminunit AS f ON f.id = c.{src}"
        " WHERE t.version_id = %s AND t.level = %s AND f.level = %s",
        # The 2025 set has communes only: its side of the crosswalk is always a commune.
        [target.pk, "commune" if src == "old_unit_id" else level, level if src == "old_unit_id" else "commune"],
    )


def _filters(window: Window, alias: str) -> Sql:
    parts = []
    if window.first is not None:
        parts.append(Sql(f" AND {alias}.period_start >= %s", [window.first]))
    if window.last is not None:
        parts.append(Sql(f" AND {alias}.period_start <= %s", [window.last]))
    return Sql("").join(parts) if parts else Sql("")


def _source_rows(indicator: Indicator, version: BoundaryVersion, window: Window) -> Sql:
    """(unit_id, period_start, period_end, value, num, den) of the indicator stored on `version`."""
    if indicator.aggregation == Aggregation.RATIO:
        return (
            Sql("""SELECT v.unit_id, v.period_start, v.period_end, v.value, n.value AS num, d.value AS den
                     FROM monitoring_value AS v
                     JOIN monitoring_adminunit AS u ON u.id = v.unit_id AND u.version_id = %s
                     LEFT JOIN monitoring_value AS n
                       ON n.indicator_id = %s AND n.unit_id = v.unit_id AND n.period_start = v.period_start
                     LEFT JOIN monitoring_value AS d
                       ON d.indicator_id = %s AND d.unit_id = v.unit_id AND d.period_start = v.period_start
                    WHERE v.indicator_id = %s""",
                [version.pk, indicator.numerator_id, indicator.denominator_id, indicator.pk])
            + _filters(window, "v")
        )
    return (
        Sql("""SELECT v.unit_id, v.period_start, v.period_end, v.value, NULL::float8 AS num, NULL::float8 AS den
                 FROM monitoring_value AS v
                 JOIN monitoring_adminunit AS u ON u.id = v.unit_id AND u.version_id = %s
                WHERE v.indicator_id = %s""", [version.pk, indicator.pk])
        + _filters(window, "v")
    )


def _carried(indicator: Indicator, source: BoundaryVersion, target: BoundaryVersion, window: Window) -> Sql | None:
    """The source version's values carried onto the target's units, for the periods the target has no
    value of its own: (unit_id, period_start, period_end, value, num, den)."""
    pairs = _pairs(source, target, indicator.admin_level)
    if pairs is None:
        return None
    aggregation = indicator.aggregation
    if aggregation == Aggregation.RATIO:
        source_rows = (
            Sql("""SELECT n.unit_id, n.period_start, n.period_end, n.value AS num, d.value AS den
                     FROM monitoring_value AS n
                     JOIN monitoring_adminunit AS u ON u.id = n.unit_id AND u.version_id = %s
                     JOIN monitoring_value AS d
                       ON d.indicator_id = %s AND d.unit_id = n.unit_id AND d.period_start = n.period_start
                    WHERE n.indicator_id = %s""", [source.pk, indicator.denominator_id, indicator.numerator_id])
            + _filters(window, "n")
        )
        value = Sql("sum(s.num * x.w_sum) / nullif(sum(s.den * x.w_sum), 0) * %s", [indicator.scale])
        parts = Sql("sum(s.num * x.w_sum), sum(s.den * x.w_sum)")
    else:
        source_rows = _source_rows(indicator, source, window)
        weight = {Aggregation.SUM: None, Aggregation.MEAN_POPULATION: "x.w_people",
                  Aggregation.MEAN_AREA: "x.w_area"}[aggregation]
        if weight is None:
            value = Sql("sum(s.value * x.w_sum)")
        else:
            # Without people counted in the overlap, area stands in for them.
            weight = f"coalesce({weight}, x.w_area)" if weight == "x.w_people" else weight
            value = Sql(f"sum(s.value * {weight}) / nullif(sum({weight}), 0)")
        parts = Sql("NULL::float8, NULL::float8")
    own = (
        Sql("""SELECT DISTINCT v.period_start FROM monitoring_value AS v
                 JOIN monitoring_adminunit AS u ON u.id = v.unit_id AND u.version_id = %s
                WHERE v.indicator_id = %s""", [target.pk, indicator.pk])
    )
    return (
        Sql("SELECT x.dst, s.period_start, s.period_end, ") + value + ", " + parts
        + " FROM (" + source_rows + ") AS s JOIN (" + pairs + ") AS x ON x.src = s.unit_id"
        + " WHERE s.period_start NOT IN (" + own + ")"
        + " GROUP BY x.dst, s.period_start, s.period_end"
    )


def unit_values_sql(indicator: Indicator, target: BoundaryVersion, window: Window = Window()) -> Sql:
    """One statement: (unit_id, period_start, period_end, value, num, den, source_version_id) of the
    indicator on the units of `target`, its own values first, then the carried ones (source set)."""
    pieces = [Sql("SELECT r.*, NULL::bigint AS source FROM (") + _source_rows(indicator, target, window) + ") AS r"]
    for source in BoundaryVersion.objects.exclude(pk=target.pk):
        carried = _carried(indicator, source, target, window)
        if carried is not None:
            pieces.append(Sql("SELECT r.*, %s::bigint AS source FROM (", [source.pk]) + carried + ") AS r")
    statement = Sql(" UNION ALL ").join(pieces)
    if window.unit_codes:
        statement = (
            Sql("SELECT a.* FROM (") + statement + ") AS a JOIN monitoring_adminunit AS uc ON uc.id = a.unit_id"
            + Sql(" WHERE uc.code = ANY(%s)", [list(window.unit_codes)])
        )
    return statement


def read_values(indicator: Indicator, *, boundary: BoundaryVersion | None, window: Window = Window()) -> dict:
    """The values of `indicator` as `read_values_json` gives them, parsed."""
    return json.loads(read_values_json(indicator, boundary=boundary, window=window))


def read_values_json(indicator: Indicator, *, boundary: BoundaryVersion | None, window: Window = Window()) -> str:
    """The values of `indicator` on `boundary` (None: each period on the set valid at its start) with
    their bands and derived flags, and the province total of each period, as JSON text
    {"values": [...], "province": [...]} built by PostgreSQL (188 units × 42 months is 7,900 values:
    shaping them in Python cost more than the whole statement)."""
    versions = list(BoundaryVersion.objects.all())
    targets = [boundary] if boundary is not None else versions
    values, province = [], []
    with transaction.atomic(), connection.cursor() as cur:
        # Parallel workers cost more than they bring on statements this size (a few ms of work).
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for target in targets:
            statement = _json_statement(indicator, target, window, own_periods_only=boundary is None)
            cur.execute(statement.text, statement.params)
            unit_rows, totals = cur.fetchone()
            values.append(unit_rows[1:-1])
            province.append(totals[1:-1])
    join = lambda parts: "[" + ",".join(p for p in parts if p) + "]"  # noqa: E731
    return '{"values":' + join(values) + ',"province":' + join(province) + "}"


def _label_sql(period_type: str, column: str) -> str:
    return {
        "day": f"to_char({column}, 'YYYY-MM-DD')",
        "week": f"to_char({column}, 'IYYY') || '-W' || to_char({column}, 'IW')",
        "month": f"to_char({column}, 'YYYY-MM')",
        "quarter": f"to_char({column}, 'YYYY') || '-Q' || extract(quarter FROM {column})::int",
        "year": f"to_char({column}, 'YYYY')",
    }[period_type]


def _json_statement(indicator: Indicator, target: BoundaryVersion, window: Window, *, own_periods_only: bool) -> Sql:
    digits = indicator.decimals
    rows = (
        Sql("SELECT a.*, u.code, u.name, coalesce(u.population, 0) AS people, u.area_km2, s.code AS source_code FROM (")
        + unit_values_sql(indicator, target, window)
        + ") AS a JOIN monitoring_adminunit AS u ON u.id = a.unit_id"
        " LEFT JOIN monitoring_boundaryversion AS s ON s.id = a.source WHERE a.value IS NOT NULL"
    )
    if own_periods_only:
        rows += Sql(" AND a.period_start >= %s", [target.valid_from])
        if target.valid_to is not None:
            rows += Sql(" AND a.period_start < %s", [target.valid_to])
    label = _label_sql(indicator.period_type, "r.period_start")
    total = {
        Aggregation.SUM: Sql("sum(r.value)"),
        Aggregation.RATIO: Sql("sum(r.num) / nullif(sum(r.den), 0) * %s", [indicator.scale]),
        Aggregation.MEAN_POPULATION: Sql("sum(r.value * r.people) / nullif(sum(r.people), 0)"),
        Aggregation.MEAN_AREA: Sql("sum(r.value * r.area_km2) / nullif(sum(r.area_km2), 0)"),
    }[indicator.aggregation]
    total_band = Sql("NULL") if indicator.aggregation == Aggregation.SUM else band_sql(indicator, total)
    return (
        Sql("WITH r AS MATERIALIZED (") + rows + ")"
        + Sql(f"""
        SELECT (SELECT coalesce(json_agg(v), '[]')::text FROM (
                    SELECT r.code AS unit, r.name, {label} AS period, round(r.value::numeric, %s) AS value, """, [digits])
        + band_sql(indicator, Sql("r.value"))
        + Sql(""" AS band, %s::text AS boundary, r.source IS NOT NULL AS derived, r.source_code AS source_boundary
                      FROM r ORDER BY r.period_start, r.code) AS v),
               (SELECT coalesce(json_agg(t ORDER BY t.period_start), '[]')::text FROM (
                    SELECT r.period_start, """, [target.code])
        + Sql(f"{label} AS period, round((")
        + total + Sql(")::numeric, %s) AS value, ", [max(digits, 2)])
        + total_band + Sql(""" AS band, count(*) AS units, %s::text AS boundary,
                           bool_or(r.source IS NOT NULL) AS derived
                      FROM r GROUP BY r.period_start) AS t)""", [target.code])
    )
