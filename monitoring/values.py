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
from monitoring.models import Aggregation, BoundaryVersion, Indicator


@dataclass(frozen=True)
class Window:
    unit_codes: tuple[str, ...] = ()
    first: date | None = None  # the first period start included
    last: date | None = None  # the last period start included


def _pairs(source: BoundaryVersion, target: BoundaryVersion, level: str) -> Sql:
    """The crosswalk as (src, dst, w_sum, w_people, w_area) from the `level` units of `source` to
    those of `target`, whichever of the two is the crosswalk's old set: old → new weighs by the old
    unit's share (`area_weight`), new → old by the new unit's (`area_share`). No rows when no
    crosswalk joins them. The 2025 set has communes only: its side is always a commune."""
    return Sql(
        """SELECT c.old_unit_id AS src, c.new_unit_id AS dst, c.area_weight AS w_sum, c.population AS w_people,
                  c.overlap_km2 AS w_area
             FROM monitoring_crosswalk AS c
             JOIN monitoring_adminunit AS f ON f.id = c.old_unit_id AND f.version_id = %s AND f.level = %s
             JOIN monitoring_adminunit AS t ON t.id = c.new_unit_id AND t.version_id = %s AND t.level = %s
           UNION ALL
           SELECT c.new_unit_id, c.old_unit_id, c.area_share, c.population, c.overlap_km2
             FROM monitoring_crosswalk AS c
             JOIN monitoring_adminunit AS f ON f.id = c.new_unit_id AND f.version_id = %s AND f.level = %s
             JOIN monitoring_adminunit AS t ON t.id = c.old_unit_id AND t.version_id = %s AND t.level = %s""",
        [source.pk, level, target.pk, "commune", source.pk, "commune", target.pk, level],
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


def _carried(indicator: Indicator, source: BoundaryVersion, target: BoundaryVersion, window: Window) -> Sql:
    """The source version's values carried onto the target's units, for the periods the target has no
    value of its own: (unit_id, period_start, period_end, value, num, den).

    The crosswalk pairs and the target's own periods are MATERIALIZED CTEs: each is planned on its
    own, where one join tree of eight tables cost 15–40 ms of planning per statement, as much as
    running it. The source rows (one table, no join) are planned with the aggregate: an index-only
    scan of the value key (monitoring.models.Value), 1.5 ms of planning in all."""
    pairs = _pairs(source, target, indicator.admin_level)
    aggregation = indicator.aggregation
    # The source rows are not joined to their units: the join with the pairs keeps the source set's
    # units of the level only, and the join cost as much as the scan.
    if aggregation == Aggregation.RATIO:
        source_rows = (
            Sql("""SELECT n.unit_id, n.period_start, n.period_end, n.value AS num, d.value AS den
                     FROM monitoring_value AS n
                     JOIN monitoring_value AS d
                       ON d.indicator_id = %s AND d.unit_id = n.unit_id AND d.period_start = n.period_start
                    WHERE n.indicator_id = %s""", [indicator.denominator_id, indicator.numerator_id])
            + _filters(window, "n")
        )
        value = Sql("sum(s.num * x.w_sum) / nullif(sum(s.den * x.w_sum), 0) * %s", [indicator.scale])
        parts = Sql("sum(s.num * x.w_sum), sum(s.den * x.w_sum)")
    else:
        source_rows = (
            Sql("""SELECT v.unit_id, v.period_start, v.period_end, v.value FROM monitoring_value AS v
                    WHERE v.indicator_id = %s""", [indicator.pk])
            + _filters(window, "v")
        )
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
        + _filters(window, "v")  # periods outside the window have no source rows to leave out
    )
    return (
        Sql("WITH x AS MATERIALIZED (") + pairs + "), s AS (" + source_rows + ")"
        + ", own AS MATERIALIZED (" + own + ")"
        + " SELECT x.dst, s.period_start, s.period_end, " + value + ", " + parts
        + " FROM s JOIN x ON x.src = s.unit_id"
        + " WHERE s.period_start NOT IN (SELECT period_start FROM own)"
        + " GROUP BY x.dst, s.period_start, s.period_end"
    )


def unit_values_sql(indicator: Indicator, target: BoundaryVersion, window: Window = Window(), *,
                    versions: list[BoundaryVersion] | None = None) -> Sql:
    """One statement: (unit_id, period_start, period_end, value, num, den, source_version_id) of the
    indicator on the units of `target`, its own values first, then the carried ones (source set).
    `versions` (all of them) spares a caller reading many the query that finds them."""
    versions = list(BoundaryVersion.objects.all()) if versions is None else versions
    pieces = [Sql("SELECT r.*, NULL::bigint AS source FROM (") + _source_rows(indicator, target, window) + ") AS r"]
    for source in versions:
        if source.pk == target.pk:
            continue
        carried = _carried(indicator, source, target, window)
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
    return read_many_json([indicator], boundary=boundary, window=window)[indicator.pk]


