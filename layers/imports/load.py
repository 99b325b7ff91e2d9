"""The SQL of an import. Every function runs inside the one publishing transaction the caller opened
(layers.imports.jobs): readers see the old layer until it commits, then the new one and its new
version together. Geometries arrive as hex EWKB in EPSG:4326, properties as JSON text.
"""

from collections.abc import Iterable

from django.db import connection

Row = tuple[int, str, str, str]  # (row number in the file, source id, hex EWKB, properties JSON)


def delete_features(layer_id: int) -> int:
    """Replace mode: the layer's old features go, in the same transaction as the new ones come."""
    with connection.cursor() as cur:
        cur.execute("DELETE FROM layers_feature WHERE layer_id = %s", [layer_id])
        return cur.rowcount


def copy_features(layer_id: int, rows: list[Row]) -> int:
    """COPY rows straight into the feature store (replace mode, and a new layer)."""
    prefix = f"{int(layer_id)}\t"
    text = "".join(prefix + _copy_text(sid) + "\t" + ewkb + "\t" + _copy_text(props) + "\n"
                   for _row, sid, ewkb, props in rows)
    with connection.cursor() as cur:
        with cur.copy("COPY layers_feature (layer_id, source_id, geom, properties) FROM STDIN") as copy:
            copy.write(text.encode())
    return len(rows)


def _copy_text(value: str) -> str:
    """A value in COPY's text format: backslash, tab and line breaks escaped (hex EWKB needs none)."""
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


def copy_stage(rows: Iterable[Row]) -> int:
    n = 0
    with connection.cursor() as cur:
        with cur.copy("COPY import_stage (row, source_id, geom, properties) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


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
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
            """,
            [layer_id],
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


def promote_to_multi(layer_id: int, layer_type: str) -> int:
    """Single geometries of a layer whose type is Multi* become one-part multis (ST_Multi)."""
    single = {"MultiPoint": "POINT", "MultiLineString": "LINESTRING", "MultiPolygon": "POLYGON"}[layer_type]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_feature SET geom = ST_Multi(geom) WHERE layer_id = %s AND GeometryType(geom) = %s",
            [layer_id, single],
        )
        return cur.rowcount
