"""Coordinate reference systems of imported and exported files, and the one way we transform them.

Storage is EPSG:4326 (lon/lat degrees). VN-2000 (datum EPSG:6756: EPSG:4756 and its projections,
such as TM-3 EPSG:9210 for Long An or UTM EPSG:3405) goes through the official 7-parameter
transformation EPSG:6960 (Decision 05/2007/QĐ-BTNMT), always: PROJ would otherwise choose between
EPSG:6960 and EPSG:5194 point by point, and dropping the shift moves points about 225 m.
"""

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from layers.extent import province_center

WGS84 = CRS.from_epsg(4326)
VN2000 = CRS.from_epsg(4756)
VN2000_TO_WGS84 = "urn:ogc:def:coordinateOperation:EPSG::6960"
# Offered to a steward whose file has no CRS, when its coordinates fit them.
CANDIDATES = (
    4326, 4756, 9210, 9209, 9211, 9208, 9212, 9207, 9205, 9206, 9213, 9214, 9215, 9216, 9217, 9218,
    5896, 5897, 5898, 5899, 3405, 3406, 32648, 32649,
)
_WGS84_DATUM_NAMES = {"wgs 84", "wgs 1984", "world geodetic system 1984", "wgs84"}
# Where the platform's data lies (the province, layers.extent): Long An, whose VN-2000 TM-3 zone
# (central meridian 105°45′) is offered first when it fits a file's coordinates, then the zones that
# put them nearest to the province's centre.
HOME_CRS = 9210
_CODE = re.compile(r"^(?:EPSG:)?(\d{4,6})$", re.IGNORECASE)
Transform = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class UnknownCrs(ValueError):
    """Text that does not name a CRS we accept (only EPSG codes are accepted from people)."""


def parse_code(text: str) -> CRS:
    """`EPSG:9210` or `9210` as a CRS. Only EPSG codes: no PROJ strings, WKT or URLs from people."""
    match = _CODE.match(text.strip())
    if not match:
        raise UnknownCrs(text)
    try:
        crs = CRS.from_epsg(int(match.group(1)))
    except CRSError:
        raise UnknownCrs(text) from None
    if not (crs.is_geographic or crs.is_projected):
        raise UnknownCrs(text)
    return crs


def epsg_code(crs: CRS) -> int | None:
    """The EPSG code of `crs` when PROJ identifies it with good confidence (a .prj often lacks it)."""
    return crs.to_epsg(min_confidence=70)


def label(crs: CRS) -> str:
    code = epsg_code(crs)
    return f"EPSG:{code}" if code else crs.name


def _horizontal(crs: CRS) -> CRS:
    """The 2D part: a file's CRS may be compound (with heights) or bound to WGS 84 (TOWGS84)."""
    if crs.is_bound:
        crs = crs.source_crs
    if crs.is_compound:
        crs = crs.sub_crs_list[0]
    return crs


def is_vn2000(crs: CRS) -> bool:
    geodetic = _horizontal(crs).geodetic_crs
    if geodetic is None:
        return False
    if geodetic.to_epsg(min_confidence=70) == 4756:
        return True
    name = (geodetic.datum.name if geodetic.datum else "").lower().replace("_", " ").replace("-", " ")
    return "vn 2000" in name or "vietnam 2000" in name


def is_wgs84(crs: CRS) -> bool:
    """Lon/lat on WGS 84 already (what GeoJSON and KML always are): nothing to transform."""
    return _horizontal(crs) == WGS84 or _horizontal(crs).to_epsg(min_confidence=90) == 4326


def to_wgs84(crs: CRS) -> Transform:
    """(x, y) in `crs` → (lon, lat) in EPSG:4326, vectorized."""
    return _pipeline(crs, inverse=False)


def from_wgs84(crs: CRS) -> Transform:
    """(lon, lat) in EPSG:4326 → (x, y) in `crs`: the exact inverse of `to_wgs84`."""
    return _pipeline(crs, inverse=True)