def read_many_json(indicators: list[Indicator], *, boundary: BoundaryVersion | None,
                   window: Window = Window()) -> dict[int, str]:
    """`read_values_json` of each indicator, by id, in one transaction: the versions are asked once.
    A statement per indicator and set: their UNION ALL, one round trip, cost more (49 indicators:
    1.3 s of PostgreSQL's CPU and 0.3 s of Python's, against 1.1 s and 0.2 s)."""
    versions = list(BoundaryVersion.objects.all())
    targets = [boundary] if boundary is not None else versions
    found = []
    with transaction.atomic(), connection.cursor() as cur:
        # Parallel workers cost more than they bring on statements this size (a few ms of work).
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for indicator in indicators:
            for target in targets:
                statement = _json_statement(indicator, target, window, own_periods_only=boundary is None,
                                            versions=versions)
                cur.execute(statement.text, statement.params)
                found.append(cur.fetchone())
    out = {}
    for n, indicator in enumerate(indicators):
        mine = found[n * len(targets):(n + 1) * len(targets)]
        if len(mine) == 1:  # one set's arrays are the document's as they are: not cut up and joined again
            (unit_rows, totals), = mine
            out[indicator.pk] = '{"values":' + unit_rows + ',"province":' + totals + "}"
            continue
        values = [unit_rows[1:-1] for unit_rows, _totals in mine]
        province = [totals[1:-1] for _unit_rows, totals in mine]
        out[indicator.pk] = '{"values":' + _join(values) + ',"province":' + _join(province) + "}"
    return out


def _join(parts: list[str]) -> str:
    return "[" + ",".join(p for p in parts if p) + "]"


def _label_sql(period_type: str, column: str) -> str:
    return {
        "day": f"to_char({column}, 'YYYY-MM-DD')",
        "week": f"to_char({column}, 'IYYY') || '-W' || to_char({column}, 'IW')",
        "month": f"to_char({column}, 'YYYY-MM')",
        "quarter": f"to_char({column}, 'YYYY') || '-Q' || extract(quarter FROM {column})::int",
        "year": f"to_char({column}, 'YYYY')",
    }[period_type]


def _json_statement(indicator: Indicator, target: BoundaryVersion, window: Window, *, own_periods_only: bool,
                    versions: list[BoundaryVersion]) -> Sql:
    digits = indicator.decimals
    # Each unit's and each source set's constant part of a value's JSON is written once, in
    # materialized CTEs (a subquery would be pulled up and its text rebuilt for every value): the
    # to_json calls per value cost a tenth of the statement.
    rows = (
        Sql("""WITH unit_heads AS MATERIALIZED (
                   SELECT id, code, coalesce(population, 0) AS people, area_km2,
                          '{"unit":' || to_json(code)::text || ',"name":' || to_json(name)::text
                          || ',"period":"' AS head
                     FROM monitoring_adminunit WHERE version_id = %s),
                source_tails AS MATERIALIZED (
                   SELECT id, ',"derived":true,"source_boundary":' || to_json(code)::text || '}' AS tail
                     FROM monitoring_boundaryversion)
              SELECT a.*, u.code, u.head, u.people, u.area_km2,
                     coalesce(t.tail, ',"derived":false,"source_boundary":null}') AS tail FROM (""", [target.pk])
        + unit_values_sql(indicator, target, window, versions=versions)
        + ") AS a JOIN unit_heads AS u ON u.id = a.unit_id LEFT JOIN source_tails AS t ON t.id = a.source"
        " WHERE a.value IS NOT NULL"
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
    # The values' objects are written as text, keys and punctuation as literals, strings through
    # to_json (escaped) and numbers as numeric's text, which is what json_agg writes too: it spent a
    # quarter of the statement's time on the column names and types of 7,900 rows, and put a line
    # break between them. The codes of one level are digits of one length: the "C" collation sorts
    # them alike, faster.
    return (
        Sql("WITH r AS MATERIALIZED (") + rows + ")"
        + Sql(f"""
        SELECT (SELECT coalesce('[' || string_agg(
                   r.head || {label} || '","value":' || round(r.value::numeric, %s)::text
                   || ',"band":"' || """, [digits])
        + band_sql(indicator, Sql("r.value"))
        + Sql(""" || '","boundary":' || %s || r.tail,
                   ',' ORDER BY r.period_start, r.code COLLATE "C") || ']', '[]')
                 FROM r),
               (SELECT coalesce(json_agg(t ORDER BY t.period_start), '[]')::text FROM (
                    SELECT r.period_start, """, [json.dumps(target.code)])
        + Sql(f"{label} AS period, round((")
        + total + Sql(")::numeric, %s) AS value, ", [max(digits, 2)])
        + total_band + Sql(""" AS band, count(*) AS units, %s::text AS boundary,
                           bool_or(r.source IS NOT NULL) AS derived
                      FROM r GROUP BY r.period_start) AS t)""", [target.code])
    )
