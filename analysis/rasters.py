"""Zonal statistics of the raster layers (COGs) a caller may see, inside a polygon: mean, min, max,
standard deviation, the share of the zone's pixels holding a value, and the hectares of each class of
the layer's style (flood depth 0–0.2 / 0.2–0.5 / 0.5–1 / > 1 m; equal steps of its `rescale` when the
style has no classes).

Read with rasterio (as tiles.raster reads tiles): only the zone's window of the COG, at full
resolution when it holds at most ANALYSIS_RASTER_MAX_PIXELS pixels, else from the finest overview that
does — the answer says which (`overview`, `resolution_m`). A pixel is in the zone when its centre is
(rasterio.features.geometry_mask). Pixel areas are on the WGS 84 ellipsoid for a raster in degrees
(each row's own, exactly: the band between two latitudes), the CRS's square metres otherwise.
"""

import math
from dataclasses import dataclass

import numpy as np
import rasterio
from django.conf import settings
from rasterio.features import geometry_mask
from rasterio.transform import Affine
from rasterio.warp import transform_geom
from rasterio.windows import Window, from_bounds
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from layers.access import Caller, visible_layers
from layers.models import Kind, Layer
from tiles.raster import RasterUnavailable, raster_file

_GDAL_ENV = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "GDAL_CACHEMAX": 256}
SQUARE_METRES_PER_HECTARE = 10_000.0
# WGS 84: semi-major axis, flattening.
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)
EQUAL_STEPS = 5  # classes of a style without any: equal steps of its rescale range


@dataclass(frozen=True)
class RasterClass:
    low: float | None
    high: float | None
    label_vi: str
    label_en: str
    color: str | None
    area_ha: float


@dataclass(frozen=True)
class RasterStatistics:
    slug: str
    title_vi: str
    title_en: str
    version: int
    overview: int | None  # None: full resolution; else the overview level read (0 = the first)
    resolution_m: float  # the side of a pixel read, in metres (at the zone's centre for degrees)
    pixels: int  # pixels of the zone (centres inside)
    valid_share: float | None  # share of them holding a value (not nodata)
    mean: float | None
    min: float | None
    max: float | None
    std: float | None
    classes: list[RasterClass]


def zonal_statistics(user: Caller, polygon: BaseGeometry, layers: list[Layer] | None = None) -> list[RasterStatistics]:
    """Statistics of each raster layer the caller may see (or of `layers`, already asked of
    layers.access) inside `polygon` (EPSG:4326); a raster the zone does not meet has 0 pixels."""
    if layers is None:
        layers = list(visible_layers(user).filter(kind=Kind.RASTER))
    result = []
    for layer in layers:
        try:
            path = raster_file(layer)
        except RasterUnavailable:
            continue
        if not path.is_file():
            continue
        result.append(raster_statistics(layer, path, polygon))
    return result


def raster_statistics(layer: Layer, path, polygon: BaseGeometry, *, classes: list[dict] | None = None) -> RasterStatistics:
    """The statistics of one raster layer's COG inside `polygon`; `classes` (as a style's) replace the
    style's for the histogram (a compliance rule's threshold)."""
    style = (layer.style or {}) | ({"classes": classes} if classes is not None else {})
    band = style.get("band", 1)
    with rasterio.Env(**_GDAL_ENV):
        with rasterio.open(path) as src:
            zone = shape(transform_geom("EPSG:4326", src.crs, mapping(polygon))) if src.crs else polygon
            window = _window(src, zone.bounds)
            level = _overview_for(src, window)
            geographic = bool(src.crs and src.crs.is_geographic)
        with rasterio.open(path, overview_level=level) as src:
            window = _window(src, zone.bounds)
            if window is None:
                values = np.ma.masked_all((0, 0), dtype="float64")
                transform = src.transform
            else:
                values = src.read(band, window=window, masked=True)
                transform = src.window_transform(window)
            resolution = _resolution_m(src.transform, geographic, zone)
    if values.size:
        inside = ~geometry_mask([mapping(zone)], out_shape=values.shape, transform=transform)
        areas = _pixel_areas(transform, values.shape, geographic)
    else:
        inside = np.zeros((0, 0), dtype=bool)
        areas = np.zeros((0, 1))
    pixels = int(inside.sum())
    valid = inside & ~np.ma.getmaskarray(values)
    # In the band's own type (a uint8 COG stays 1 byte a pixel); sums accumulate in float64.
    data = values.data[valid]
    count = data.size
    mean = float(data.mean(dtype="float64")) if count else None
    std = float(np.sqrt(np.mean(np.square(data, dtype="float64")) - mean * mean)) if count else None
    return RasterStatistics(
        slug=layer.slug, title_vi=layer.title_vi, title_en=layer.title_en, version=layer.version,
        overview=level, resolution_m=round(resolution, 2), pixels=pixels,
        valid_share=round(count / pixels, 4) if pixels else None,
        mean=_rounded(mean) if count else None,
        min=_rounded(data.min()) if count else None,
        max=_rounded(data.max()) if count else None,
        std=_rounded(max(std, 0.0)) if count else None,
        classes=_histogram(style, values.data, valid, areas),
    )


