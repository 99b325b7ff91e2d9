"""Mapbox Vector Tiles built by PostGIS: one SQL statement per tile, whatever the number of layers.

Storage is EPSG:4326 (lon/lat degrees) in the generic feature table, asked through layers.query; tiles are EPSG:3857 with
an extent of 4096 units and a 64-unit buffer. The tile envelope is transformed to 4326 (never the
column), so `geom && envelope` uses a GiST index (the layer partition's own, see layers.storage). Every
value is a bound parameter, z/x/y and JSON keys included; the only identifiers are property names
used as column aliases, checked by layers.schema and quoted by psycopg.sql.Identifier.

Feature attributes are the layer's schema properties, typed (string, integer, number, boolean; a
JSON list or object as its JSON text, which MVT can hold) and the time in ISO 8601; at most
TILES_MAX_ATTRIBUTES of them, the schema's first (`cells.tile_properties`): each is a column of the
statement, and PostgreSQL's target lists stop at 1,664. A polygon layer whose style has a label
also gets a `<slug>-labels` MVT layer with one point per polygon, so a polygon is labelled once and
not once per tile.

A tile layer with more than TILES_MAX_FEATURES features, or whose MVT would exceed TILES_MAX_BYTES,
is drawn as grid clusters (TILES_CLUSTER_CELLS² cells per tile, each cluster at the mean position of
its features, with `cluster_count`, `sum_<property>` for numeric properties and `generalized: true`).
Nothing is dropped: the counts of a zoom's tiles add up to the layer's feature count. Clusters come
from `tiles_clustercell` when that level was precomputed for the layer's version (tiles.generalize),
else they are computed from the features in the same statement.
"""

import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from psycopg import sql as pgsql

from layers import query as features
from layers.filters import FeatureQuery
from layers.query import FEATURES, Sql
from layers.models import GeometryType, Layer, TimeKind
from layers.replicas import reading_connection
from tiles import access_memo, cells
from tiles.cache import layer_identity
from tiles.grid import MERCATOR_HALF, Tile

EXTENT = 4096
BUFFER = 64
_POINTS = (GeometryType.POINT, GeometryType.MULTIPOINT)
_POLYGONS = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)


@dataclass(frozen=True)
class LayerPart:
    """One layer of a tile: which layer, with which filters."""

    layer: Layer
    query: FeatureQuery

    @property
    def is_filtered(self) -> bool:
        return self.query.is_filtered or self.query.properties is not None


@dataclass(frozen=True)
class RenderedTile:
    data: bytes  # the MVT, uncompressed; b"" for an empty tile
    # Per layer slug: "raw", "clusters" (precomputed) or "clusters-live" (computed in the statement).
    modes: dict[str, str]


def render_mvt(parts: list[LayerPart], tile: Tile, *, catalog_token: int | None = None) -> RenderedTile:
    """The MVT of `tile` with one MVT layer per part (named by slug), in one statement.

    Also returns how each layer was drawn, so a caller can ask for clusters to be precomputed.
    For this statement only (SET LOCAL, one implicit transaction, one round trip): no parallel query
    (2.5x slower on 2 cores), no JIT (compiling the never-run branches cost seconds), no sequential
    scans (a capped count's LIMIT tempts the planner into one; an index always answers a tile).

    A layer's statement carries the branch that clusters live only where it may run (see _layer_sql);
    a layer that turns out too big without it ("pending": a small layer over TILES_MAX_BYTES, or
    precomputed cells gone with their version) is drawn again in a second statement that has it.

    With `catalog_token` (the layers come from tiles.access_memo), the statement also reads the
    catalog token's PostgreSQL copy and the tile is refused (access_memo.StaleEntry) unless it is
    that one: the memo's answer is checked in the round trip that renders.
    """
    mvts, modes = _run(parts, tile, catalog_token, live=False)
    pending = [i for i, mode in enumerate(modes) if mode == _PENDING]
    if pending:
        again, again_modes = _run([parts[i] for i in pending], tile, catalog_token, live=True)
        for i, mvt, mode in zip(pending, again, again_modes, strict=True):
            mvts[i], modes[i] = mvt, mode
    return RenderedTile(b"".join(mvts), {part.layer.slug: mode for part, mode in zip(parts, modes, strict=True)})


