"""A layer as an open-data file: GeoJSON (streamed from PostGIS), CSV with WKT, GeoPackage, zipped
Shapefile and KML (written by GDAL through pyogrio), in EPSG:4326 or a CRS the caller names, with the
layer's metadata (title, source, license, version, updated_at).

Reprojection uses layers.crs, the same pipeline imports use, so a VN-2000 export of an imported
VN-2000 file gives back its coordinates.

Nothing is lost on the way: every feature carries its `source_id` (the id that joins an export to the
API's features) and its time, an instant or a validity interval (TIME_FIELDS: in KML a <TimeStamp> or
<TimeSpan>). Booleans, integers, numbers, dates and date-times are typed fields where the format has
the type (GeoPackage, CSV's .csvt; a DBF has no date-time, so a Shapefile holds it as ISO 8601 text);
a column whose values do not all fit their declared type is written as text.
A property holding a JSON list or object is written as its JSON text (GeoJSON keeps it as JSON).
A coded property (its schema names its values: `choices`) is followed by two readable columns,
`<name>_label_vi` and `<name>_label_en`, holding the names of its codes ("803" → "Huyện Bến Lức" /
"Ben Luc district"), so a spreadsheet or a GIS shows words as the dashboard does; the code column
stays as it is for joins. GeoJSON keeps the API's properties (its readers have the schema's choices).
A CSV is safe to open in a spreadsheet (OWASP, "CSV Injection"): a text cell that starts with =, +,
-, @, a tab or a carriage return, and is not a plain number, gets a leading single quote, and every
text cell is quoted; numbers stay numbers.
"""

import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from pyogrio import raw
from pyproj import CRS

from layers import crs as crs_module
from layers import geojson
from layers import query as features
from layers.models import ExportJob, JobStatus, Layer, TimeKind


@dataclass(frozen=True)
class Format:
    driver: str
    suffix: str
    content_type: str


FORMATS = {
    "geojson": Format("GeoJSON", ".geojson", "application/geo+json"),
    "csv": Format("CSV", ".csv", "text/csv; charset=utf-8"),
    "gpkg": Format("GPKG", ".gpkg", "application/geopackage+sqlite3"),
    "shp.zip": Format("ESRI Shapefile", ".shp.zip", "application/zip"),
    "kml": Format("LIBKML", ".kml", "application/vnd.google-earth.kml+xml"),
}
_BATCH = 50_000
# What a spreadsheet runs as a formula, and the text it reads as a number (which it never runs).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GEOMETRY_TYPES = {"Geometry": "Unknown", "": "Unknown"}


def metadata(layer: Layer) -> dict[str, str]:
    return {
        "title": layer.title_vi, "title_en": layer.title_en, "source": layer.source_department,
        "license": layer.license, "version": str(layer.version), "updated_at": layer.updated_at.isoformat(),
        "slug": layer.slug,
    }


def target_crs(text: str | None) -> CRS:
    """EPSG:4326 unless the caller names another EPSG code (crs_module.UnknownCrs otherwise)."""
    return crs_module.parse_code(text) if text else crs_module.WGS84


def _fields(layer: Layer) -> list[tuple[str, str]]:
    """(name, type) of every property in the layer: its schema first, then any other key found."""
    typed = [(p["name"], p["type"]) for p in layer.property_schema]
    with connection.cursor() as cur:
        keys = features.select("DISTINCT jsonb_object_keys(f.properties)", features.in_layer(layer.pk))
        cur.execute(keys.text, keys.params)
        found = sorted(r[0] for r in cur.fetchall())
    names = {n for n, _t in typed}
    return [(n, t) for n, t in typed if n in found] + [(n, "string") for n in found if n not in names]


