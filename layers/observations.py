"""Live observations pushed by apps and sensors into a layer (`POST /api/layers/{slug}/observations/`).

A body is a GeoJSON Feature or FeatureCollection, or station readings for a layer whose features
carry a `station_code` ({"station", "time", "values"} or {"readings": [...]}). Every row is checked
against the layer's property schema; **a batch with one bad row is refused whole** (400
`validation_error`, each bad row named in `fields`), so a sensor fixes and resends one batch and never
has to work out which of its rows were kept. Rows are upserted by `source_id` (a GeoJSON feature's
`id`; for a station reading the station and time), so a retry neither duplicates nor bumps anything.

Version bumps are coalesced: the write publishes at once when the layer was not published during the
last `LAYERS_OBSERVATIONS_PUBLISH_INTERVAL` seconds; otherwise one deferred bump (a Celery task)
publishes everything written until it runs, so a stream bumps a layer about once a second.
"""

import json
import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from shapely import wkb
from shapely.geometry import shape

from layers import query
from layers.catalog import Box, bump_version, publish_changes, publish_upserts_if_quiet
from layers.errors import ApiError, InvalidParameter
from layers.models import GeometryType, Kind, Layer, TimeKind

STATION_PROPERTY = "station_code"
SOURCE_ID_MAX = 200


class ObservationsRefused(ApiError):
    """The batch holds a bad row: nothing of it was written; `fields` names each bad row."""

    code = "validation_error"


@dataclass(frozen=True)
class Row:
    source_id: str
    geom_hex: str
    properties: dict
    time_start: datetime | None
    time_end: datetime | None


@dataclass(frozen=True)
class Written:
    received: int
    inserted: int
    updated: int
    unchanged: int
    published: str  # "now", "soon" (a deferred bump is queued) or "nothing" (no row changed)


def receive(layer: Layer, body: object) -> Written:
    """Check every row of `body` against `layer`, then upsert them and publish (coalesced)."""
    if layer.kind != Kind.VECTOR:
        raise InvalidParameter(_("Observations go into vector layers only."))
    rows = _rows(layer, body)
    with transaction.atomic():
        inserted, updated = _upsert(layer, rows)
        published = publish_coalesced(layer) if inserted + updated else "nothing"
    return Written(len(rows), inserted, updated, len(rows) - inserted - updated, published)


def _rows(layer: Layer, body: object) -> list[Row]:
    if not isinstance(body, dict):
        raise InvalidParameter(_("Send a GeoJSON Feature or FeatureCollection, or station readings."))
    if body.get("type") == "FeatureCollection":
        items, read = body.get("features"), _feature_row
    elif body.get("type") == "Feature":
        items, read = [body], _feature_row
    elif "readings" in body:
        items, read = body["readings"], _station_row
    elif "station" in body:
        items, read = [body], _station_row
    else:
        raise InvalidParameter(_("Send a GeoJSON Feature or FeatureCollection, or station readings."))
    if not isinstance(items, list) or not items:
        raise InvalidParameter(_("The batch holds no observations."))
    if len(items) > settings.LAYERS_OBSERVATIONS_MAX_BATCH:
        raise InvalidParameter(_("A batch holds at most %(n)d observations.") % {"n": settings.LAYERS_OBSERVATIONS_MAX_BATCH})
    stations = _stations(layer, items) if read is _station_row else {}
    rows, problems, seen = [], {}, set()
    for i, item in enumerate(items):
        try:
            row = read(layer, item, stations)
            if row.source_id in seen:
                raise _Bad("id", _("This id appears twice in the batch."))
            seen.add(row.source_id)
            rows.append(row)
        except _Bad as bad:
            problems[f"{i}.{bad.where}"] = [bad.message]
    if problems:
        raise ObservationsRefused(_("%(n)d of %(total)d observations are not valid; nothing was written.")
                                  % {"n": len({k.split('.')[0] for k in problems}), "total": len(items)},
                                  fields=problems)
    return rows


