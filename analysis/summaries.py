"""What is inside a polygon (a zone, an admin unit, a shape being drawn), over the layers the caller
may see: per layer the number of features, broken down by the property its style colours by (schools
by level, health facilities by type, 1022 reports by status…), with the area in hectares of polygon
features and the length in km of lines clipped to the polygon.

Everything is computed by PostGIS in one statement. Areas and lengths are measured on the spheroid
(`geography`), never in Web Mercator, which inflates areas by sec²(latitude): +3.6 % at Long An
(10.7° N), +15 % at Hà Nội (21° N).
Polygon features count when their interiors overlap the zone, so a neighbour that only shares a
boundary is not "inside"; points and lines count when they touch it.

Measures (schema properties with an `aggregate`, layers.schema) are summed, averaged or maximised over
the features inside, not only counted: a record of 4 dengue cases counts 4. A time series (a layer
whose schema names a `station`) is summarised per station: its readings in the window, and per measure
the latest, mean and largest value. A feature's measure is taken whole (a parcel half inside counts its
full value); a value that is not a JSON number is left out.

Each raster layer the caller may see adds its zonal statistics (analysis.rasters).

Bounded work: a zone of more than LAYERS_SUMMARY_MAX_VERTICES vertices (an imported coastline, a
commune traced at 1 m) is simplified first (Douglas-Peucker, ST_Simplify, then made valid) with the
smallest tolerance of LAYERS_SUMMARY_SIMPLIFY_METRES × 4ⁿ that brings it under the limit; the answer
says so and gives the tolerance, the most any boundary moved. The zone's own area is always that of
the exact polygon. Measured on a 1,000,000-vertex zone over the demo world: ST_SimplifyPreserveTopology
took 9.8 s, ST_Simplify 0.34 s, for the same 136,511 vertices left at 2 m; the whole summary took
5.2 s (tolerance 8 m) against more than 10 minutes unsimplified, on a loaded 2-core machine.
The statement runs under LAYERS_SUMMARY_STATEMENT_TIMEOUT_MS (503 query_timeout past it).
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import shapely
from django.conf import settings
from shapely.geometry import Polygon

from analysis.rasters import RasterStatistics, zonal_statistics
from layers import query as features
from layers.access import Caller, visible_layers
from layers.models import Kind, Layer, TimeKind
from layers.replicas import reading_connection
from layers.schema import measures, schema_property, station_property
from tiles.counting import count_points_in_polygon

SQUARE_METRES_PER_HECTARE = 10_000.0
# Metres per degree of latitude. A tolerance of t / METRES_PER_DEGREE degrees moves no point more than
# t metres: a degree of longitude is shorter still (cos φ).
METRES_PER_DEGREE = 111_320.0
# Douglas-Peucker keeps every point of the exact boundary within the tolerance of the simplified one
# (and the reverse); a ring it made cross itself is repaired, keeping polygons only.
_SIMPLIFIED = "ST_CollectionExtract(ST_MakeValid(ST_Simplify(g, %(tolerance)s, true)), 3)"
_SIMPLIFY_STEPS = 8  # tolerances tried: t, 4t, … 4⁷t (4⁷ × 2 m = 33 km: any zone is small by then)


@dataclass(frozen=True)
class Category:
    value: Any  # the property value, as stored (string, boolean or number); None for "not set"
    label_vi: str
    label_en: str
    color: str | None
    count: int
    area_ha: float | None
    length_km: float | None


@dataclass(frozen=True)
class Measure:
    prop: str
    label_vi: str
    label_en: str
    unit: str | None
    aggregate: str  # sum, mean or max (layers.schema.AGGREGATES)
    value: float | None  # the aggregate over the features inside (None: no value)
    values: int  # features with a numeric value


@dataclass(frozen=True)
class StationMeasure:
    prop: str
    label_vi: str
    label_en: str
    unit: str | None
    latest: float | None
    mean: float | None
    max: float | None


@dataclass(frozen=True)
class Station:
    id: str | None
    name: str | None
    readings: int
    measures: list[StationMeasure]


@dataclass(frozen=True)
class LayerSummary:
    slug: str
    title_vi: str
    title_en: str
    geometry_type: str
    timed: bool
    count: int
    area_ha: float | None  # polygon layers: area of their parts inside the zone
    length_km: float | None  # line layers: length of their parts inside the zone
    category_property: str | None
    category_label_vi: str | None
    category_label_en: str | None
    categories: list[Category] = field(default_factory=list)
    version: int = 0  # the layer version counted: with the window, what reproduces the numbers
    measures: list[Measure] = field(default_factory=list)
    stations: list[Station] | None = None  # time series only: per station over the window


@dataclass(frozen=True)
class Summary:
    area_ha: float
    bbox: tuple[float, float, float, float]
    start: datetime | None
    end: datetime | None
    layers: list[LayerSummary]
    simplified_tolerance_m: float | None = None  # set when the zone was simplified for the counts
    rasters: list[RasterStatistics] = field(default_factory=list)


def summarize_polygon(
    user: Caller, polygon: Polygon, *, start: datetime | None = None, end: datetime | None = None
) -> Summary:
    """Summary of a polygon in EPSG:4326 that is not stored (being drawn, uploaded)."""
    zone_sql = "SELECT ST_GeomFromWKB(%(wkb)s, 4326) AS g"
    return _summarize(user, zone_sql, {"wkb": polygon.wkb, "exclude": None}, start, end)


def summarize_feature(
    user: Caller, layer: Layer, feature_id: int, *, start: datetime | None = None, end: datetime | None = None
) -> Summary | None:
    """Summary of a stored polygon feature (a zone, a commune) of a layer the caller may see; the
    feature itself is left out of its own counts. None when the layer has no such feature."""
    zone_sql = (
        f"SELECT f.geom AS g FROM {features.FEATURES.text} WHERE f.layer_id = %(zone_layer)s AND f.id = %(exclude)s"
    )
    return _summarize(user, zone_sql, {"zone_layer": layer.pk, "exclude": feature_id}, start, end)


def _summarize(
    user: Caller, zone_sql: str, zone_params: dict, start: datetime | None, end: datetime | None
) -> Summary | None:
    visible = list(visible_layers(user).filter(kind__in=[Kind.VECTOR, Kind.RASTER]))
    layers = [layer for layer in visible if layer.kind == Kind.VECTOR]
    raster_layers = [layer for layer in visible if layer.kind == Kind.RASTER]
    params = zone_params | {
        "ids": [layer.pk for layer in layers],
        "props": [_category_property(layer) for layer in layers],
        "timed": [layer.time_kind != TimeKind.NONE for layer in layers],
        "measured": [_measured(layer) for layer in layers],
        **_measure_params(layers),
        "start": start,
        "end": end,
    }
    with reading_connection().cursor() as cur:
        _execute(
            cur,
            "WITH zone AS (" + zone_sql + ") SELECT ST_Area(g::geography), ST_XMin(g), ST_YMin(g),"
            " ST_XMax(g), ST_YMax(g), ST_Dimension(g), ST_NPoints(g), ST_AsBinary(g) FROM zone",
            params,
        )
        head = cur.fetchone()
        if head is None:
            return None
        area_m2, *bbox, dimension, vertices, wkb = head
        tolerance_m = None
        if dimension == 2 and vertices > settings.LAYERS_SUMMARY_MAX_VERTICES:
            tolerance_m = _simplify_tolerance(cur, zone_sql, params)
            zone_sql = "SELECT " + _SIMPLIFIED + " AS g FROM (" + zone_sql + ") AS exact"
            params["tolerance"] = tolerance_m / METRES_PER_DEGREE
        # Dense point layers are counted from their cells (exactly) on the exact zone; a simplified
        # zone is counted as it is simplified, everything on it alike.
        use_cells = dimension == 2 and tolerance_m is None
        rows, params = _counted_elsewhere(layers, params, bytes(wkb)) if use_cells else ([], params)
        rows += _count_inside(cur, zone_sql, params) if dimension == 2 and params["ids"] else []
    totals: dict[int, list] = {}
    measured: dict[int, list] = {}
    for layer_id, value, count, m2, metres, prop, *aggregates in rows:
        if prop is None:
            totals.setdefault(layer_id, []).append((value, count, m2, metres))
        else:
            measured.setdefault(layer_id, []).append((prop, count, *aggregates))
    return Summary(
        area_ha=round(area_m2 / SQUARE_METRES_PER_HECTARE, 2),
        bbox=tuple(bbox),
        start=start,
        end=end,
        layers=[_layer_summary(layer, totals.get(layer.pk, []), measured.get(layer.pk, [])) for layer in layers],
        simplified_tolerance_m=tolerance_m,
        # The exact zone: a raster's pixels are tested against it, whatever the vertex count.
        rasters=zonal_statistics(user, shapely.from_wkb(bytes(wkb)), raster_layers) if dimension == 2 else [],
    )


def _simplify_tolerance(cur, zone_sql: str, params: dict) -> float:
    """The smallest tolerance (metres) of LAYERS_SUMMARY_SIMPLIFY_METRES × 4ⁿ that leaves the zone
    at most LAYERS_SUMMARY_MAX_VERTICES vertices (the last one tried if none does)."""
    tolerance = settings.LAYERS_SUMMARY_SIMPLIFY_METRES
    for _step in range(_SIMPLIFY_STEPS):
        _execute(
            cur,
            "WITH zone AS (" + zone_sql + ")"
            " SELECT ST_NPoints(ST_Simplify(g, %(tolerance)s, true)) FROM zone",
            params | {"tolerance": tolerance / METRES_PER_DEGREE},
        )
        if cur.fetchone()[0] <= settings.LAYERS_SUMMARY_MAX_VERTICES:
            break
        tolerance *= 4
    return tolerance


def _execute(cur, sql: str, params: dict) -> None:
    """One statement under the summary's own timeout. SET LOCAL and the statement go in one round
    trip, one implicit transaction: the limit ends with it (as tiles.mvt does for tiles)."""
    # No JIT and no parallel workers either (as tiles.counting): on 2 cores JIT compiled a proximity
    # statement for 0.8 s, and a summary's statements run in tens of milliseconds.
    cur.execute("SET LOCAL statement_timeout = %(summary_timeout)s; SET LOCAL jit = off;"
                " SET LOCAL max_parallel_workers_per_gather = 0; " + sql,
                params | {"summary_timeout": settings.LAYERS_SUMMARY_STATEMENT_TIMEOUT_MS})
    for _set in range(3):  # past the SETs
        cur.nextset()


def _counted_elsewhere(layers: list[Layer], params: dict, wkb: bytes) -> tuple[list[tuple], dict]:
    """Rows (as _count_inside's) of the layers their cluster cells answer — dense point layers
    without categories and without a window narrowing them (tiles.counting: from their cluster cells,
    exactly) — and the parameters of _count_inside for the others."""
    windowed = params["start"] is not None or params["end"] is not None
    rows = []
    for layer, prop, timed, measured in zip(layers, params["props"], params["timed"], params["measured"], strict=True):
        if prop is None and not measured and not (windowed and timed):
            counted = count_points_in_polygon(
                layer.pk, layer.version, layer.geometry_type, layer.feature_count, wkb)
            if counted is not None:
                rows.append((layer.pk, None, counted, None, None) + (None,) * 8)
    done = {row[0] for row in rows}
    keep = [i for i, layer_id in enumerate(params["ids"]) if layer_id not in done]
    return rows, params | {key: [params[key][i] for i in keep] for key in ("ids", "props", "timed", "measured")}


def _count_inside(cur, zone_sql: str, params: dict) -> list[tuple]:
    """Rows of two kinds, in one statement:
    - (layer_id, category value as text, count, m² inside, m inside, NULL × 7) per layer and category;
    - (layer_id, NULL, readings, NULL, NULL, measure, station id, station name, numeric values, sum,
      mean, max, latest) per measured layer, measure and station (NULL for a layer without stations).

    The zone's bounding box (&&) picks candidates through the GiST index; the exact test and the
    clipping run on those only, and a feature wholly inside is measured without being clipped. Only
    measured layers carry their properties past the filter.
    """
    # The time-window rule is layers.query's; its values go in by name beside the zone's.
    window, window_params = features.during(params["start"], params["end"]).named("window")
    window = window or "true"
    # MATERIALIZED: the zone (simplified, perhaps) is computed once, whatever join order is chosen.
    _execute(
        cur,
        "WITH zone AS MATERIALIZED (" + zone_sql + ")," + """
        wanted AS (
            SELECT * FROM unnest(%(ids)s::bigint[], %(props)s::text[], %(timed)s::boolean[], %(measured)s::boolean[])
                       AS w(layer_id, prop, timed, measured)
        ),
        inside AS MATERIALIZED (
            SELECT f.layer_id, f.properties ->> w.prop AS value, ST_Dimension(f.geom) AS dim,
                   CASE WHEN w.measured THEN f.properties END AS props, f.time_start,
                   CASE WHEN ST_Dimension(f.geom) = 0 THEN NULL
                        WHEN ST_Covers(z.g, f.geom) THEN f.geom
                        ELSE ST_Intersection(f.geom, z.g) END AS part
              FROM zone AS z
              JOIN """ + features.FEATURES.text + """ ON f.geom && z.g
              JOIN wanted AS w ON w.layer_id = f.layer_id
             -- layer_id = ANY prunes the partitions of layers counted elsewhere (a 1M-point layer's
             -- 10,000 points were scanned and dropped by the join: 90 ms). ST_Intersects and ST_Covers
             -- prepare the zone once for all rows; ST_Relate does not (0.05 ms a parcel), so it only
             -- decides the polygons that cross the zone's boundary.
             WHERE f.layer_id = ANY(%(ids)s::bigint[])
               AND f.id IS DISTINCT FROM %(exclude)s
               AND (NOT w.timed OR """ + window + """)
               AND ST_Intersects(z.g, f.geom)
               AND (ST_Dimension(f.geom) < 2 OR ST_Covers(z.g, f.geom) OR ST_Relate(f.geom, z.g, 'T********'))
        ),
        measure AS (
            SELECT * FROM unnest(%(m_ids)s::bigint[], %(m_props)s::text[], %(m_station)s::text[],
                                 %(m_station_name)s::text[]) AS m(layer_id, prop, station, station_name)
        )
        SELECT layer_id, value, count(*),
               sum(ST_Area(part::geography)) FILTER (WHERE dim = 2),
               sum(ST_Length(part::geography)) FILTER (WHERE dim = 1),
               NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::numeric, NULL::numeric, NULL::numeric,
               NULL::numeric
          FROM inside
         GROUP BY layer_id, value
        UNION ALL
        SELECT i.layer_id, NULL, count(*), NULL, NULL, m.prop, i.props ->> m.station,
               min(i.props ->> m.station_name), count(v.x), sum(v.x), avg(v.x), max(v.x),
               (array_agg(v.x ORDER BY i.time_start DESC NULLS LAST) FILTER (WHERE v.x IS NOT NULL))[1]
          FROM inside AS i
          JOIN measure AS m ON m.layer_id = i.layer_id
         CROSS JOIN LATERAL (
               SELECT CASE WHEN jsonb_typeof(i.props -> m.prop) = 'number' THEN (i.props ->> m.prop)::numeric END AS x
               ) AS v
         GROUP BY i.layer_id, m.prop, i.props ->> m.station
        """,
        params | window_params,
    )
    return cur.fetchall()


def _measured(layer: Layer) -> bool:
    return bool(measures(layer.property_schema))


def _measure_params(layers: list[Layer]) -> dict[str, list]:
    """One row per measure of each layer: the layer, the property, its station properties (or None)."""
    rows = [
        (layer.pk, p["name"], station_property(layer.property_schema, "id"),
         station_property(layer.property_schema, "name"))
        for layer in layers for p in measures(layer.property_schema)
    ]
    return {key: [row[i] for row in rows] for i, key in enumerate(("m_ids", "m_props", "m_station", "m_station_name"))}


def _category_property(layer: Layer) -> str | None:
    """The property the layer's style colours by: the natural breakdown (level, status, type…)."""
    categories = (layer.style or {}).get("categories") or {}
    prop = categories.get("property")
    return prop if isinstance(prop, str) and schema_property(layer.property_schema, prop) else None


def _as_text(value: Any) -> str:
    """A style stop value as `properties ->> key` renders it (true, 5, text)."""
    return value if isinstance(value, str) else json.dumps(value)


def _layer_summary(layer: Layer, rows: list[tuple], measured: list[tuple]) -> LayerSummary:
    dimension = _dimension(layer.geometry_type)
    prop = _category_property(layer)
    stops = {_as_text(s["value"]): s for s in ((layer.style or {}).get("categories") or {}).get("stops", [])}
    categories = []
    if prop is not None:
        for value, count, m2, metres in sorted(rows, key=lambda r: (-r[1], r[0] or "")):
            stop = stops.get(value) if value is not None else None
            categories.append(
                Category(
                    value=stop["value"] if stop else value,
                    label_vi=(stop or {}).get("label_vi") or (value or "—"),
                    label_en=(stop or {}).get("label_en") or (value or "—"),
                    color=(stop or {}).get("color"),
                    count=count,
                    area_ha=_hectares(m2) if dimension == 2 else None,
                    length_km=_kilometres(metres) if dimension == 1 else None,
                )
            )
    schema = schema_property(layer.property_schema, prop) if prop else None
    return LayerSummary(
        slug=layer.slug,
        title_vi=layer.title_vi,
        title_en=layer.title_en,
        geometry_type=layer.geometry_type,
        timed=layer.time_kind != TimeKind.NONE,
        count=sum(r[1] for r in rows),
        area_ha=_hectares(sum(r[2] or 0 for r in rows)) if dimension == 2 else None,
        length_km=_kilometres(sum(r[3] or 0 for r in rows)) if dimension == 1 else None,
        category_property=prop,
        category_label_vi=schema["label_vi"] if schema else None,
        category_label_en=schema["label_en"] if schema else None,
        categories=categories,
        version=layer.version,
        **_measures_of(layer, measured),
    )


def _number(value: Decimal | None) -> float | None:
    """A numeric aggregate as JSON shows it: an integer when whole, else rounded to 4 decimals."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else round(float(value), 4)


def _measures_of(layer: Layer, rows: list[tuple]) -> dict[str, Any]:
    """The `measures` (layers without stations) or `stations` (time series) of a layer summary, from
    _count_inside's rows (prop, readings, station id, station name, values, sum, mean, max, latest)."""
    schema = {p["name"]: p for p in measures(layer.property_schema)}
    if station_property(layer.property_schema, "id") is None:
        by_prop = {row[0]: row for row in rows}
        listed = []
        for name, p in schema.items():
            _prop, _count, _id, _name, values, total, mean, largest, _latest = by_prop.get(
                name, (name, 0, None, None, 0, None, None, None, None))
            value = {"sum": total if values else None, "mean": mean, "max": largest}[p["aggregate"]]
            listed.append(Measure(prop=name, label_vi=p["label_vi"], label_en=p["label_en"], unit=p.get("unit"),
                                  aggregate=p["aggregate"], value=_number(value), values=values))
        return {"measures": listed}
    stations: dict[str | None, dict] = {}
    for prop, readings, station, name, _values, _sum, mean, largest, latest in rows:
        entry = stations.setdefault(station, {"name": name, "readings": readings, "by": {}})
        entry["by"][prop] = (latest, mean, largest)
    listed_stations = [
        Station(id=station, name=entry["name"], readings=entry["readings"], measures=[
            StationMeasure(prop=name, label_vi=p["label_vi"], label_en=p["label_en"], unit=p.get("unit"),
                           **dict(zip(("latest", "mean", "max"),
                                      (_number(v) for v in entry["by"].get(name, (None, None, None))))))
            for name, p in schema.items()
        ])
        for station, entry in sorted(stations.items(), key=lambda item: item[0] or "")
    ]
    return {"stations": listed_stations}


def _dimension(geometry_type: str) -> int | None:
    if "Polygon" in geometry_type:
        return 2
    if "LineString" in geometry_type:
        return 1
    if "Point" in geometry_type:
        return 0
    return None


def _hectares(m2: float | None) -> float:
    return round((m2 or 0.0) / SQUARE_METRES_PER_HECTARE, 2)


def _kilometres(metres: float | None) -> float:
    return round((metres or 0.0) / 1000.0, 3)