def _run(parts: list[LayerPart], tile: Tile, catalog_token: int | None, *, live: bool) -> tuple[list[bytes], list[str]]:
    sql, params = tile_statement(parts, tile, catalog_token=catalog_token, live=live)
    with reading_connection().cursor() as cur:
        cur.execute(sql, params)
        for _set in range(4):  # past the SETs
            cur.nextset()
        row = cur.fetchone()
    if catalog_token is not None and row[-1] != catalog_token:
        raise access_memo.StaleEntry()
    for i, part in enumerate(parts):
        if row[3 * i + 2]:  # its precomputed levels were there: later tiles of this zoom may skip checking
            _levels_seen(part.layer, tile.z)
    return [bytes(row[3 * i] or b"") for i in range(len(parts))], [row[3 * i + 1] for i in range(len(parts))]


def tile_statement(parts: list[LayerPart], tile: Tile, *, catalog_token: int | None = None,
                   live: bool = False) -> tuple[str, dict]:
    """The SQL of render_mvt and its parameters, by name (`live`: see _layer_sql)."""
    selects, params = [], []
    for part in parts:
        sql, part_params = _layer_sql(part, tile, live=live)
        selects.append(sql)
        params += part_params
    # Each part yields (mvt bytea, mode text, levels ready); the MVT layers are joined in Python.
    columns = [f"p{i}.mvt, p{i}.mode, p{i}.ready" for i in range(len(parts))]
    if catalog_token is not None:
        columns.append(f"({access_memo.DB_TOKEN_SQL})")
    sql = (
        "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; SET LOCAL enable_seqscan = off;"
        " SET LOCAL statement_timeout = %s; SELECT "
        + ", ".join(columns)
        + " FROM "
        + ", ".join(f"LATERAL ({s}) AS p{i}" for i, s in enumerate(selects))
    )
    return _named_parameters(sql, [settings.TILES_STATEMENT_TIMEOUT_MS, *params])


_PLACEHOLDER = re.compile(r"%s")
_LAYOUT = re.compile(r"\n\s*")


def _named_parameters(sql: str, params: list) -> tuple[str, dict]:
    """The statement with one named placeholder per distinct value, on one line.

    The builders bind positionally, and a tile's z, x, y, layer and envelope recur a dozen times:
    with 60-odd parameters, psycopg parses the statement text on every execute (0.45 ms of Python
    per tile). With each value bound once and the layout whitespace gone, the statement keeps under
    psycopg's limits for caching that work (50 parameters, 4,096 characters), and tiles of the same
    layer, zoom and filters share one text. Values are told apart by type too: 1, 1.0 and True are
    different parameters."""
    names: dict[tuple[type, object], str] = {}
    bound: dict[str, object] = {}
    values = iter(params)

    def name(_match) -> str:
        value = next(values)
        key = (type(value), value if value.__hash__ is not None else id(value))
        if key not in names:
            names[key] = f"v{len(names)}"
            bound[names[key]] = value
        return f"%({names[key]})s"

    named_sql = _PLACEHOLDER.sub(name, _LAYOUT.sub(" ", sql))
    assert next(values, names) is names, "more parameters than placeholders"
    return named_sql, bound