class _Bad(Exception):
    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def _feature_row(layer: Layer, item: object, _stations: dict) -> Row:
    if not isinstance(item, dict) or item.get("type") != "Feature":
        raise _Bad("type", _("Each observation must be a GeoJSON Feature."))
    source_id = _source_id(item.get("id"))
    geom_hex = _geometry(layer, item.get("geometry"))
    properties = _properties(layer, item.get("properties"))
    start, end = _time(layer, item.get("time"))
    return Row(source_id, geom_hex, properties, start, end)


def _station_row(layer: Layer, item: object, stations: dict) -> Row:
    if not isinstance(item, dict) or not isinstance(item.get("station"), str):
        raise _Bad("station", _("Each reading needs a station code."))
    station = stations.get(item["station"])
    if station is None:
        raise _Bad("station", _("This layer has no station with this code."))
    values = _properties(layer, item.get("values"))
    start, end = _time(layer, item.get("time"))
    moment = start.isoformat() if start else ""
    source_id = _source_id(item.get("source_id", f"{item['station']}-{moment}"))
    geom_hex, known = station
    return Row(source_id, geom_hex, known | values, start, end)


def _stations(layer: Layer, items: list) -> dict[str, tuple[str, dict]]:
    """The named stations' geometry and descriptive properties (those of its newest feature), in one
    statement for the batch."""
    if not any(p.get("name") == STATION_PROPERTY for p in layer.property_schema):
        raise InvalidParameter(_("This layer has no stations: send GeoJSON features."))
    codes = sorted({item["station"] for item in items if isinstance(item, dict) and isinstance(item.get("station"), str)})
    numeric = {p["name"] for p in layer.property_schema if p.get("type") in ("integer", "number", "boolean")}
    code = query.text(STATION_PROPERTY)
    statement = (
        query.select("DISTINCT ON (1) " + code + ", encode(ST_AsEWKB(f.geom), 'hex'), f.properties",
                     query.where([query.in_layer(layer.pk), code + query.Sql(" = ANY(%s)", [codes])]))
        + " ORDER BY 1, f.time_start DESC NULLS LAST, f.id DESC"
    )
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        found = cur.fetchall()
    # A reading keeps what describes its station (name, commune) and never an old measurement.
    # Django's connection leaves jsonb as text.
    return {code: (geom, {k: v for k, v in json.loads(properties).items() if k not in numeric})
            for code, geom, properties in found}


def _source_id(raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise _Bad("id", _("Each observation needs an id (a string or an integer): a retry with the same id "
                           "replaces it instead of adding a second one."))
    value = unicodedata.normalize("NFC", str(raw)).strip()
    if not value or len(value) > SOURCE_ID_MAX or "\x00" in value:
        raise _Bad("id", _("The id must hold 1 to 200 characters."))
    return value


def _geometry(layer: Layer, raw: object) -> str:
    try:
        geom = shape(raw)
    except Exception:  # shapely raises several types for malformed GeoJSON
        raise _Bad("geometry", _("The geometry is not valid GeoJSON.")) from None
    if geom.is_empty or not geom.is_valid:
        raise _Bad("geometry", _("The geometry is empty or not valid."))
    if layer.geometry_type not in (GeometryType.GEOMETRY, geom.geom_type):
        raise _Bad("geometry", _("This layer holds %(type)s geometries.") % {"type": layer.geometry_type})
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds) or minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise _Bad("geometry", _("Coordinates must be WGS 84 longitude and latitude in degrees."))
    return wkb.dumps(geom, hex=True, srid=query.STORAGE_SRID)


def _properties(layer: Layer, raw: object) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _Bad("properties", _("The properties must be an object."))
    schema = {p["name"]: p for p in layer.property_schema}
    checked = {}
    for name, value in raw.items():
        prop = schema.get(name)
        if prop is None:
            raise _Bad(f"properties.{name}", _("This layer has no such property."))
        checked[name] = _value(prop, value, where=f"properties.{name}")
    return checked


