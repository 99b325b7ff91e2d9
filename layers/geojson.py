"""GeoJSON (RFC 7946) built by PostGIS. Python only joins the bytes PostgreSQL returns.

All geometry is stored and returned in EPSG:4326 lon/lat degrees, 7 decimals (~1 cm).
"""

from dataclasses import dataclass


from layers import query as features
from layers.filters import FeatureQuery
from layers.models import Layer, TimeKind
from layers.query import Sql
from layers.replicas import reading_connection

COORDINATE_DECIMALS = 7


@dataclass(frozen=True)
class FeaturePage:
    features: bytes  # comma-separated Feature objects, ready to sit inside "features": [...]
    returned: int
    last_id: int | None
    has_more: bool


def _properties_sql(layer: Layer, query: FeatureQuery) -> tuple[str, list]:
    """The jsonb of a feature's properties: chosen keys only, plus its time in STAC-style names."""
    params: list = []
    if query.properties is None:
        sql = "f.properties"
    else:
        sql = (
            "(SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)"
            " FROM jsonb_each(f.properties) AS e WHERE e.key = ANY(%s))"
        )
        params.append(query.properties)
    if layer.time_kind == TimeKind.INSTANT:
        sql = "(" + sql + " || jsonb_strip_nulls(jsonb_build_object('datetime', f.time_start)))"
    elif layer.time_kind == TimeKind.INTERVAL:
        sql = "(" + sql + " || jsonb_build_object('start_datetime', f.time_start, 'end_datetime', f.time_end))"
    return sql, params


def _feature_sql(props_sql: str) -> str:
    """A Feature as text; its placeholders are the coordinate decimals, then props_sql's."""
    return (
        "json_build_object('type', 'Feature', 'id', f.id, 'geometry', ST_AsGeoJSON(f.geom, %s)::json,"
        " 'properties', " + props_sql + ")::text"
    )


def count_features(layer: Layer, query: FeatureQuery) -> int:
    """numberMatched. Without filters the catalog's maintained count answers without a scan."""
    if not query.is_filtered:
        return layer.feature_count
    statement = features.select("count(*)", features.matching(layer.pk, query))
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        return cur.fetchone()[0]


def feature_page(layer: Layer, query: FeatureQuery) -> FeaturePage:
    """One page of features in id order (keyset paging: late pages cost what early ones do).

    Fetches limit + 1 rows to know whether a next page exists without counting.
    """
    where = features.matching(layer.pk, query)
    if query.after is not None:
        where += Sql(" AND f.id > %s", [query.after])
    props_sql, props_params = _properties_sql(layer, query)
    sql = (
        "WITH page AS (SELECT f.id, " + _feature_sql(props_sql) + " AS doc"
        f" FROM {features.FEATURES.text} WHERE " + where.text + """
             ORDER BY f.id
             LIMIT %s
        ), numbered AS (
            SELECT id, doc, row_number() OVER (ORDER BY id) AS n FROM page
        )
        SELECT coalesce(string_agg(doc, ',' ORDER BY id) FILTER (WHERE n <= %s), ''),
               count(*) FILTER (WHERE n <= %s),
               max(id) FILTER (WHERE n <= %s),
               count(*) > %s
          FROM numbered
    """
    )
    limit = query.limit
    params = [COORDINATE_DECIMALS, *props_params, *where.params, limit + 1, limit, limit, limit, limit]
    with reading_connection().cursor() as cur:
        cur.execute(sql, params)
        docs, returned, last_id, has_more = cur.fetchone()
    return FeaturePage(features=docs.encode(), returned=returned, last_id=last_id, has_more=has_more)


def single_feature(layer: Layer, feature_id: int, query: FeatureQuery) -> bytes | None:
    props_sql, props_params = _properties_sql(layer, query)
    statement = features.select(
        Sql(_feature_sql(props_sql), [COORDINATE_DECIMALS, *props_params]),
        features.where([features.in_layer(layer.pk), Sql("f.id = %s", [feature_id])]),
    )
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        row = cur.fetchone()
    return row[0].encode() if row else None