def _window(src, bounds: tuple[float, float, float, float]) -> Window | None:
    """The window of the dataset (full resolution or an overview) covering `bounds`, cut to the
    dataset; None when they do not meet."""
    window = from_bounds(*bounds, transform=src.transform).round_offsets(op="floor").round_lengths(op="ceil")
    try:
        window = window.intersection(Window(0, 0, src.width, src.height))
    except rasterio.errors.WindowError:
        return None
    return window if window.width > 0 and window.height > 0 else None


def _overview_for(src, window: Window | None) -> int | None:
    """None (full resolution) when the window holds at most ANALYSIS_RASTER_MAX_PIXELS pixels, else
    the finest overview where it does (the coarsest there is if none does)."""
    if window is None:
        return None
    pixels = window.width * window.height
    if pixels <= settings.ANALYSIS_RASTER_MAX_PIXELS:
        return None
    factors = src.overviews(1)
    for level, factor in enumerate(factors):
        if pixels / (factor * factor) <= settings.ANALYSIS_RASTER_MAX_PIXELS:
            return level
    return len(factors) - 1 if factors else None


def _authalic_band(phi: np.ndarray) -> np.ndarray:
    """q(φ) of the ellipsoid: the area between latitudes φ1 < φ2 and a longitude span Δλ (radians) is
    Δλ · b² / 2 · (q(φ2) − q(φ1))."""
    s = np.sin(phi)
    return s / (1 - _E2 * s * s) + np.log((1 + _E * s) / (1 - _E * s)) / (2 * _E)


def _pixel_areas(transform, shape_: tuple[int, int], geographic: bool) -> np.ndarray:
    """Each pixel's area in m², as a column (one value per row) or a scalar array."""
    if not geographic:
        return np.array(abs(transform.a * transform.e))
    rows = np.arange(shape_[0] + 1)
    latitudes = np.radians(transform.f + rows * transform.e)
    q = _authalic_band(latitudes)
    b2 = (_A * (1 - _F)) ** 2
    return (np.abs(np.radians(transform.a)) * b2 / 2 * np.abs(np.diff(q)))[:, None]


def _resolution_m(transform, geographic: bool, zone: BaseGeometry) -> float:
    if not geographic:
        return abs(transform.a)
    latitude = math.radians(zone.centroid.y)
    metres_per_degree = math.pi / 180 * _A * math.cos(latitude) / math.sqrt(1 - _E2 * math.sin(latitude) ** 2)
    return math.sqrt(abs(transform.a) * metres_per_degree * abs(transform.e) * metres_per_degree)


def style_classes(style: dict) -> list[dict]:
    """The classes a histogram counts: the style's, or EQUAL_STEPS equal steps of its rescale."""
    if style.get("classes"):
        return style["classes"]
    low, high = style.get("rescale") or (None, None)
    if low is None:
        return []
    step = (high - low) / EQUAL_STEPS
    edges = [low + i * step for i in range(EQUAL_STEPS + 1)]
    return [{"min": a if i else None, "max": b if i < EQUAL_STEPS - 1 else None,
             "label_vi": f"{a:g}–{b:g}", "label_en": f"{a:g}–{b:g}"} for i, (a, b) in enumerate(zip(edges, edges[1:]))]