def _layer_sql(part: LayerPart, tile: Tile, *, live: bool = False) -> tuple[str, list]:
    """SELECT mvt, mode, ready for one layer: raw features unless they are too many or too big.

    How many features the tile holds is asked only when it could matter: never for a layer smaller
    than the cap; from the precomputed cells (one row, see _precomputed_count_sql) when the layer has
    them; else by a count of the features that stops at the cap. The branches are uncorrelated scalar
    subqueries (InitPlans), which PostgreSQL runs only when the CASE reaches them — but plans every
    time: the live clusters alone cost 0.3 ms of planning, a sixth of a small tile's statement. So
    they are in the statement only where they are likely (`live`, a filtered layer above the cap:
    precomputed clusters are of the whole layer, or one whose precomputed counts for this zoom have
    not been seen yet); elsewhere a tile that needs them says "pending" and render_mvt asks again:
    a small layer's tile over TILES_MAX_BYTES, or, above TILES_CLUSTER_MAX_ZOOM, a tile of more than
    TILES_MAX_FEATURES (its precomputed count says so in a fraction of a millisecond). `ready` tells
    whether the precomputed counts were found (_levels_seen).
    """
    where = _where(part, tile)
    raw_sql, raw_params = _raw_sql(part, tile, where)
    cap = settings.TILES_MAX_FEATURES
    capped_count = f"(SELECT count(*) FROM ({features.select('1', where).text} LIMIT %s) AS c)"
    count_params = [*where.params, cap + 1]
    if part.is_filtered or part.layer.feature_count <= cap:
        # Precomputed clusters are of the whole layer: a filtered tile counts and clusters live.
        stored_sql, stored_params = "SELECT NULL::bytea", []
        ready_sql, ready_params = "false AS has_stored, false AS has_counts", []
        if part.layer.feature_count <= cap:
            capped_count, count_params = "0", []
        else:
            live = True
    else:
        stored_sql, stored_params = _stored_clusters_sql(part, tile)
        level, counted_sql, counted_params = _precomputed_count_sql(part, tile)
        if _levels_known(part.layer, tile.z):
            # Seen before for this version: no capped count, no live clusters. A dense tile without
            # precomputed clusters (above their highest zoom) comes back "pending".
            ready_sql = f"{_LEVEL_READY_SQL} AS has_stored, true AS has_counts"
            ready_params = _level_ready_params(part, tile.z)
            capped_count, count_params = f"({counted_sql})", counted_params
        else:
            live = True
            ready_sql = f"{_LEVEL_READY_SQL} AS has_stored, {_LEVEL_READY_SQL} AS has_counts"
            ready_params = [*_level_ready_params(part, tile.z), *_level_ready_params(part, level)]
            capped_count = f"(SELECT CASE WHEN has_counts THEN ({counted_sql}) ELSE {capped_count} END FROM stored)"
            count_params = [*counted_params, *count_params]
    if live:
        live_sql, live_params = _live_clusters_sql(part, tile, where)
        live_mode = "clusters-live"
    else:
        live_sql, live_params, live_mode = "SELECT NULL::bytea", [], _PENDING
    # MATERIALIZED keeps the planner from inlining a CTE into every reference, which would run the
    # count or the raw MVT once per reference.
    sql = f"""
        WITH stored AS MATERIALIZED (SELECT {ready_sql}),
             decide AS MATERIALIZED (SELECT {capped_count} > %s AS too_many),
             raw AS MATERIALIZED (
                 SELECT CASE WHEN (SELECT too_many FROM decide) THEN NULL ELSE ({raw_sql}) END AS mvt),
             decision AS MATERIALIZED (
                 SELECT d.too_many OR length(r.mvt) > %s AS dense, s.has_stored, s.has_counts AS ready
                   FROM decide AS d, raw AS r, stored AS s)
        SELECT CASE WHEN NOT decision.dense THEN (SELECT mvt FROM raw)
                    WHEN decision.has_stored THEN ({stored_sql})
                    ELSE ({live_sql}) END AS mvt,
               CASE WHEN NOT decision.dense THEN 'raw' WHEN decision.has_stored THEN 'clusters'
                    ELSE %s END AS mode,
               decision.ready
          FROM decision
    """
    params = [
        *ready_params,
        *count_params, cap,
        *raw_params,
        settings.TILES_MAX_BYTES,
        *stored_params, *live_params,
        live_mode,
    ]
    return sql, params


_PENDING = "pending"  # drawn without its live clusters, which it needs: render_mvt draws it again
# (database, layer version, zoom, grid) whose precomputed counts were seen ready. Per process; a
# version's levels are never deleted while it is current, and a new version is a new key.
_LEVELS_SEEN: set[tuple] = set()
_LEVELS_SEEN_MAX = 4096