def _pipeline(crs: CRS, *, inverse: bool) -> Transform:
    crs = _horizontal(crs)
    if is_wgs84(crs):
        return lambda x, y: (np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    if not is_vn2000(crs):
        plain = Transformer.from_crs(WGS84, crs, always_xy=True) if inverse else \
            Transformer.from_crs(crs, WGS84, always_xy=True)
        return lambda x, y: plain.transform(x, y, errcheck=False)
    # VN-2000: the projection's own inverse to VN-2000 lon/lat (no datum change), then EPSG:6960.
    projection = Transformer.from_crs(crs, VN2000, always_xy=True)
    datum = Transformer.from_pipeline(VN2000_TO_WGS84)  # works in lat, lon order, like its CRSs

    def forward(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = projection.transform(x, y, errcheck=False)
        lat84, lon84 = datum.transform(lat, lon, errcheck=False)
        return lon84, lat84

    def backward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lat_vn, lon_vn = datum.transform(lat, lon, direction="INVERSE", errcheck=False)
        return projection.transform(lon_vn, lat_vn, direction="INVERSE", errcheck=False)

    return backward if inverse else forward


@dataclass(frozen=True)
class CrsWarning:
    code: str
    params: dict


def warnings_for(crs: CRS) -> list[CrsWarning]:
    """A Transverse Mercator with VN-2000 TM-3 parameters on a bare WGS 84 datum is nearly always
    VN-2000 data with a wrong .prj: its features land about 225 m from where they are."""
    crs = _horizontal(crs)
    if not crs.is_projected or is_vn2000(crs) or crs.coordinate_operation is None:
        return []
    op = crs.coordinate_operation
    if "transverse mercator" not in op.method_name.lower():
        return []
    params = {p.name.lower(): p.value for p in op.params}
    scale = params.get("scale factor at natural origin")
    meridian = params.get("longitude of natural origin")
    datum = (crs.geodetic_crs.datum.name if crs.geodetic_crs and crs.geodetic_crs.datum else "")
    on_wgs84 = datum.lower().replace("_", " ").removeprefix("d ") in _WGS84_DATUM_NAMES
    over_vietnam = meridian is not None and 102 <= meridian <= 110
    if on_wgs84 and over_vietnam and scale is not None and abs(scale - 0.9996) > 1e-7:
        return [CrsWarning("wgs84_tm_not_vn2000", {"meridian": meridian})]
    return []


def candidates(bounds: tuple[float, float, float, float], *, limit: int = 5) -> list[dict]:
    """CRSs under which coordinates in `bounds` (minx, miny, maxx, maxy) fall in Vietnam, best first."""
    minx, miny, maxx, maxy = bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    found: list[tuple[float, dict]] = []
    home = province_center()
    for code in CANDIDATES:
        crs = CRS.from_epsg(code)
        if crs.is_geographic:
            if 100 <= minx and maxx <= 112 and 7 <= miny and maxy <= 24:
                found.append((0.0 if code == 4326 else 0.1, {"crs": f"EPSG:{code}", "name": crs.name}))
            continue
        if not (100_000 <= minx and maxx <= 900_000 and 800_000 <= miny and maxy <= 2_700_000):
            continue
        lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(cx, cy)
        area = crs.area_of_use
        if area is None or not (area.west <= lon <= area.east and area.south <= lat <= area.north):
            continue
        # Nearest to home first; a provincial TM-3 zone (the cadastral standard) before a regional one.
        rank = 0.5 if code == HOME_CRS else 1 + abs(lon - home[0]) + abs(lat - home[1])
        found.append((rank, {"crs": f"EPSG:{code}", "name": crs.name}))
    return [item for _rank, item in sorted(found, key=lambda r: r[0])[:limit]]


def postgis_target(crs: CRS) -> str:
    """`crs` as a PROJ string for PostGIS's ST_Transform(geometry, text), so that SQL transforms the
    stored lon/lat exactly as `from_wgs84` does: VN-2000 projections are bound to WGS 84 by EPSG:6960's
    seven parameters (+towgs84, position-vector signs), not left to PROJ's choice of operation."""
    with warnings.catch_warnings():  # "you may lose information": the loss is what +towgs84 restores
        warnings.simplefilter("ignore", UserWarning)
        text = _horizontal(crs).to_proj4().replace("+type=crs", "").strip()
    if not is_vn2000(crs):
        return text
    helmert = dict(
        part.lstrip("+").split("=", 1)
        for part in Transformer.from_pipeline(VN2000_TO_WGS84).to_proj4().split("+proj=helmert", 1)[1]
        .split("+step", 1)[0].split() if "=" in part
    )
    # EPSG:6960 is a coordinate-frame rotation; +towgs84 takes position-vector rotations (signs flipped).
    sign = -1 if helmert.get("convention") == "coordinate_frame" else 1
    values = [float(helmert[k]) for k in ("x", "y", "z")] + \
        [sign * float(helmert[k]) for k in ("rx", "ry", "rz")] + [float(helmert["s"])]
    return text + " +towgs84=" + ",".join(repr(v) for v in values)