def _histogram(style: dict, values: np.ndarray, valid: np.ndarray, areas: np.ndarray) -> list[RasterClass]:
    """Hectares per class: the pixels of a class counted per row, times the row's pixel area."""
    rows = np.broadcast_to(areas, (values.shape[0], 1))[:, 0] if values.size else np.zeros(0)
    classes = []
    for entry in style_classes(style):
        low, high = entry.get("min"), entry.get("max")
        take = valid.copy()
        if low is not None:
            take &= values >= low
        if high is not None:
            take &= values < high
        square_metres = float(take.sum(axis=1) @ rows) if values.size else 0.0
        classes.append(RasterClass(
            low=low, high=high, label_vi=entry["label_vi"], label_en=entry["label_en"], color=entry.get("color"),
            area_ha=round(square_metres / SQUARE_METRES_PER_HECTARE, 2),
        ))
    return classes


def _rounded(value: float) -> float:
    return round(float(value), 4)


ZONAL_STATISTICS = ("mean", "max", "share_above")


def zonal_batch(layer: Layer, path, zones: dict[str, BaseGeometry], *, statistic: str,
                above: float | None = None) -> dict[str, float | None]:
    """One statistic of a raster layer's COG in each of many polygons (EPSG:4326), from ONE read: the
    window covering all of them (full resolution, or the finest overview holding at most
    ANALYSIS_RASTER_MAX_PIXELS pixels, as raster_statistics). `mean` and `max` of the valid pixels
    whose centre is inside; `share_above`: the percentage (0–100) of those above `above`. None where a
    zone holds no valid pixel (no data). Zones may overlap (planners' zones): each is masked on its own
    part of the one window, so a pixel counts for every zone holding it."""
    return zonal_many(layer, path, zones, [(statistic, above)])[0]


def zonal_many(layer: Layer, path, zones: dict[str, BaseGeometry],
               wanted: list[tuple[str, float | None]]) -> list[dict[str, float | None]]:
    """zonal_batch for several (statistic, above) at once: one read and one mask per zone for all of
    them (masking a zone is most of the time: 188 communes took 0.3–0.5 s a statistic at load 8)."""
    for statistic, _above in wanted:
        if statistic not in ZONAL_STATISTICS:
            raise ValueError(f"unknown zonal statistic {statistic!r}")
    band = (layer.style or {}).get("band", 1)
    results: list[dict[str, float | None]] = [dict.fromkeys(zones) for _ in wanted]
    if not zones:
        return results
    with rasterio.Env(**_GDAL_ENV):
        with rasterio.open(path) as src:
            projected = {key: shape(transform_geom("EPSG:4326", src.crs, mapping(zone))) if src.crs else zone
                         for key, zone in zones.items()}
            west, south, east, north = zip(*(z.bounds for z in projected.values()))
            level = _overview_for(src, _window(src, (min(west), min(south), max(east), max(north))))
        with rasterio.open(path, overview_level=level) as src:
            window = _window(src, (min(west), min(south), max(east), max(north)))
            if window is None:
                return results
            values = src.read(band, window=window, masked=True)
            transform = src.window_transform(window)
    invalid = np.ma.getmaskarray(values)
    data = values.data
    inverse = ~transform
    for key, zone in projected.items():
        # The zone's own rows and columns of the window (pixel coordinates, clipped to it).
        minx, miny, maxx, maxy = zone.bounds
        cols, rows = zip(*(inverse @ corner for corner in ((minx, maxy), (maxx, miny))))
        c0, c1 = max(0, math.floor(min(cols))), min(data.shape[1], math.ceil(max(cols)))
        r0, r1 = max(0, math.floor(min(rows))), min(data.shape[0], math.ceil(max(rows)))
        if c0 >= c1 or r0 >= r1:
            continue
        part = transform @ Affine.translation(c0, r0)
        inside = ~geometry_mask([mapping(zone)], out_shape=(r1 - r0, c1 - c0), transform=part)
        picked = data[r0:r1, c0:c1][inside & ~invalid[r0:r1, c0:c1]]
        if not picked.size:
            continue
        for result, (statistic, above) in zip(results, wanted):
            if statistic == "mean":
                result[key] = _rounded(picked.mean(dtype="float64"))
            elif statistic == "max":
                result[key] = _rounded(picked.max())
            else:
                result[key] = _rounded(100.0 * np.count_nonzero(picked > above) / picked.size)
    return results
