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

from dataclasses import dataclass
from datetime import date

from django.db import connection

from layers.query import Sql
from monitoring.bands import band_of
from monitoring.models import Aggregation, BoundaryVersion, Crosswalk, Indicator
from monitoring.periods import label


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
    """The values of `indicator` on `boundary` (None: each period on the set valid at its start) with
    their bands, derived flags and the province total of each period."""
    versions = list(BoundaryVersion.objects.all())
    targets = [boundary] if boundary is not None else versions
    by_id = {v.pk: v for v in versions}
    rows = []
    with connection.cursor() as cur:
        for target in targets:
            statement = (
                Sql("SELECT a.*, u.code, u.name, u.population, u.area_km2 FROM (")
                + unit_values_sql(indicator, target, window)
                + ") AS a JOIN monitoring_adminunit AS u ON u.id = a.unit_id"
            )
            if boundary is None:
                statement += Sql(" WHERE a.period_start >= %s", [target.valid_from])
                if target.valid_to is not None:
                    statement += Sql(" AND a.period_start < %s", [target.valid_to])
            cur.execute(statement.text + " ORDER BY a.period_start, u.code", statement.params)
            rows.extend((target, row) for row in cur.fetchall())
    return _shape(indicator, rows, by_id)


def _shape(indicator: Indicator, rows: list, versions: dict) -> dict:
    kind, digits = indicator.period_type, indicator.decimals
    values, totals = [], {}
    for target, (_unit, start, end, value, num, den, source, code, name, population, area) in rows:
        if value is None:
            continue
        period = label(start, kind)
        values.append({
            "unit": code, "name": name, "period": period, "period_start": start.isoformat(),
            "period_end": end.isoformat(), "value": round(value, digits), "band": band_of(indicator, value),
            "boundary": target.code, "derived": source is not None,
            "source_boundary": versions[source].code if source is not None else None,
        })
        total = totals.setdefault(period, {"sum": 0.0, "num": 0.0, "den": 0.0, "wsum": 0.0, "w": 0.0,
                                           "units": 0, "derived": False, "boundary": target.code})
        total["sum"] += value
        total["num"] += num or 0.0
        total["den"] += den or 0.0
        weight = (population or 0) if indicator.aggregation == Aggregation.MEAN_POPULATION else area
        total["wsum"] += value * weight
        total["w"] += weight
        total["units"] += 1
        total["derived"] |= source is not None
    province = []
    for period, total in totals.items():
        if indicator.aggregation == Aggregation.SUM:
            value = total["sum"]
        elif indicator.aggregation == Aggregation.RATIO:
            value = total["num"] / total["den"] * indicator.scale if total["den"] else None
        else:
            value = total["wsum"] / total["w"] if total["w"] else None
        province.append({
            "period": period, "value": None if value is None else round(value, max(digits, 2)),
            "band": band_of(indicator, value) if indicator.aggregation != Aggregation.SUM else None,
            "units": total["units"], "boundary": total["boundary"], "derived": total["derived"],
        })
    return {"values": values, "province": province}