# A feature's time, under the names its readers expect: the API's (STAC's) by default; GDAL's LIBKML
# driver writes fields named like its LIBKML_TIMESTAMP_FIELD / _BEGIN_FIELD / _END_FIELD defaults as
# <TimeStamp> and <TimeSpan>; a DBF field name holds 10 characters.
TIME_FIELDS = {TimeKind.INSTANT: ("datetime",), TimeKind.INTERVAL: ("start_datetime", "end_datetime")}
_TIME_FIELDS_OF = {
    "kml": {TimeKind.INSTANT: ("timestamp",), TimeKind.INTERVAL: ("begin", "end")},
    "shp.zip": {TimeKind.INSTANT: ("datetime",), TimeKind.INTERVAL: ("start_time", "end_time")},
}
# GDAL's time zone flags (RFC 56): 100 is UTC, 0 unknown (a date-time written without an offset).
_GDAL_UTC, _GDAL_UNKNOWN_TZ = 100, 0
# The kinds each format holds as typed fields; other kinds are written as text (ISO 8601 for times,
# true/false for booleans). A DBF has dates but no date-times; a CSV is read by people and
# spreadsheets with no .csvt beside it, so only its numbers are numbers.
_ALL_KINDS = frozenset({"integer", "number", "boolean", "date", "datetime"})
_TYPED_KINDS = {"shp.zip": _ALL_KINDS - {"datetime"}, "csv": frozenset({"integer", "number"})}


def time_fields(layer: Layer, fmt: str) -> tuple[str, ...]:
    """The names of the time columns of an export of `layer` in `fmt` (none for a layer without time)."""
    if layer.time_kind == TimeKind.NONE:
        return ()
    return _TIME_FIELDS_OF.get(fmt, TIME_FIELDS)[layer.time_kind]


@dataclass(frozen=True)
class _Row:
    source_id: str
    wkb: bytes
    properties: dict[str, Any]
    time_start: datetime | None
    time_end: datetime | None


def _rows(layer: Layer) -> Iterator[list[_Row]]:
    """The layer's features in id order, in batches (geometry as WKB in EPSG:4326)."""
    with transaction.atomic(), connection.chunked_cursor() as cur:
        rows = features.select("f.source_id, ST_AsBinary(f.geom), f.properties, f.time_start, f.time_end",
                               features.in_layer(layer.pk))
        cur.execute(rows.text + " ORDER BY f.id", rows.params)
        while rows := cur.fetchmany(_BATCH):
            yield [_Row(sid, bytes(wkb), props if isinstance(props, dict) else json.loads(props), start, end)
                   for sid, wkb, props, start, end in rows]


def formula_safe(text: str) -> str:
    """A CSV cell's text as a spreadsheet should show it, never run it: a leading ' before a formula."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


@dataclass(frozen=True)
class _Column:
    values: np.ndarray
    mask: np.ndarray | None = None
    tz_offsets: np.ndarray | None = None  # GDAL time zone flags of a date-time column


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _as_date(v: Any) -> date | None:
    if isinstance(v, str) and len(v) == 10:
        try:
            return parse_date(v)
        except ValueError:  # well formed but impossible (2020-02-30): kept as text
            return None
    return None


def _as_datetime(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v
    if isinstance(v, str):
        try:
            return parse_datetime(v)
        except ValueError:
            return None
    return None


def _utc(moment: datetime) -> datetime:
    """Aware times in UTC (GeoPackage wants "Z"), naive ones as they are; both naive for numpy."""
    if moment.utcoffset() is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _datetimes(moments: list[datetime | None]) -> _Column:
    """Date-times as GDAL takes them: naive values, with a time zone flag beside each (RFC 56)."""
    values = np.array([np.datetime64("NaT") if m is None else np.datetime64(_utc(m), "ms")
                       for m in moments], dtype="datetime64[ms]")
    flags = np.array([_GDAL_UNKNOWN_TZ if m is None or m.utcoffset() is None else _GDAL_UTC for m in moments],
                     dtype="int32")
    return _Column(values, tz_offsets=flags)


def _texts(values: list[Any], fmt: str) -> _Column:
    texts = [None if v is None else v if isinstance(v, str) else v.isoformat() if isinstance(v, datetime)
             else json.dumps(v, ensure_ascii=False) for v in values]
    if fmt == "csv":
        texts = [None if t is None else formula_safe(t) for t in texts]
    return _Column(np.array(texts, dtype=object))


def _column(values: list[Any], kind: str, fmt: str) -> _Column:
    """One field's values, typed as `kind` when every value fits it (and the format has the type)."""
    if kind not in _TYPED_KINDS.get(fmt, _ALL_KINDS):
        return _texts(values, fmt)
    nulls = np.array([v is None for v in values], dtype=bool)
    present = [v for v in values if v is not None]
    if kind == "integer" and all(_is_int(v) and -2**63 <= v < 2**63 for v in present):
        return _Column(np.array([0 if v is None else v for v in values], dtype="int64"), nulls)
    if kind == "number" and all(isinstance(v, float) or (_is_int(v) and abs(v) < 2**1000) for v in present):
        return _Column(np.array([np.nan if v is None else float(v) for v in values], dtype="float64"))
    if kind == "boolean" and all(isinstance(v, bool) for v in present):
        return _Column(np.array([bool(v) for v in values], dtype=bool), nulls)
    if kind == "date" and all(_as_date(v) for v in present):
        return _Column(np.array([np.datetime64("NaT") if v is None else np.datetime64(_as_date(v), "D")
                                 for v in values], dtype="datetime64[D]"))
    if kind == "datetime" and all(_as_datetime(v) for v in present):
        return _datetimes([None if v is None else _as_datetime(v) for v in values])
    return _texts(values, fmt)


