"""Vectorized checks of a batch of geometries on their way to EPSG:4326 storage (shapely 2, GEOS).

Each check returns the rows it rejects with a reason; nothing loops over features in Python except
to write the report lines of rejected rows.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from pyproj import CRS

from layers import crs as crs_module

# shapely type ids → our geometry type names, and the family each belongs to.
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LineString", 3: "Polygon", 4: "MultiPoint",
               5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
_FAMILY = {"Point": "point", "MultiPoint": "point", "LineString": "line", "MultiLineString": "line",
           "Polygon": "polygon", "MultiPolygon": "polygon"}


@dataclass
class Checked:
    geoms: np.ndarray  # shapely geometries in EPSG:4326, only the rows kept
    keep: np.ndarray  # bool mask over the batch
    rejected: list[tuple[int, str, dict]] = field(default_factory=list)  # (index in batch, code, params)
    repaired: list[tuple[int, str]] = field(default_factory=list)  # (index in batch, reason)


def check(wkb: np.ndarray, source_crs: CRS, *, repair: bool) -> Checked:
    """Parse, reproject and validate one batch of WKB geometries.

    Coordinates past ±180° / ±90° by at most LAYERS_IMPORT_COORDINATE_TOLERANCE degrees (a rounding
    error: Natural Earth's Russia reaches 180.00000000000006) are clamped onto the limit; beyond it
    the row is refused."""
    geoms, unreadable = _parse(wkb)
    if (shapely.has_z(geoms) | shapely.has_m(geoms)).any():  # a Z or M the layer's type did not declare
        geoms = shapely.force_2d(geoms)
    keep = np.ones(len(geoms), dtype=bool)
    rejected: list[tuple[int, str, dict]] = []

    def reject(mask: np.ndarray, code: str) -> None:
        for i in np.flatnonzero(mask & keep):
            rejected.append((int(i), code, {}))
        keep[mask] = False

    reject(unreadable, "unsupported_geometry")
    reject(shapely.is_missing(geoms), "missing_geometry")
    reject(keep & shapely.is_empty(geoms), "empty_geometry")
    reject(_non_finite(geoms, keep), "non_finite")
    geoms = np.where(keep, geoms, None)
    if not crs_module.is_wgs84(source_crs):
        transform = crs_module.to_wgs84(source_crs)
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(transform(xy[:, 0], xy[:, 1])))
    # One pass over the coordinates for both checks (and a second only for a batch with some to clamp).
    coords, index = shapely.get_coordinates(np.where(keep, geoms, None), return_index=True)
    reject(_rows(~np.isfinite(coords).all(axis=1), index, len(geoms)), "out_of_range")
    geoms, coords, index = _clamp(geoms, keep, coords, index)
    outside = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    reject(_rows(outside, index, len(geoms)), "out_of_range")

    repaired: list[tuple[int, str]] = []
    invalid = keep & ~shapely.is_valid(np.where(keep, geoms, None))
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        idx = np.flatnonzero(invalid)
        if repair:
            fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
            bad = shapely.is_empty(fixed) | ~shapely.is_valid(fixed)
            for i, reason, is_bad in zip(idx, reasons, bad):
                if is_bad:
                    rejected.append((int(i), "unrepairable", {"reason": reason}))
                    keep[i] = False
                else:
                    repaired.append((int(i), reason))
            geoms[idx[~bad]] = fixed[~bad]
        else:
            for i, reason in zip(idx, reasons):
                rejected.append((int(i), "invalid_geometry", {"reason": reason}))
            keep[idx] = False
    rejected.sort()
    return Checked(geoms=geoms[keep], keep=keep, rejected=rejected, repaired=repaired)


def _parse(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The batch's geometries, and which rows GEOS cannot work with (curves: the Arrow reader hands
    over top-level ones linearised already, but one inside a collection is read and then fails every
    operation), for those rows to be refused alone."""
    unreadable = np.zeros(len(wkb), dtype=bool)
    try:
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    except (NotImplementedError, shapely.errors.GEOSException):
        geoms = np.empty(len(wkb), dtype=object)
        for i, one in enumerate(wkb):
            try:
                geoms[i] = shapely.from_wkb(one, on_invalid="ignore")
            except (NotImplementedError, shapely.errors.GEOSException):
                unreadable[i] = True
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 7):  # collections: rare, one by one
        try:
            shapely.get_coordinates(geoms[i])
        except (NotImplementedError, shapely.errors.GEOSException):
            unreadable[i] = True
    if unreadable.any():
        geoms[unreadable] = None
    return geoms, unreadable


def _clamp(geoms: np.ndarray, keep: np.ndarray, coords: np.ndarray,
           index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates within the tolerance past the WGS 84 limits moved onto them, in the rows that have
    such a coordinate (most batches have none and come back as they are), with the coordinates anew."""
    tolerance = settings.LAYERS_IMPORT_COORDINATE_TOLERANCE
    x, y = np.abs(coords[:, 0]), np.abs(coords[:, 1])
    near = ((x > 180) & (x <= 180 + tolerance)) | ((y > 90) & (y <= 90 + tolerance))
    if not near.any():
        return geoms, coords, index

    def snap(values: np.ndarray, limit: float) -> np.ndarray:
        near = (np.abs(values) > limit) & (np.abs(values) <= limit + tolerance)
        return np.where(near, np.sign(values) * limit, values)

    rows = np.unique(index[near])
    out = geoms.copy()
    out[rows] = shapely.transform(geoms[rows],
                                  lambda xy: np.column_stack((snap(xy[:, 0], 180), snap(xy[:, 1], 90))))
    coords, index = shapely.get_coordinates(np.where(keep, out, None), return_index=True)
    return out, coords, index


def _rows(mask: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """The rows (of n) that have a coordinate where `mask` is true."""
    rows = np.zeros(n, dtype=bool)
    rows[index[mask]] = True
    return rows


def _non_finite(geoms: np.ndarray, keep: np.ndarray) -> np.ndarray:
    coords, index = shapely.get_coordinates(np.where(keep, geoms, None), return_index=True)
    bad = np.zeros(len(geoms), dtype=bool)
    bad[index[~np.isfinite(coords).all(axis=1)]] = True
    return bad


def type_names(geoms: np.ndarray) -> set[str]:
    return {_TYPE_NAMES[t] for t in np.unique(shapely.get_type_id(geoms)) if t >= 0}


def unified_type(types: set[str]) -> tuple[str, str | None]:
    """The layer's geometry type for geometries of `types`, and the warning code it deserves."""
    if len(types) == 1:
        return next(iter(types)), None
    families = {_FAMILY.get(t) for t in types}
    if len(families) == 1 and None not in families:
        multi = {"point": "MultiPoint", "line": "MultiLineString", "polygon": "MultiPolygon"}[families.pop()]
        return multi, "promoted_to_multi"
    return "Geometry", "mixed_geometry"


def to_multi(geoms: np.ndarray, layer_type: str) -> np.ndarray:
    """Single geometries of a Multi layer become one-part multis, so the layer holds one type."""
    if not layer_type.startswith("Multi"):
        return geoms
    single = {"MultiPoint": 0, "MultiLineString": 1, "MultiPolygon": 3}[layer_type]
    ids = shapely.get_type_id(geoms)
    out = geoms.copy()
    mask = ids == single
    if mask.any():
        maker = {0: shapely.multipoints, 1: shapely.multilinestrings, 3: shapely.multipolygons}[single]
        out[mask] = maker(geoms[mask], indices=np.arange(int(mask.sum())))
    return out
