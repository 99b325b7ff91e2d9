"""Raster tiles (PNG, WebP) from Cloud-Optimized GeoTIFFs: rasterio reads, rio-tiler renders.

A raster layer's file is MEDIA_ROOT/Layer.raster_path. Its style (layers.schema, type "raster")
says how values become colours: {"type": "raster", "rescale": [min, max], "colormap": name,
"band": 1, "opacity": 0..1 (for the map style)}. Nodata pixels are transparent (the mask is the
alpha channel). A tile with no data — all nodata, or off the raster altogether — is empty, answered
204 like an empty vector tile (one rule for every tile: tiles.http).

`values_at` answers a point query: every band's value under a WGS 84 point (null where nodata or off
the raster), read from the full-resolution COG, with the bands' names and units where the file has them.

Reading warps the one overview that matches the tile's resolution into the tile's EPSG:3857 grid
through a WarpedVRT with an explicit target grid. rio-tiler's own Reader.tile would do the same but
asks rasterio for a default transform first, which opens a VRT *file* — and the VRT driver is not
registered in this process (layers.gdal_env: uploads must never follow file references).
"""

from pathlib import Path

import numpy
import rasterio
from django.conf import settings
from rasterio.enums import Resampling
from rasterio.transform import from_bounds
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform, transform_bounds
from rasterio.windows import Window
from rio_tiler.colormap import cmap
from rio_tiler.models import ImageData

from layers.errors import ApiError
from layers.models import Layer
from tiles.grid import MERCATOR_HALF, Tile

DEFAULT_COLORMAP = "viridis"
_GDAL_ENV = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "GDAL_CACHEMAX": 128}
WEB_MERCATOR = "EPSG:3857"


class RasterUnavailable(ApiError):
    code = "raster_unavailable"


def raster_file(layer: Layer) -> Path:
    """The COG of a raster layer; never outside MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / layer.raster_path).resolve()
    if not layer.raster_path or root not in path.parents:
        raise RasterUnavailable()
    return path


def _overview_level(src, tile_res_m: float) -> int | None:
    """The coarsest overview still at least as fine as the tile (None = full resolution)."""
    west, _south, east, _north = transform_bounds(src.crs, WEB_MERCATOR, *src.bounds)
    native_res_m = (east - west) / src.width
    level = None
    for i, factor in enumerate(src.overviews(1)):
        if native_res_m * factor <= tile_res_m:
            level = i
    return level


def read_tile(path: Path, tile: Tile, *, band: int, size: int) -> numpy.ma.MaskedArray | None:
    """The band's values on the tile's grid (size × size, EPSG:3857), masked where nodata; None when
    the tile does not touch the raster."""
    minx, miny, maxx, maxy = tile.mercator_bounds()
    with rasterio.Env(**_GDAL_ENV):
        with rasterio.open(path) as src:
            west, south, east, north = transform_bounds(src.crs, WEB_MERCATOR, *src.bounds)
            if west >= maxx or east <= minx or south >= maxy or north <= miny:
                return None
            level = _overview_level(src, (maxx - minx) / size)
        with rasterio.open(path, overview_level=level) as src, WarpedVRT(
            src, crs=WEB_MERCATOR, transform=from_bounds(minx, miny, maxx, maxy, size, size),
            width=size, height=size, resampling=Resampling.nearest,
        ) as vrt:
            return vrt.read(band, masked=True)


def render_raster(layer: Layer, tile: Tile, fmt: str) -> bytes:
    """The tile as PNG or WebP bytes; b"" when it holds no data (nodata only, or off the raster)."""
    style = layer.style or {}
    try:
        values = read_tile(raster_file(layer), tile, band=int(style.get("band", 1)), size=settings.TILES_RASTER_SIZE)
    except rasterio.errors.RasterioIOError:
        raise RasterUnavailable() from None
    if values is None or numpy.ma.getmaskarray(values).all():
        return b""
    image = ImageData(numpy.ma.expand_dims(values, 0))
    if "rescale" in style:
        low, high = style["rescale"]
    else:
        low, high = float(values.min()), float(values.max())
    image.rescale(in_range=((low, high if high > low else low + 1),))
    # Opacity is left to the map style (raster-opacity), so one tile serves every opacity.
    colormap = cmap.get(style.get("colormap", DEFAULT_COLORMAP))
    return image.render(img_format="WEBP" if fmt == "webp" else "PNG", colormap=colormap)


def raster_max_zoom(layer: Layer) -> int:
    """The zoom at which a 256 px tile's pixel is as fine as the COG's (Web Mercator)."""
    try:
        with rasterio.Env(**_GDAL_ENV), rasterio.open(raster_file(layer)) as src:
            west, _s, east, _n = transform_bounds(src.crs, WEB_MERCATOR, *src.bounds)
            native = (east - west) / src.width
    except rasterio.errors.RasterioIOError:
        raise RasterUnavailable() from None
    world = 2 * MERCATOR_HALF / settings.TILES_RASTER_SIZE
    return max(0, min(settings.TILES_MAX_ZOOM, int(numpy.ceil(numpy.log2(world / native)))))


def values_at(layer: Layer, lon: float, lat: float) -> tuple[list[float | int | None], list[dict[str, str | None]]]:
    """Every band's value at a WGS 84 point, from the full-resolution raster (None for a band that
    is nodata there, and for all bands off the raster), and each band's {"name", "unit"} as the file
    describes them (GDAL's band description and unit type; None where the file says nothing)."""
    try:
        with rasterio.Env(**_GDAL_ENV), rasterio.open(raster_file(layer)) as src:
            bands = [{"name": name or None, "unit": unit or None} for name, unit in zip(src.descriptions, src.units)]
            (x,), (y,) = transform("EPSG:4326", src.crs, [lon], [lat])
            row, col = src.index(x, y)
            if not (0 <= row < src.height and 0 <= col < src.width):
                return [None] * src.count, bands
            pixel = src.read(window=Window(col, row, 1, 1), masked=True)
    except rasterio.errors.RasterioIOError:
        raise RasterUnavailable() from None
    return [None if numpy.ma.is_masked(v) else v.item() for v in pixel[:, 0, 0]], bands