def _levels_key(layer: Layer, z: int) -> tuple:
    return connection.settings_dict["NAME"], layer_identity(layer), z, cells.grid()


def _levels_known(layer: Layer, z: int) -> bool:
    return _levels_key(layer, z) in _LEVELS_SEEN


def _levels_seen(layer: Layer, z: int) -> None:
    if len(_LEVELS_SEEN) >= _LEVELS_SEEN_MAX:
        _LEVELS_SEEN.clear()
    _LEVELS_SEEN.add(_levels_key(layer, z))


# Whether a zoom's precomputed cells of the layer's current version are all written (tiles.generalize).
_LEVEL_READY_SQL = (
    "EXISTS (SELECT 1 FROM tiles_clusterlevel WHERE layer_id = %s AND version = %s AND z = %s AND grid = %s AND ready)"
)


def _level_ready_params(part: LayerPart, z: int) -> list:
    return [part.layer.pk, part.layer.version, z, cells.grid()]


def _precomputed_count_sql(part: LayerPart, tile: Tile) -> tuple[int, str, list]:
    """Features whose centre lies in the tile, from precomputed cells: which zoom's, and the SQL.

    A cell of zoom z - log2(TILES_CLUSTER_CELLS) is exactly one tile of zoom z, with the same x and
    y: one row, where summing this zoom's cells reads up to CELLS² of them (1.8 ms of a 2.9 ms
    statement for a z12 tile of a million points). Tiles of lower zooms sum their own cells."""
    sql = "SELECT coalesce(sum(c.n), 0) FROM tiles_clustercell AS c WHERE c.layer_id = %s AND c.version = %s AND c.z = %s"
    cell = cells.counting_cell(tile)
    if cell is not None:
        level, cx, cy = cell
        return level, sql + " AND c.cx = %s AND c.cy = %s", [part.layer.pk, part.layer.version, level, cx, cy]
    sql += " AND c.cx BETWEEN %s AND %s AND c.cy BETWEEN %s AND %s"
    return tile.z, sql, [part.layer.pk, part.layer.version, tile.z, *cells.tile_cells(tile)]


def _buffered_bounds(tile: Tile) -> tuple[float, float, float, float]:
    """The tile with its buffer, in EPSG:3857 metres, cut to the Mercator square: past x = ±180°
    longitudes wrap, and the envelope of a tile on the world's east or west edge (every tile of zoom
    0 to 2 over Vietnam) would come back to WGS 84 as a box around the wrong side of the globe."""
    minx, miny, maxx, maxy = tile.mercator_bounds()
    margin = (maxx - minx) * BUFFER / EXTENT
    return (max(minx - margin, -MERCATOR_HALF), max(miny - margin, -MERCATOR_HALF),
            min(maxx + margin, MERCATOR_HALF), min(maxy + margin, MERCATOR_HALF))


def _where(part: LayerPart, tile: Tile) -> Sql:
    """Features of the layer whose bounding box meets the tile (with its buffer), and the filters.
    The tile's envelope is transformed to the storage SRID (layers.query.envelope), so the layer
    partition's own GiST answers it; the query's bbox is an index test only, the tile clips."""
    return features.where([
        features.matching(part.layer.pk, part.query, exact=False),
        features.overlaps_bbox(_buffered_bounds(tile), 3857),
    ])


def _identifier(name: str) -> str:
    """A column alias, quoted as the rest of the project quotes identifiers (layers.storage)."""
    return pgsql.Identifier(name).as_string()


# The columns ST_AsMVT reads geometry and feature id from; a property of the same name is left out.
GEOM_COLUMN, ID_COLUMN = "mvt_geom", "mvt_id"
# How a property's JSON value becomes a typed MVT value (NULL, hence absent, when it does not fit).
_VALUE_SQL = {
    "integer": "CASE WHEN jsonb_typeof(f.properties -> %s) = 'number' THEN round((f.properties ->> %s)::numeric)::bigint END",
    "number": "CASE WHEN jsonb_typeof(f.properties -> %s) = 'number' THEN (f.properties ->> %s)::float8 END",
    "boolean": "CASE WHEN jsonb_typeof(f.properties -> %s) = 'boolean' THEN (f.properties ->> %s)::boolean END",
}
_TEXT_SQL = "f.properties ->> %s"