def _time_columns(layer: Layer, fmt: str, batch: list[_Row]) -> list[_Column]:
    """The feature's own time: its instant, or the two ends of its validity interval (UTC)."""
    if layer.time_kind == TimeKind.NONE:
        return []
    ends = [[r.time_start for r in batch]]
    if layer.time_kind == TimeKind.INTERVAL:
        ends.append([r.time_end for r in batch])
    return [_column(moments, "datetime", fmt) for moments in ends]


def choice_labels(layer: Layer) -> dict[str, dict[str, tuple[str, str]]]:
    """The names of the codes of each coded property: {property: {str(code): (label_vi, label_en)}}."""
    return {p["name"]: {str(c["value"]): (c["label_vi"], c["label_en"]) for c in p["choices"]}
            for p in layer.property_schema if p.get("choices")}


def _names(layer: Layer, fmt: str, fields: list[tuple[str, str]], labels: dict) -> list[str]:
    """Column names: source_id, the time columns, then the properties, each coded one followed by its
    two readable columns (a property named like a time column, or like a readable column, gets a
    trailing underscore rather than hiding it)."""
    times = time_fields(layer, fmt)
    taken = {"source_id", *times}
    names = ["source_id", *times]
    for n, _k in fields:
        wanted = [n, *((f"{n}_label_vi", f"{n}_label_en") if n in labels else ())]
        for name in wanted:
            while name in taken:
                name += "_"
            taken.add(name)
            names.append(name)
    return [formula_safe(n) for n in names] if fmt == "csv" else names


def _label_columns(values: list[Any], labels: dict[str, tuple[str, str]], fmt: str) -> list[_Column]:
    """The Vietnamese and English names of a coded column's values (empty where a code has none)."""
    names = [None if v is None else labels.get(str(v)) for v in values]
    return [_texts([None if n is None else n[i] for n in names], fmt) for i in (0, 1)]


