"""GeoJSON (RFC 7946) built by PostGIS. Python only joins the bytes PostgreSQL returns.

All geometry is stored in EPSG:4326 and returned in lon/lat degrees, 7 decimals (~1 cm), unless a
channel asks for another geometry expression (OGC API's `crs`: the stored geometry transformed or with
its axes swapped, written with the decimals that CRS's units need).
"""

from collections.abc import Iterator
from dataclasses import dataclass

from psycopg.adapt import Loader

from layers import query as features
from layers.filters import FeatureQuery
from layers.models import Layer, TimeKind
from layers.query import Sql
from layers.replicas import reading_connection

COORDINATE_DECIMALS = 7
STORED = Sql("f.geom")


@dataclass(frozen=True)
class FeaturePage:
    features: bytes  # comma-separated Feature objects, ready to sit inside "features": [...]
    returned: int
    last_id: int | None
    has_more: bool  # more features beyond the page, in the direction of paging
    first_id: int | None = None


def _properties_sql(layer: Layer, query: FeatureQuery) -> tuple[str, list]:
    """The jsonb of a feature's properties: chosen keys only, plus its `source_id` (the id every
    export carries, so a download joins the API's features) and its time in STAC-style names."""
    params: list = []
    if query.properties is None:
        sql = "f.properties"
    else:
        sql = (
            "(SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)"
            " FROM jsonb_each(f.properties) AS e WHERE e.key = ANY(%s))"
        )
        params.append(query.properties)
    sql = "(" + sql + " || jsonb_build_object('source_id', f.source_id))"
    if layer.time_kind == TimeKind.INSTANT:
        sql = "(" + sql + " || jsonb_strip_nulls(jsonb_build_object('datetime', f.time_start)))"
    elif layer.time_kind == TimeKind.INTERVAL:
        sql = "(" + sql + " || jsonb_build_object('start_datetime', f.time_start, 'end_datetime', f.time_end))"
    return sql, params


def _properties_text(layer: Layer, query: FeatureQuery) -> Sql:
    """The properties of `_properties_sql` as JSON text. In the common case (all properties of a
    layer without time) `source_id` is written into the stored object's text instead of merged into
    the jsonb and the whole written again: over 20,000 points the merge cost 45 ms of the feature's
    70 ms. `source_id` goes first, after the object's `{`: cutting the `}` off the end instead
    (`left(text, -1)`) counts the characters of the whole text (UTF-8 names), 30% more of a
    feature's cost (50,000 points: ~150 against ~210 ms). The merge stays where the text splice
    would not be a JSON object with one `source_id`: an empty object, a stored `source_id`,
    anything but an object."""
    merged = Sql("(" + _properties_sql(layer, query)[0] + ")::text", _properties_sql(layer, query)[1])
    if query.properties is not None or layer.time_kind != TimeKind.NONE:
        return merged
    return (
        "(CASE WHEN jsonb_typeof(f.properties) <> 'object' OR f.properties = '{}'::jsonb"
        " OR f.properties ? 'source_id' THEN " + merged
        + """ ELSE '{"source_id":' || to_json(f.source_id)::text || ',' || substr(f.properties::text, 2) END)"""
    )


def _feature_sql(properties: Sql, geometry: Sql, decimals: int, *, identifier: str = "f.id") -> Sql:
    """A Feature as text, joined from texts that are JSON already: the id, ST_AsGeoJSON's geometry and
    the properties' jsonb. json_build_object would parse the geometry back (`::json`) and write it again:
    3.7 times the cost of a 10,000-feature page (230 ms against 63 ms, 1M-point bench layer).
    `identifier` is a JSON text expression of the id: the numeric row id, or an export's quoted source id;
    `properties` a JSON text expression (`_properties_text`)."""
    return (
        """'{"type":"Feature","id":' || """ + identifier
        + """ || ',"geometry":' || coalesce(ST_AsGeoJSON(""" + geometry
        + Sql(""", %s), 'null') || ',"properties":' || """, [decimals]) + properties + """ || '}'"""
    )


def export_feature_sql(layer: Layer) -> Sql:
    """A Feature of an export as text: its `id` is the source id (the one the API's features carry
    in `properties.source_id`), its properties those of the API's features."""
    return _feature_sql(_properties_text(layer, FeatureQuery()), STORED, COORDINATE_DECIMALS,
                        identifier="to_json(f.source_id)::text")