def _attributes_sql(part: LayerPart) -> tuple[str, list]:
    """The MVT attributes of a feature as typed columns: the schema's properties (or the chosen
    ones) and its time (ISO 8601). Keys outside the schema never reach a tile. Column names are
    schema property names (checked by layers.schema) quoted by _identifier; JSON keys are bound.

    Plain columns rather than one jsonb: ST_AsMVT encodes them about four times faster.
    """
    wanted = (part.query.properties or cells.tile_properties(part.layer))[:settings.TILES_MAX_ATTRIBUTES]
    types = {p["name"]: p["type"] for p in part.layer.property_schema}
    columns, params = [], []
    for name in wanted:
        if name in (GEOM_COLUMN, ID_COLUMN):
            continue
        expression = _VALUE_SQL.get(types.get(name, "string"), _TEXT_SQL)
        columns.append(f"{expression} AS {_identifier(name)}")
        params += [name] * expression.count("%s")
    # to_jsonb renders a timestamptz as ISO 8601, like the GeoJSON API.
    if part.layer.time_kind == TimeKind.INSTANT:
        columns.append("to_jsonb(f.time_start) #>> '{}' AS datetime")
    elif part.layer.time_kind == TimeKind.INTERVAL:
        columns += ["to_jsonb(f.time_start) #>> '{}' AS start_datetime", "to_jsonb(f.time_end) #>> '{}' AS end_datetime"]
    return "".join(", " + c for c in columns), params


def _raw_sql(part: LayerPart, tile: Tile, where: Sql) -> tuple[str, list]:
    """The features themselves, clipped to the tile (+buffer) and quantized to its 4096 grid.

    Lines and polygons are first simplified in 4326 with a tolerance of one tile unit (degrees, from
    the tile's width and latitude), so vertices that would land on the same grid cell are not
    transformed at all.
    """
    attrs_sql, attrs_params = _attributes_sql(part)
    geom = "f.geom"
    geom_params: list = []
    if part.layer.geometry_type not in _POINTS:
        geom = "ST_Simplify(f.geom, %s, true)"
        geom_params = [_tolerance_degrees(tile)]
    # Features that collapse or fall outside get a NULL geometry, which ST_AsMVT skips: filtering
    # them out in SQL would make PostgreSQL compute ST_AsMVTGeom twice per feature.
    sql = f"""
        SELECT coalesce(ST_AsMVT(t, %s, {EXTENT}, '{GEOM_COLUMN}', '{ID_COLUMN}'), ''::bytea) FROM (
            SELECT f.id AS {ID_COLUMN},
                   ST_AsMVTGeom(ST_Transform({geom}, 3857), ST_TileEnvelope(%s, %s, %s), {EXTENT}, {BUFFER}, true)
                       AS {GEOM_COLUMN}
                   {attrs_sql}
              FROM {FEATURES.text}
             WHERE {where.text}
        ) AS t
    """
    params = [part.layer.slug, *geom_params, tile.z, tile.x, tile.y, *attrs_params, *where.params]
    label_sql, label_params = _label_points_sql(part, tile, where)
    if label_sql:
        sql = f"SELECT ({sql}) || ({label_sql})"
        params += label_params
    return sql, params


def label_property(layer: Layer) -> str | None:
    """The property a polygon layer's style labels, if any: such a layer gets label points."""
    label = (layer.style or {}).get("label")
    if layer.geometry_type in _POLYGONS and isinstance(label, dict) and isinstance(label.get("property"), str):
        return label["property"]
    return None