def _value(prop: dict, value: object, *, where: str) -> object:
    if value is None:
        return None
    kind = prop["type"]
    if kind == "string" and isinstance(value, str) and "\x00" not in value:
        return unicodedata.normalize("NFC", value)
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str) and _parses(parse_date, value):
        return value
    if kind == "datetime" and isinstance(value, str) and _parses(parse_datetime, value):
        return value
    if kind == "json" and isinstance(value, (dict, list)):
        return value
    raise _Bad(where, _("The value must be of type %(type)s.") % {"type": kind})


def _parses(parse, value: str) -> bool:
    try:
        return parse(value) is not None
    except ValueError:
        return False


def _time(layer: Layer, raw: object) -> tuple[datetime | None, datetime | None]:
    """JSON-FG's `time` member: {"instant": t}, {"interval": [start, end]} or an RFC 3339 string."""
    if layer.time_kind == TimeKind.NONE:
        if raw is not None:
            raise _Bad("time", _("This layer has no time: leave 'time' out."))
        return None, None
    if isinstance(raw, str):
        raw = {"instant": raw}
    if isinstance(raw, dict) and isinstance(raw.get("instant"), str):
        moment = _moment(raw["instant"])
        return moment, moment
    if (layer.time_kind == TimeKind.INTERVAL and isinstance(raw, dict) and isinstance(raw.get("interval"), list)
            and len(raw["interval"]) == 2):
        start, end = (_moment(v) if v not in (None, "..") else None for v in raw["interval"])
        if start is None or (end is not None and end < start):
            raise _Bad("time", _("The interval needs a start, and its end may not come before it."))
        return start, end
    raise _Bad("time", _("This layer's observations need a time: an RFC 3339 instant with its offset."))


def _moment(raw: object) -> datetime:
    parsed = None
    if isinstance(raw, str):
        try:
            parsed = parse_datetime(raw)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _Bad("time", _("This layer's observations need a time: an RFC 3339 instant with its offset."))
    return parsed


def _upsert(layer: Layer, rows: list[Row]) -> tuple[int, int]:
    """(inserted, updated) in one statement; a row equal to the stored one is left alone."""
    payload = json.dumps([
        {"source_id": r.source_id, "geom": r.geom_hex, "properties": r.properties,
         "time_start": r.time_start.isoformat() if r.time_start else None,
         "time_end": r.time_end.isoformat() if r.time_end else None}
        for r in rows
    ], ensure_ascii=False)
    with connection.cursor() as cur:
        cur.execute(
            """
            WITH incoming AS (
                SELECT r.source_id, r.geom::geometry AS geom, r.properties, r.time_start, r.time_end
                  FROM jsonb_to_recordset(%s::jsonb)
                    AS r(source_id text, geom text, properties jsonb, time_start timestamptz, time_end timestamptz)
            ), merged AS (
                INSERT INTO layers_feature AS f (layer_id, source_id, geom, properties, time_start, time_end)
                SELECT %s, i.source_id, i.geom, i.properties, i.time_start, i.time_end FROM incoming AS i
                ON CONFLICT (layer_id, source_id) DO UPDATE
                   SET geom = EXCLUDED.geom, properties = EXCLUDED.properties,
                       time_start = EXCLUDED.time_start, time_end = EXCLUDED.time_end
                 WHERE (f.properties, f.time_start, f.time_end) IS DISTINCT FROM
                       (EXCLUDED.properties, EXCLUDED.time_start, EXCLUDED.time_end)
                    OR NOT ST_Equals(f.geom, EXCLUDED.geom)
                RETURNING f.source_id
            )
            -- The join reads the layer as it was before the statement: a match is an update.
            SELECT count(*) FILTER (WHERE o.id IS NULL), count(*) FILTER (WHERE o.id IS NOT NULL)
              FROM merged AS m LEFT JOIN layers_feature AS o ON o.layer_id = %s AND o.source_id = m.source_id
            """,
            [payload, layer.pk, layer.pk],
        )
        inserted, updated = cur.fetchone()
    return inserted, updated


