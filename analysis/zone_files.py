"""A proposed zone read from a file a planner uploads (a zipped shapefile, GeoPackage, GeoJSON, KML or
KMZ, as a consultant delivers a project boundary), through the import readers of layers.imports: the
same format allow-list, zip-bomb and path checks, driver check, CRS handling and geometry repair as a
layer import, so a file that imports as a layer reads as a zone and a nasty one is refused the same way.

The file's polygons are united into the one polygon a zone is (layers.polygons): parcels of one project
that touch become one outline; parts that do not touch are refused with their count, since summaries,
compliance checks and saved zones all take one area. Nothing is stored: the answer is the polygon, which
the caller then summarises, checks, prints or saves like a drawn one.
"""

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

import shapely
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from layers import crs as crs_module
from layers.errors import InvalidZoneGeometry
from layers.imports import geometry, sources, vector
from layers.imports.problems import ImportProblem, render
from layers.polygons import polygon_from_geojson

MAX_BYTES = 20 * 1024 * 1024  # a project boundary, not a cadastre
MAX_FEATURES = 2_000
BATCH = 500
# Formats a boundary comes in; CSV (points) and GeoTIFF (a raster) are not zones.
ZONE_FORMATS = frozenset({"geojson", "shapefile", "gpkg", "kml"})


def zone_from_upload(name: str, chunks: Iterable[bytes], *, crs: str | None = None) -> tuple[BaseGeometry, dict]:
    """The one polygon (EPSG:4326) the uploaded file outlines, and what was read: {name, features, crs}.
    `crs` names the file's CRS when the file does not (a shapefile without .prj). Every refusal is an
    InvalidZoneGeometry (400, code invalid_geometry) whose message says what to change."""
    try:
        suffix = sources.upload_suffix(name)
    except ImportProblem as problem:
        raise _refused(problem) from None
    settings.LAYERS_IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zone-", dir=settings.LAYERS_IMPORT_DIR) as scratch:
        upload = Path(scratch) / f"zone{suffix}"
        _write(upload, chunks)
        try:
            source = sources.prepare(upload, Path(scratch) / "work")
            if source.format not in ZONE_FORMATS:
                raise InvalidZoneGeometry(_("A zone is read from GeoJSON, a zipped Shapefile, GeoPackage or KML/KMZ "
                                            "holding polygons."))
            inspection = vector.inspect(source, None)
            source_crs = _source_crs(inspection, crs)
            polygons, count = _polygons(source, inspection, source_crs)
        except ImportProblem as problem:
            raise _refused(problem) from None
    united = shapely.union_all(polygons) if polygons else None
    if united is None or united.is_empty:
        raise InvalidZoneGeometry(_("The file holds no polygon: a zone is an area (points and lines are not)."))
    parts = getattr(united, "geoms", [united])
    if len(parts) > 1:
        raise InvalidZoneGeometry(
            _("The file's polygons make %(n)d separate areas; a zone is one area. Keep one part, or join them "
              "in QGIS, and upload again.") % {"n": len(parts)})
    # The same checks as a drawn or posted polygon: vertices, extent, validity.
    zone = polygon_from_geojson(json.loads(shapely.to_geojson(parts[0])))
    return zone, {"name": Path(name).stem[:200], "features": count, "crs": crs_module.label(source_crs)}


def _write(path: Path, chunks: Iterable[bytes]) -> None:
    size = 0
    with path.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_BYTES:
                raise InvalidZoneGeometry(_("The file is larger than %(mb)d MB; a zone's outline is far smaller. "
                                            "Simplify it first.") % {"mb": MAX_BYTES // (1024 * 1024)})
            out.write(chunk)
    if size == 0:
        raise InvalidZoneGeometry(_("The file is empty."))


def _source_crs(inspection: vector.Inspection, named: str | None):
    if named:
        try:
            return crs_module.parse_code(named)
        except crs_module.UnknownCrs:
            raise ImportProblem("bad_crs", crs=named[:60]) from None
    if inspection.crs is not None:
        return inspection.crs
    raise InvalidZoneGeometry(
        _("The file does not say which coordinate system it uses (a shapefile without its .prj). Send the .prj "
          "in the zip, or name the CRS, e.g. EPSG:9210 for VN-2000 Long An."))


def _polygons(source: sources.Source, inspection: vector.Inspection, source_crs) -> tuple[list, int]:
    if inspection.features > MAX_FEATURES:
        raise InvalidZoneGeometry(_("The file holds %(n)d features; a zone file holds at most %(max)d.")
                                  % {"n": inspection.features, "max": MAX_FEATURES})
    polygons, count = [], 0
    for batch in vector.batches(source, inspection, encoding=vector.read_encoding(source), size=BATCH):
        count += len(batch.wkb)
        if count > MAX_FEATURES:
            raise InvalidZoneGeometry(_("The file holds %(n)d features; a zone file holds at most %(max)d.")
                                      % {"n": count, "max": MAX_FEATURES})
        checked = geometry.check(batch.wkb, source_crs, repair=True)
        polygons += [g for g in checked.geoms.tolist()
                     if g is not None and g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    return polygons, count


def _refused(problem: ImportProblem) -> InvalidZoneGeometry:
    """An import problem (unsupported format, zip bomb, unreadable file…) in the caller's language."""
    message = render(problem.code, problem.params)
    return InvalidZoneGeometry(message["en" if (get_language() or "vi").startswith("en") else "vi"])