def _label_points_sql(part: LayerPart, tile: Tile, where: Sql) -> tuple[str, list]:
    """A second MVT layer, `<slug>-labels`, with one point per polygon (ST_PointOnSurface, in 4326)
    carrying the labelled property. Only points inside the tile proper are kept (no buffer), so a
    polygon cut by tile edges is labelled once, not once per tile."""
    name = label_property(part.layer)
    if name is None:
        return "", []
    sql = f"""
        SELECT coalesce(ST_AsMVT(t, %s, {EXTENT}, 'geom', 'id'), ''::bytea) FROM (
            SELECT f.id,
                   ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(f.geom), 3857), ST_TileEnvelope(%s, %s, %s),
                                {EXTENT}, 0, true) AS geom,
                   jsonb_strip_nulls(jsonb_build_object(%s, f.properties -> %s)) AS attributes
              FROM {FEATURES.text}
             WHERE {where.text}
        ) AS t
    """
    return sql, [part.layer.slug + "-labels", tile.z, tile.x, tile.y, name, name, *where.params]


def _tolerance_degrees(tile: Tile) -> float:
    west, south, east, north = tile.bounds()
    return (east - west) / EXTENT * math.cos(math.radians(max(abs(south), abs(north))))


def _cluster_attributes_sql(part: LayerPart, prefix: str) -> tuple[str, list]:
    """The columns of a live cluster: its count, the generalized flag, and per numeric property of
    the schema `sum_<name>` (values that are not JSON numbers are ignored)."""
    columns, params = ["count(*) AS cluster_count", "true AS generalized"], []
    for name in cells.numeric_names(part.layer):
        sum_sql, sum_params = cells.sum_sql(name, prefix)
        columns.append(f"{sum_sql} AS {_identifier('sum_' + name)}")
        params += sum_params
    return ", ".join(columns), params


def _live_clusters_sql(part: LayerPart, tile: Tile, where: Sql) -> tuple[str, list]:
    """Grid clusters computed from the features: each feature counts once, in the cell of the tile
    (not of its buffer) that holds the centre of its bounding box, so tiles never double count.

    Cells, centres and positions are computed by tiles.cells, as for the precomputed clusters.
    """
    attrs, attrs_params = _cluster_attributes_sql(part, "p.")
    position, position_params = cells.position_sql("avg(p.mx)", "avg(p.my)", tile, EXTENT)
    cell, cell_params = cells.tile_cell_sql(tile)
    sql = f"""
        SELECT coalesce(ST_AsMVT(t, %s, {EXTENT}, 'geom'), ''::bytea) FROM (
            SELECT {position} AS geom,
                   {attrs}
              FROM (SELECT {cells.CENTRE_SQL},
                           f.properties
                      FROM {FEATURES.text} WHERE {where.text}) AS p,
                   LATERAL (SELECT {cell}) AS cell
             WHERE cell.cx BETWEEN 0 AND %s AND cell.cy BETWEEN 0 AND %s
             GROUP BY cell.cx, cell.cy
        ) AS t
    """
    params = [
        part.layer.slug,
        *position_params,
        *attrs_params,
        *cells.CENTRE_PARAMS,
        *where.params,
        *cell_params,
        cells.grid() - 1, cells.grid() - 1,
    ]
    return sql, params


def _stored_clusters_sql(part: LayerPart, tile: Tile) -> tuple[str, list]:
    """Precomputed clusters of the layer's current version for this tile (an index range scan)."""
    sum_names = ["sum_" + name for name in cells.numeric_names(part.layer)]
    sums = "".join(f", (c.sums ->> %s)::float8 AS {_identifier(n)}" for n in sum_names)
    position, position_params = cells.position_sql("c.mx", "c.my", tile, EXTENT)
    sql = f"""
        SELECT coalesce(ST_AsMVT(t, %s, {EXTENT}, 'geom'), ''::bytea) FROM (
            SELECT {position} AS geom,
                   c.n AS cluster_count, true AS generalized{sums}
              FROM tiles_clustercell AS c
             WHERE c.layer_id = %s AND c.version = %s AND c.z = %s
               AND c.cx BETWEEN %s AND %s AND c.cy BETWEEN %s AND %s
        ) AS t
    """
    params = [
        part.layer.slug,
        *position_params,
        *sum_names,
        part.layer.pk, part.layer.version, tile.z,
        *cells.tile_cells(tile),
    ]
    return sql, params