def publish_coalesced(layer: Layer, *, upserted: tuple[int, Box | None] | None = None) -> str:
    """Publish now, or leave it to the one deferred bump (see the module's docstring). The row lock
    orders writers: a bump that comes after a write's check comes after its commit too. The bumps
    recount the layer (publish_changes), unless the writer says what it wrote: `upserted`, how many
    features it added and the box they lie in, grows the count and extent in place, at once whether
    or not the version waits (layers.catalog.publish_upserts_if_quiet, one statement under the row
    lock), and its deferred bump only moves the version: a recount of a layer of 100,000 features
    took ~0.4 s of CPU each second of a stream (the 1022 intake uses it). Any live writer of a layer
    may use it.

    The marks of queued bumps are read before the lock: a mark set after the read (a writer that
    committed meanwhile) makes at most one bump more, its deferred bump then skipping (publish_deferred
    sees the version moved); a mark cleared after it leaves this write to a deferred bump of its own."""
    interval = settings.LAYERS_OBSERVATIONS_PUBLISH_INTERVAL
    quiet = None if any(cache.get_many([_pending_key(layer.pk, recount=r) for r in (True, False)]).values()) \
        else interval
    recount = upserted is None
    if not recount:
        added, box = upserted
        since = publish_upserts_if_quiet(layer, added=added, box=box, quiet=quiet)
        if since is None:
            return "now"
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT extract(epoch FROM clock_timestamp() - updated_at) FROM layers_layer"
                        " WHERE id = %s FOR UPDATE", [layer.pk])
            (since,) = cur.fetchone()
        if quiet is not None and since >= quiet:
            publish_changes(layer)
            return "now"
    countdown = max(0.0, interval - float(since))
    # After the commit, so a deferred bump that clears the mark has this write's rows to publish.
    transaction.on_commit(lambda: _queue_deferred_publish(layer.pk, countdown, recount=recount))
    return "soon"


def _pending_key(layer_id: int, *, recount: bool) -> str:
    # The database's name keeps parallel test databases (and two platforms on one Redis) apart. The
    # bumps that recount and those that only move the version are queued apart, so a writer that
    # needs a recount never leaves its rows to a bump that does not make one.
    kind = "" if recount else ":bump"
    return f"layers:observations:pending:{settings.DATABASES['default']['NAME']}:{layer_id}{kind}"


def _queue_deferred_publish(layer_id: int, countdown: float, *, recount: bool) -> None:
    from layers.tasks import publish_observations

    # One queued bump per layer (and kind): the mark outlives a lost task only briefly, then a write
    # queues anew.
    if cache.add(_pending_key(layer_id, recount=recount), 1, timeout=max(5, int(countdown * 5) + 1)):
        version = Layer.objects.filter(pk=layer_id).values_list("version", flat=True).first()
        publish_observations.apply_async((layer_id, version, recount), countdown=countdown)


def publish_deferred(layer_id: int, version: int | None = None, recount: bool = True) -> bool:
    """The deferred bump: clear the mark first (a write after this queues its own), then publish
    what the writes before committed — unless the layer was published after they were (its version
    moved past `version`, the one seen when the bump was queued). `recount=False`: the writers grew
    the count and extent themselves (publish_coalesced's `upserted`), only the version moves."""
    cache.delete(_pending_key(layer_id, recount=recount))
    with transaction.atomic():
        layer = Layer.objects.select_for_update().filter(pk=layer_id).first()
        if layer is None or (version is not None and layer.version > version):
            return False
        if recount:
            publish_changes(layer)
        else:
            bump_version(layer)
    return True