def write_file(layer: Layer, fmt: str, crs: CRS, directory: Path) -> Path:
    """Write the layer into `directory` with GDAL; returns the file to send."""
    spec = FORMATS[fmt]
    directory.mkdir(parents=True, exist_ok=True)
    fields = _fields(layer)
    labels = choice_labels(layer)
    names = _names(layer, fmt, fields, labels)

    path = directory / (layer.slug + (".shp" if fmt == "shp.zip" else spec.suffix))
    transform = None if crs == crs_module.WGS84 else crs_module.from_wgs84(crs)
    options: dict[str, Any] = {}
    if fmt == "csv":
        options["layer_options"] = {"GEOMETRY": "AS_WKT", "CREATE_CSVT": "YES", "STRING_QUOTING": "ALWAYS"}
    if fmt == "gpkg":
        # GeoPackage 1.3: pyogrio's GDAL writes 1.4 by default, which GDAL 3.6 (Debian 12's, QGIS on
        # it) reads only with a "may only be partially supported" warning.
        options["dataset_options"] = {"VERSION": "1.3"}
        options["dataset_metadata"] = metadata(layer)
        options["layer_metadata"] = metadata(layer)
    if fmt == "kml":
        about = metadata(layer)
        options["dataset_options"] = {
            "NAME": about["title"],
            "DESCRIPTION": " · ".join(f"{k}: {about[k]}" for k in ("source", "license", "version", "updated_at")),
        }
    written = 0
    for batch in _rows(layer) if layer.feature_count else [[]]:
        geoms = shapely.from_wkb([r.wkb for r in batch]) if batch else np.array([], dtype=object)
        if transform is not None and len(geoms):
            geoms = shapely.transform(geoms, lambda xy: np.column_stack(transform(xy[:, 0], xy[:, 1])))
        ids = [r.source_id for r in batch]
        columns = [_Column(np.array([formula_safe(s) for s in ids] if fmt == "csv" else ids, dtype=object))]
        columns += _time_columns(layer, fmt, batch)
        for name, kind in fields:
            values = [r.properties.get(name) for r in batch]
            columns.append(_column(values, kind, fmt))
            if name in labels:
                columns += _label_columns(values, labels[name], fmt)
        raw.write(
            str(path), shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object),
            [c.values for c in columns], names, field_mask=[c.mask for c in columns],
            gdal_tz_offsets={n: c.tz_offsets for n, c in zip(names, columns) if c.tz_offsets is not None},
            layer=layer.slug, driver=spec.driver,
            geometry_type=_GEOMETRY_TYPES.get(layer.geometry_type, layer.geometry_type),
            crs=crs.to_wkt(), encoding="UTF-8" if fmt == "shp.zip" else None, append=written > 0,
            **(options if written == 0 else {}),
        )
        written += len(batch)
    if fmt == "shp.zip":
        return _zip_shapefile(layer, path, directory)
    return path


def _zip_shapefile(layer: Layer, shp: Path, directory: Path) -> Path:
    target = directory / (layer.slug + ".shp.zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(directory.glob(layer.slug + ".*")):
            if part.suffix.lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                zf.write(part, part.name)
        zf.writestr(layer.slug + ".metadata.json", json.dumps(metadata(layer), ensure_ascii=False, indent=2))
    return target


def geojson_chunks(layer: Layer) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection streamed from PostGIS in batches, with the layer's metadata as a
    foreign member. Coordinates in EPSG:4326, 7 decimals; properties as the API's features have them
    (source_id and time included)."""
    head = {"type": "FeatureCollection", "name": layer.slug, "metadata": metadata(layer)}
    yield json.dumps(head, ensure_ascii=False)[:-1].encode() + b',"features":['
    first = True
    with transaction.atomic(), connection.chunked_cursor() as cur:
        docs = features.select(geojson.export_feature_sql(layer), features.in_layer(layer.pk))
        cur.execute(docs.text + " ORDER BY f.id", docs.params)
        while rows := cur.fetchmany(5000):
            text = ",".join(r[0] for r in rows)
            yield (text if first else "," + text).encode()
            first = False
    yield b"]}"


_LOCK_CLASS = 7302  # advisory lock namespace of export jobs (7301: import jobs)


def export_dir(job: ExportJob) -> Path:
    return Path(settings.LAYERS_EXPORT_DIR) / str(job.pk)


def build(export_id: int) -> str:
    """The Celery side of a big export: claim the job, write the file, record where it is. Safe to
    run twice (a worker killed mid-way, the broker handing the job on): a session advisory lock keeps
    a second delivery off a job a live worker is building ("locked": the task looks again later) and
    dies with a killed worker's connection; the retry starts the file again from nothing."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, export_id % 2**31])
        if not cur.fetchone()[0]:
            return "locked"
    try:
        return _build(export_id)
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, export_id % 2**31])


def _build(export_id: int) -> str:
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_exportjob SET status = 'running' WHERE id = %s AND status IN ('queued', 'running')",
            [export_id],
        )
        if cur.rowcount != 1:
            return "skipped"
    job = ExportJob.objects.select_related("layer").get(pk=export_id)
    directory = export_dir(job)
    shutil.rmtree(directory, ignore_errors=True)
    try:
        path = write_file(job.layer, job.fmt, target_crs(job.crs), directory)
    except Exception:
        # Recorded for the caller polling the job, then raised for the worker's log.
        ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                                   error={"code": "export_failed"})
        raise
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, file_path=str(path),
                                               finished_at=timezone.now())
    return JobStatus.SUCCEEDED
