"""OGC API - Features Part 2 (CRS by reference): the CRSs a collection is offered in, parsed from
their URIs, and how each is written (in SQL) and read (in Python, through layers.crs).

Storage is EPSG:4326 in lon/lat order, which is CRS84 and the default. EPSG:4326 itself is lat/lon
(its axis order, as Part 2 requires); EPSG:3857 is in PostGIS's spatial_ref_sys; the VN-2000 TM-3 zones
(EPSG:9205-9218) are not, and go through layers.crs so the one VN-2000 transformation (EPSG:6960) is
used both ways.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from django.utils.translation import gettext as _
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from layers import crs as crs_module
from layers.errors import InvalidParameter
from layers.query import Sql

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
VN2000_TM3 = tuple(range(9205, 9219))
OFFERED_EPSG = (4326, 3857, *VN2000_TM3)
_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/(?:EPSG/0/(\d{4,5})|OGC/1\.3/(CRS84))$")
_CURIE = re.compile(r"^\[?EPSG:(\d{4,5})\]?$", re.IGNORECASE)


class InvalidCrs(InvalidParameter):
    code = "invalid_crs"


class OutsideCrs(ValueError):
    """Coordinates that no transformation can bring back to the earth (callers name the parameter)."""


# Projected coordinates beyond 40,000 km are not on the earth in any CRS offered here.
_LARGEST_EXTENT = 4.0e7


@dataclass(frozen=True)
class OgcCrs:
    uri: str
    epsg: int | None  # None: CRS84
    lat_lon: bool  # the CRS's first axis is latitude (EPSG:4326): coordinates are swapped

    @property
    def decimals(self) -> int:
        # Degrees to ~1 cm, metres to 1 mm.
        return 7 if self.epsg in (None, 4326) else 3

    @property
    def geometry(self) -> Sql:
        """The stored geometry (f.geom, EPSG:4326 lon/lat) written in this CRS."""
        if self.epsg is None:
            return Sql("f.geom")
        if self.epsg == 4326:
            return Sql("ST_FlipCoordinates(f.geom)")
        if self.epsg == 3857:
            return Sql("ST_Transform(f.geom, 3857)")
        return Sql("ST_Transform(f.geom, %s::text)", [crs_module.postgis_target(_pyproj(self.epsg))])

    def to_storage(self, geometry: BaseGeometry) -> BaseGeometry:
        """A geometry given in this CRS (axis order included) as lon/lat EPSG:4326."""
        if self.epsg is None:
            return geometry
        if self.lat_lon:
            return shapely.transform(geometry, lambda xy: xy[:, ::-1])
        west, south, east, north = geometry.bounds
        if not all(np.isfinite([west, south, east, north])) or max(east - west, north - south) > _LARGEST_EXTENT:
            raise OutsideCrs()
        transform = crs_module.to_wgs84(_pyproj(self.epsg))
        # Densified first (at most a few hundred vertices per edge): a straight edge in metres is a
        # curve in degrees.
        step = max(1000.0, geometry.length / 256)
        dense = shapely.segmentize(geometry, max_segment_length=step) if geometry.geom_type != "Point" else geometry
        stored = shapely.transform(dense, lambda xy: np.column_stack(transform(xy[:, 0], xy[:, 1])))
        if not all(np.isfinite(stored.bounds)):
            raise OutsideCrs()
        return stored


@lru_cache(maxsize=32)
def _pyproj(epsg: int) -> CRS:
    return CRS.from_epsg(epsg)


def uri_of(epsg: int | None) -> str:
    return CRS84 if epsg is None else _EPSG_URI.format(code=epsg)


OFFERED = (CRS84, *(uri_of(code) for code in OFFERED_EPSG))
DEFAULT = OgcCrs(uri=CRS84, epsg=None, lat_lon=False)


def parse_crs(raw: str | None, *, parameter: str) -> OgcCrs:
    """The CRS a `crs`, `bbox-crs` or `filter-crs` parameter names (a URI, or a `[EPSG:n]` safe CURIE);
    CRS84 when absent. One that is not offered is a 400 naming the parameter."""
    if raw is None or raw == "":
        return DEFAULT
    text = raw.strip()
    match = _URI.match(text)
    code = None
    if match:
        if match.group(2):
            return DEFAULT
        code = int(match.group(1))
    elif _CURIE.match(text):
        code = int(_CURIE.match(text).group(1))
    if code not in OFFERED_EPSG:
        raise InvalidCrs(
            _("%(parameter)s names a CRS this collection is not offered in. Use one of the URIs in the "
              "collection's crs list, e.g. %(example)s.") % {"parameter": parameter, "example": uri_of(9210)},
            fields={parameter: [_("Not an offered CRS.")]},
        )
    axes = _pyproj(code).axis_info
    return OgcCrs(uri=uri_of(code), epsg=code, lat_lon=bool(axes) and axes[0].direction == "north")
