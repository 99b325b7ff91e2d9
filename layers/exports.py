"""A layer as an open-data file: GeoJSON (streamed from PostGIS), CSV with WKT, GeoPackage, zipped
Shapefile and KML (written by GDAL through pyogrio), in EPSG:4326 or a CRS the caller names, with the
layer's metadata (title, source, license, version, updated_at).

Reprojection uses layers.crs, the same pipeline imports use, so a VN-2000 export of an imported
VN-2000 file gives back its coordinates.

A property holding a JSON list or object is written as its JSON text (GeoJSON keeps it as JSON).
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
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from pyogrio import raw
from pyproj import CRS

from layers import crs as crs_module
from layers import query as features
from layers.models import ExportJob, JobStatus, Layer


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


def _rows(layer: Layer) -> Iterator[list[tuple[str, bytes, Any]]]:
    """The layer's features in id order, in batches: (source_id, WKB in EPSG:4326, properties dict)."""
    with transaction.atomic(), connection.chunked_cursor() as cur:
        rows = features.select("f.source_id, ST_AsBinary(f.geom), f.properties", features.in_layer(layer.pk))
        cur.execute(rows.text + " ORDER BY f.id", rows.params)
        while rows := cur.fetchmany(_BATCH):
            yield [(sid, bytes(wkb), props if isinstance(props, dict) else json.loads(props))
                   for sid, wkb, props in rows]


def formula_safe(text: str) -> str:
    """A CSV cell's text as a spreadsheet should show it, never run it: a leading ' before a formula."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _column(values: list[Any], kind: str, *, csv: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    mask = np.array([v is None for v in values], dtype=bool)
    if kind == "integer" and all((isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63)
                                 or v is None for v in values):
        return np.array([0 if v is None else v for v in values], dtype="int64"), mask
    if kind == "number" and all(isinstance(v, float) or v is None
                                or (isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**1000)
                                for v in values):
        return np.array([np.nan if v is None else float(v) for v in values], dtype="float64"), None
    texts = [None if v is None else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
             for v in values]
    if csv:
        texts = [None if t is None else formula_safe(t) for t in texts]
    return np.array(texts, dtype=object), None


def write_file(layer: Layer, fmt: str, crs: CRS, directory: Path) -> Path:
    """Write the layer into `directory` with GDAL; returns the file to send."""
    spec = FORMATS[fmt]
    directory.mkdir(parents=True, exist_ok=True)
    fields = _fields(layer)

    path = directory / (layer.slug + (".shp" if fmt == "shp.zip" else spec.suffix))
    transform = None if crs == crs_module.WGS84 else crs_module.from_wgs84(crs)
    options: dict[str, Any] = {}
    if fmt == "csv":
        options["layer_options"] = {"GEOMETRY": "AS_WKT", "CREATE_CSVT": "YES", "STRING_QUOTING": "ALWAYS"}
    if fmt == "gpkg":
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
        geoms = shapely.from_wkb([wkb for _s, wkb, _p in batch]) if batch else np.array([], dtype=object)
        if transform is not None and len(geoms):
            geoms = shapely.transform(geoms, lambda xy: np.column_stack(transform(xy[:, 0], xy[:, 1])))
        csv = fmt == "csv"
        arrays = [np.array([formula_safe(s) if csv else s for s, _w, _p in batch], dtype=object)]
        masks: list[np.ndarray | None] = [None]
        for name, kind in fields:
            values, mask = _column([p.get(name) for _s, _w, p in batch], kind, csv=csv)
            arrays.append(values)
            masks.append(mask)
        raw.write(
            str(path), shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object), arrays,
            ["source_id", *[formula_safe(n) if csv else n for n, _k in fields]], field_mask=masks,
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
    foreign member. Coordinates in EPSG:4326, 7 decimals."""
    head = {"type": "FeatureCollection", "name": layer.slug, "metadata": metadata(layer)}
    yield json.dumps(head, ensure_ascii=False)[:-1].encode() + b',"features":['
    first = True
    with transaction.atomic(), connection.chunked_cursor() as cur:
        docs = features.select(
            "json_build_object('type', 'Feature', 'id', f.source_id,"
            " 'geometry', ST_AsGeoJSON(f.geom, 7)::json, 'properties', f.properties)::text",
            features.in_layer(layer.pk),
        )
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