def count_features(layer: Layer, query: FeatureQuery) -> int:
    """numberMatched. Without filters the catalog's maintained count answers without a scan."""
    if not query.is_filtered:
        return layer.feature_count
    statement = features.select("count(*)", features.matching(layer.pk, query))
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        return cur.fetchone()[0]


def feature_page(layer: Layer, query: FeatureQuery, *, geometry: Sql = STORED,
                 decimals: int = COORDINATE_DECIMALS) -> FeaturePage:
    """One page of features in id order (keyset paging: late pages cost what early ones do).

    `query.before` pages backwards (the `limit` features just before that id, still returned in id
    order). Whether features lie beyond the page is a second, index-only question asked only of a full
    page: numbering limit + 1 rows in the page statement instead sorted every document twice (122 ms
    against 60 ms for 10,000 points). `geometry` is the expression written for each feature (default:
    the stored lon/lat geometry).
    """
    if getattr(query, "sortby", None) is not None:
        return _sorted_page(layer, query, geometry=geometry, decimals=decimals)
    where = features.matching(layer.pk, query)
    if query.after is not None:
        where += Sql(" AND f.id > %s", [query.after])
    backwards = getattr(query, "before", None) is not None
    if backwards:
        where += Sql(" AND f.id < %s", [query.before])
    order = "DESC" if backwards else "ASC"
    feature = _feature_sql(_properties_text(layer, query), geometry, decimals)
    statement = (
        "SELECT coalesce(string_agg(doc, ',' ORDER BY id), ''), count(*), min(id), max(id) FROM ("
        + "SELECT f.id, " + feature + " AS doc FROM " + features.FEATURES + " WHERE " + where
        + Sql(f" ORDER BY f.id {order} LIMIT %s) AS page", [query.limit])
    )
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        docs, returned, first_id, last_id = cur.fetchone()
        has_more = False
        if returned == query.limit:
            beyond = Sql("f.id < %s", [first_id]) if backwards else Sql("f.id > %s", [last_id])
            more = "SELECT EXISTS (" + features.select("1", features.where([where, beyond])) + ")"
            cur.execute(more.text, more.params)
            has_more = cur.fetchone()[0]
    return FeaturePage(features=docs.encode(), returned=returned, last_id=last_id, has_more=has_more,
                       first_id=first_id)


# Features a streamed page asks PostgreSQL for at a time: ~1 MB of point features, so the first bytes
# leave early and memory stays flat whatever the page size.
STREAM_CHUNK_ROWS = 5000


class _RawText(Loader):
    """A text column handed on as the UTF-8 bytes PostgreSQL sent: a chunk's joined features are
    written to the socket as they are, so decoding them to str and encoding them back is waste
    (two passes over ~1 MB per chunk)."""

    def load(self, data) -> bytes:
        return bytes(data)


