"""The SQL of an import. Every function runs inside the one publishing transaction the caller opened
(layers.imports.jobs): readers see the old layer until it commits, then the new one and its new
version together. A replace writes into the layer's next version (layers.storage); append and upsert
merge through a temporary stage table into the feature store. Geometries arrive as hex WKB in
EPSG:4326 (the columns' SRID), properties as JSON text; both as Arrow arrays, which Arrow joins into
the lines of COPY's text format without a Python string per row.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from psycopg import sql

from layers.imports.vector import TEXT


@dataclass(frozen=True)
class Columns:
    """Checked rows of a batch, column by column (same length each)."""

    numbers: list[int]  # row numbers in the file
    ids: list[str]  # source ids
    wkbs: pa.Array  # hex WKB (TEXT)
    properties: pa.Array  # JSON text (TEXT)

    def __len__(self) -> int:
        return len(self.numbers)


def copy_features(table: str, layer_id: int, rows: Columns) -> int:
    """COPY rows into the layer's next version (replace mode, and a new layer): a table of its own
    (layers.storage.next_version)."""
    statement = sql.SQL("COPY {} (layer_id, source_id, geom, properties) FROM STDIN").format(sql.Identifier(table))
    _copy(statement, pa.scalar(str(int(layer_id)), TEXT), rows)
    return len(rows)


def _copy(statement: sql.Composable, first: pa.Scalar | pa.Array, rows: Columns) -> None:
    """COPY the rows as text lines of `first` (the layer id, or the row numbers), source id, hex WKB
    and properties."""
    if not len(rows):
        return
    # Hex WKB needs no escaping; ids rarely do. JSON text has no raw tab or line break (JSON escapes
    # them), only the backslashes of its escapes.
    sids = pa.array(_copy_column(rows.ids), TEXT)
    properties = rows.properties
    if pc.any(pc.match_substring(properties, "\\")).as_py():
        properties = pc.replace_substring(properties, "\\", "\\\\")
    tab, end = pa.scalar("\t", TEXT), pa.scalar("\n", TEXT)
    lines = pc.binary_join_element_wise(first, tab, sids, tab, rows.wkbs, tab, properties, end, pa.scalar("", TEXT))
    _validity, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[[lines.offset, lines.offset + len(lines)]]
    with connection.cursor() as cur, cur.copy(statement) as copy:
        copy.write(memoryview(data)[int(bounds[0]):int(bounds[1])])


def _copy_column(values: list[str]) -> list[str]:
    joined = "".join(values)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return [_copy_text(v) for v in values]
    return values


def _copy_text(value: str) -> str:
    """A value in COPY's text format: backslash, tab and line breaks escaped (hex WKB needs none)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def create_stage() -> None:
    """A temporary table for append and upsert, gone at commit or rollback (or left by an earlier
    import in the same session's transaction, as in a test)."""
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS import_stage")
        cur.execute(
            "CREATE TEMPORARY TABLE import_stage (row integer, source_id varchar(200), geom geometry(Geometry, 4326),"
            " properties jsonb) ON COMMIT DROP"
        )


def copy_stage(rows: Columns) -> int:
    numbers = pa.array(rows.numbers, pa.int64()).cast(TEXT)
    _copy(sql.SQL("COPY import_stage (row, source_id, geom, properties) FROM STDIN"), numbers, rows)
    return len(rows)


def merge_append(layer_id: int) -> list[tuple[int, str]]:
    """Insert the staged rows whose source id is new to the layer; return (row, source id) of the
    others, which keep their old feature."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT s.row, s.source_id FROM import_stage AS s
             WHERE EXISTS (SELECT 1 FROM layers_feature AS f WHERE f.layer_id = %s AND f.source_id = s.source_id)
             ORDER BY s.row
            """,
            [layer_id],
        )
        existing = cur.fetchall()
        cur.execute(
            """
            INSERT INTO layers_feature (layer_id, source_id, geom, properties)
            SELECT %s, s.source_id, s.geom, s.properties FROM import_stage AS s
             WHERE NOT EXISTS (SELECT 1 FROM layers_feature AS f WHERE f.layer_id = %s AND f.source_id = s.source_id)
            """,
            [layer_id, layer_id],
        )
    return existing


def merge_upsert(layer_id: int) -> tuple[int, int]:
    """Insert new source ids, update the geometry and properties of known ones: (inserted, updated)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            WITH merged AS (
                INSERT INTO layers_feature (layer_id, source_id, geom, properties)
                SELECT %s, s.source_id, s.geom, s.properties FROM import_stage AS s
                ON CONFLICT (layer_id, source_id)
                DO UPDATE SET geom = EXCLUDED.geom, properties = EXCLUDED.properties
                RETURNING source_id
            )
            -- The join reads the layer as it was before the statement: a match is an update. (A
            -- partitioned table has no xmax to return.)
            SELECT count(*) FILTER (WHERE f.id IS NULL), count(*) FILTER (WHERE f.id IS NOT NULL)
              FROM merged AS m LEFT JOIN layers_feature AS f ON f.layer_id = %s AND f.source_id = m.source_id
            """,
            [layer_id, layer_id],
        )
        inserted, updated = cur.fetchone()
    return inserted, updated


def layer_geometry_types(layer_id: int) -> set[str]:
    """The geometry types already in a layer (append and upsert keep them)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT replace(GeometryType(geom), 'GEOMETRYCOLLECTION', 'GeometryCollection')"
            " FROM layers_feature WHERE layer_id = %s",
            [layer_id],
        )
        names = {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon", "MULTIPOINT": "MultiPoint",
                 "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon"}
        return {names.get(r[0], r[0]) for r in cur.fetchall()}


def promote_to_multi(layer_id: int, layer_type: str, *, table: str = "layers_feature") -> int:
    """Single geometries of a layer whose type is Multi* become one-part multis (ST_Multi), in the
    feature store or in the layer's next version (`table`)."""
    single = {"MultiPoint": "POINT", "MultiLineString": "LINESTRING", "MultiPolygon": "POLYGON"}[layer_type]
    with connection.cursor() as cur:
        cur.execute(
            sql.SQL("UPDATE {} SET geom = ST_Multi(geom) WHERE layer_id = %s AND GeometryType(geom) = %s")
            .format(sql.Identifier(table)).as_string(cur.connection),
            [layer_id, single],
        )
        return cur.rowcount
