"""A GeoTIFF becomes a raster layer: checked from its header, written as a Cloud-Optimized GeoTIFF
under LAYERS_RASTER_DIR (a new file per job, so readers of the old version keep theirs), validated,
then swapped into the catalog in one transaction with the version bump."""

from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db import transaction
from pyproj.exceptions import CRSError
from rasterio.errors import RasterioError

from layers import crs as crs_module
from layers import history, titles
from layers.catalog import bump_version
from layers.imports import state
from layers.imports.problems import ImportProblem, unreadable
from layers.imports.progress import Progress
from layers.imports.report import Report
from layers.imports.source_crs import choose_crs
from layers.imports.sources import Source
from layers.models import ImportJob, JobStatus, Kind, Layer

COG_OPTIONS = {"COMPRESS": "DEFLATE", "BLOCKSIZE": 512, "OVERVIEWS": "AUTO", "BIGTIFF": "IF_SAFER"}


def import_raster(job: ImportJob, source: Source, report: Report, progress: Progress) -> None:
    try:
        return _import_raster(job, source, report, progress)
    except RasterioError as error:  # GDAL opened the header but not the pixels (a truncated or damaged file)
        raise unreadable("GeoTIFF", error) from None


def _import_raster(job: ImportJob, source: Source, report: Report, progress: Progress) -> None:
    src = rasterio.open(source.path)
    with src:
        if src.driver not in source.drivers:
            raise ImportProblem("content_mismatch", format="GeoTIFF")
        # Refused from the header alone: no pixel has been read yet.
        if src.width * src.height * src.count > settings.LAYERS_IMPORT_MAX_RASTER_PIXELS:
            raise ImportProblem("raster_too_big", width=src.width, height=src.height, bands=src.count,
                                limit=settings.LAYERS_IMPORT_MAX_RASTER_PIXELS)
        try:
            file_crs = crs_module.CRS.from_user_input(src.crs.to_wkt()) if src.crs is not None else None
        except CRSError:  # a CRS GDAL keeps but PROJ cannot build: the steward names one
            file_crs = None
        crs = choose_crs(job, file_crs, tuple(src.bounds), report)
        progress("converting", 10, force=True)
        staged = state.work_dir(job) / "with-crs.tif"
        if src.crs is None or job.crs:
            # The CRS the steward chose goes into a copy; the COG is written from that copy.
            rasterio.shutil.copy(src, staged, driver="GTiff")
            with rasterio.open(staged, "r+") as fixed:
                fixed.crs = crs.to_wkt()
            origin = staged
        else:
            origin = source.path
        bounds, shape = tuple(src.bounds), (src.width, src.height, src.count)

    target_dir = Path(settings.LAYERS_RASTER_DIR) / job.layer_slug
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"import-{job.pk}.tif"
    partial = target.with_suffix(".partial.tif")
    try:
        with rasterio.open(origin) as ready:
            rasterio.shutil.copy(ready, partial, driver="COG", **COG_OPTIONS)
        _validate_cog(partial)
    except BaseException:  # a full disk, a bad file: no half-written COG is left behind
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    progress("publishing", 95, force=True)
    extent = _extent_wgs84(crs, bounds)
    report.counts.update(read=1, loaded=1)
    report.warn("cog_written", width=shape[0], height=shape[1], bands=shape[2], crs=crs_module.label(crs))
    with transaction.atomic():
        layer = Layer.objects.select_for_update().filter(slug=job.layer_slug).first()
        if layer is None:
            title = titles.claim_title(job.new_title or job.layer_slug, job.department_id)
            layer = Layer.objects.create(slug=job.layer_slug, title_vi=title, title_en=title,
                                         domain=job.new_domain or "environment", kind=Kind.RASTER, geometry_type="",
                                         owner_id=job.department_id)
        elif layer.kind != Kind.RASTER:
            raise ImportProblem("raster_into_vector", slug=job.layer_slug)
        else:  # its current COG stays on disk, kept for a rollback
            history.keep_replaced(layer, user_id=job.created_by_id)
        layer.raster_path = str(target.relative_to(Path(settings.MEDIA_ROOT))) \
            if target.is_relative_to(Path(settings.MEDIA_ROOT)) else str(target)
        layer.extent = extent
        layer.save(update_fields=["raster_path", "extent"])
        layer = bump_version(layer)
        state.finish(job, JobStatus.SUCCEEDED, report, version=layer.version)


def _validate_cog(path: Path) -> None:
    """The file must be a tiled GeoTIFF with the COG layout, with overviews when it is big."""
    with rasterio.open(path) as cog:
        layout = cog.tags(ns="IMAGE_STRUCTURE").get("LAYOUT")
        tiled = all(h < cog.height or w < cog.width or cog.width <= 512 for h, w in cog.block_shapes)
        needs_overviews = max(cog.width, cog.height) > 1024
        if cog.driver != "GTiff" or layout != "COG" or not tiled or (needs_overviews and not cog.overviews(1)):
            raise RuntimeError(f"the COG written to {path} does not validate")


def _extent_wgs84(crs, bounds: tuple[float, float, float, float]) -> Polygon:
    """The raster's footprint in EPSG:4326 along 21 points per edge (edges curve when reprojected)."""
    minx, miny, maxx, maxy = bounds
    t = np.linspace(0, 1, 21)
    xs = np.concatenate([minx + (maxx - minx) * t, np.full(21, maxx), maxx - (maxx - minx) * t, np.full(21, minx)])
    ys = np.concatenate([np.full(21, miny), miny + (maxy - miny) * t, np.full(21, maxy), maxy - (maxy - miny) * t])
    lon, lat = crs_module.to_wgs84(crs)(xs, ys)
    return Polygon.from_bbox((float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))))