class StreamedPage:
    """One forward page of features in id order, written by PostgreSQL in chunks that are handed on
    while it writes the next ones (a page of 100,000 features is never whole in memory).

    Each chunk is its own keyset statement along the partition's primary key (`id > last id of the
    previous chunk`, an index range scan), not a server-side cursor: nothing (no transaction, no
    cursor) is held between chunks, so a client that stops reading leaves no state behind, and
    PgBouncer's transaction pooling serves it too. A chunk statement costs ~1 ms of its own: 0.2 s
    over a 1,000,000-feature walk.

    PostgreSQL joins a chunk's features itself (string_agg) and the joined text comes as bytes
    (`_RawText`): one value per chunk, not a row per feature. Fetching 5,000 rows per chunk as
    Python tuples, joining their strings and encoding the result cost the web worker ~1.5 s of CPU
    per 1,000,000 points; the joined bytes cost it ~0.3 s.

    `chunks()` yields the comma-separated Feature texts; once it is exhausted, `returned`, `first_id`,
    `last_id` and `has_more` describe the page (so what depends on them goes after the features).
    Whether features lie beyond a full page is one index-only EXISTS after its last chunk. Backward
    pages (`before`) are small and go through `feature_page`.
    """

    def __init__(self, layer: Layer, query: FeatureQuery, *, geometry: Sql = STORED,
                 decimals: int = COORDINATE_DECIMALS) -> None:
        if query.before is not None:
            raise ValueError("a streamed page goes forward")
        self.returned = 0
        self.first_id: int | None = None
        self.last_id: int | None = query.after
        self.has_more = False
        self._limit = query.limit
        self._where = features.matching(layer.pk, query)
        self._feature = _feature_sql(_properties_text(layer, query), geometry, decimals)

    def _beyond(self) -> Sql:
        return self._where if self.last_id is None else self._where + Sql(" AND f.id > %s", [self.last_id])

    def _chunk(self, rows: int) -> tuple[bytes | None, int, int | None, int | None]:
        """(the features joined by commas, how many, first id, last id) of the next `rows` features."""
        statement = (
            "SELECT string_agg(doc, ',' ORDER BY id), count(*), min(id), max(id) FROM ("
            + "SELECT f.id, " + self._feature + " AS doc FROM " + features.FEATURES + " WHERE " + self._beyond()
            + Sql(" ORDER BY f.id LIMIT %s) AS chunk", [rows])
        )
        with reading_connection().cursor() as cur:
            cur.cursor.adapters.register_loader("text", _RawText)
            cur.execute(statement.text, statement.params)
            return cur.fetchone()

    def _more(self) -> bool:
        statement = "SELECT EXISTS (" + features.select("1", self._beyond()) + ")"
        with reading_connection().cursor() as cur:
            cur.execute(statement.text, statement.params)
            return cur.fetchone()[0]

    def chunks(self) -> Iterator[bytes]:
        while self.returned < self._limit:
            asked = min(self._limit - self.returned, STREAM_CHUNK_ROWS)
            text, count, first_id, last_id = self._chunk(asked)
            if not count:
                return
            if self.first_id is None:
                self.first_id = first_id
            yield text if not self.returned else b"," + text
            self.returned += count
            self.last_id = last_id
            if count < asked:
                return
        self.has_more = self._more()


def _sorted_page(layer: Layer, query: FeatureQuery, *, geometry: Sql, decimals: int) -> FeaturePage:
    """One page in the order of a property (query.sortby), ties by id, paged by offset: the skipped
    rows are read again for every page, the price of any column's order (the dashboard's table).

    The page's ids are chosen first from the sort key alone, and only their documents are written:
    writing every matching feature's document before the sort cost 466 ms for the first 100 of
    200,000 points against 5 ms for a keyset page (bench/table_bench.py)."""
    where = features.matching(layer.pk, query)
    key = features.sort_key(query.sortby)
    direction = features.order_direction(query.sortby)
    chosen = ("SELECT f.id, " + key + " AS k FROM " + features.FEATURES + " WHERE " + where
              + f" ORDER BY k {direction}, f.id" + Sql(" LIMIT %s OFFSET %s", [query.limit, query.offset]))
    feature = _feature_sql(_properties_text(layer, query), geometry, decimals)
    statement = (
        f"SELECT coalesce(string_agg(doc, ',' ORDER BY k {direction}, id), ''), count(*), min(id), max(id) FROM ("
        + "SELECT f.id, page.k, " + feature + " AS doc FROM (" + chosen + ") AS page JOIN "
        + features.FEATURES + Sql(" ON f.layer_id = %s AND f.id = page.id) AS docs", [layer.pk])
    )
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        docs, returned, first_id, last_id = cur.fetchone()
        has_more = False
        if returned == query.limit:
            more = ("SELECT EXISTS (" + features.select("1", where)
                    + Sql(" OFFSET %s)", [query.offset + query.limit]))
            cur.execute(more.text, more.params)
            has_more = cur.fetchone()[0]
    return FeaturePage(features=docs.encode(), returned=returned, last_id=last_id, has_more=has_more,
                       first_id=first_id)


def single_feature(layer: Layer, feature_id: int, query: FeatureQuery, *, geometry: Sql = STORED,
                   decimals: int = COORDINATE_DECIMALS) -> bytes | None:
    statement = features.select(
        _feature_sql(_properties_text(layer, query), geometry, decimals),
        features.where([features.in_layer(layer.pk), Sql("f.id = %s", [feature_id])]),
    )
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        row = cur.fetchone()
    return row[0].encode() if row else None
