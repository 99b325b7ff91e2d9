"""Coordinates typed into a search box: WGS 84 degrees or VN-2000 / TM-3 105°45′ metres (EPSG:9210).

VN-2000 goes through `layers.crs`, the one place that transforms it (always EPSG:6960, the decree's
7 parameters).
"""

import math
import re
from dataclasses import dataclass
from functools import cache

from pyproj import CRS

from layers import crs

VN2000_TM3_LONG_AN = "EPSG:9210"

# A number with an optional decimal point; "10,53" is read as two numbers, so decimals take a point.
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
# What may surround the two numbers: separators, degree signs, N/E and the surveyors' X=/Y=.
_ALLOWED = re.compile(r"^[\s\d.,;:+\-°'NnEeXxYy=]+$")
# Every VN-2000 TM-3 northing in Vietnam is above 900 km and every easting below it.
_NORTHING_MIN = 900_000.0
# Where a VN-2000 / TM-3 105°45′ coordinate can be: its area of use with a margin.
_VN2000_LON = (101.0, 111.0)
_VN2000_LAT = (7.0, 24.0)


@dataclass(frozen=True)
class Coordinate:
    lon: float
    lat: float
    crs: str  # how it was typed: "EPSG:4326" or "EPSG:9210"
    # The same point in VN-2000 / TM-3 105°45′ metres; None far from Vietnam, where it means nothing.
    easting: float | None
    northing: float | None


@cache
def _tm3() -> CRS:
    return crs.parse_code(VN2000_TM3_LONG_AN)


def vn2000_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    lon, lat = crs.to_wgs84(_tm3())(easting, northing)
    return float(lon), float(lat)


def wgs84_to_vn2000(lon: float, lat: float) -> tuple[float, float]:
    easting, northing = crs.from_wgs84(_tm3())(lon, lat)
    return float(easting), float(northing)


def parse_coordinate(text: str) -> Coordinate | None:
    """The point a query names, or None when it is not a pair of coordinates.

    - degrees: "10.53, 106.40" (lat, lon as maps show them) or "106.40 10.53"; a value above 90
      can only be the longitude, which settles the order;
    - VN-2000 metres: "571240 1164846" in either order (Vietnamese surveyors write the northing X
      first), the northing being the value above 900 km.
    """
    if not _ALLOWED.match(text):
        return None
    tokens = _NUMBER.findall(text)
    numbers = [float(n) for n in tokens]
    if len(numbers) != 2 or not all(math.isfinite(n) for n in numbers):
        return None
    a, b = numbers
    if abs(a) <= 180 and abs(b) <= 180:
        # "10,53" is a Vietnamese decimal, not a point: degrees need decimals or a degree sign.
        if "°" not in text and not all("." in token for token in tokens):
            return None
        return _degrees(a, b)
    if min(a, b) > 1000:
        return _vn2000(a, b)
    return None


def _degrees(a: float, b: float) -> Coordinate | None:
    if abs(a) > 90 and abs(b) > 90:
        return None
    lat, lon = (b, a) if abs(a) > 90 else (a, b)
    easting, northing = wgs84_to_vn2000(lon, lat) if _near_vietnam(lon, lat) else (None, None)
    return Coordinate(lon=lon, lat=lat, crs="EPSG:4326", easting=easting, northing=northing)


def _vn2000(a: float, b: float) -> Coordinate | None:
    northing, easting = (a, b) if a > b else (b, a)
    if northing < _NORTHING_MIN or easting >= _NORTHING_MIN:
        return None
    lon, lat = vn2000_to_wgs84(easting, northing)
    if not _near_vietnam(lon, lat):
        return None
    return Coordinate(lon=lon, lat=lat, crs=VN2000_TM3_LONG_AN, easting=easting, northing=northing)


def _near_vietnam(lon: float, lat: float) -> bool:
    return _VN2000_LON[0] <= lon <= _VN2000_LON[1] and _VN2000_LAT[0] <= lat <= _VN2000_LAT[1]
