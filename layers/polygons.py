"""Polygons people send — drawn on the map, uploaded as a GeoJSON file, copied from an admin unit —
checked before they reach a query or the zones layer.

Accepted: an RFC 7946 Polygon, a MultiPolygon of one part, or a Feature / FeatureCollection holding
exactly one of those. Coordinates are WGS 84 lon/lat unless the (pre-RFC 7946) `crs` member names an
EPSG code, as QGIS writes for a VN-2000 file; those go through `layers.crs` like any import.
"""

import math
import re
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, shape

from layers import crs
from layers.errors import InvalidZoneGeometry

_POLYGON_TYPES = ("Polygon", "MultiPolygon")
# "urn:ogc:def:crs:EPSG::9210", "EPSG:9210", "urn:ogc:def:crs:OGC:1.3:CRS84"
_CRS_CODE = re.compile(r"EPSG:+(?:[\d.]*:)?(\d{4,6})$", re.IGNORECASE)
_LONLAT_NAMES = ("crs84", "epsg::4326", "epsg:4326")
_WHERE = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)\]")


def polygon_from_geojson(doc: Any) -> Polygon:
    """The one polygon `doc` describes, in EPSG:4326; InvalidZoneGeometry says what is wrong."""
    geometry, source_crs = _geometry_member(doc)
    try:
        parsed = shape(geometry)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, shapely.errors.ShapelyError):
        raise InvalidZoneGeometry(_("The polygon's coordinates are not well formed GeoJSON.")) from None
    if isinstance(parsed, MultiPolygon):
        if len(parsed.geoms) != 1:
            raise InvalidZoneGeometry(
                _("A zone is one polygon; this MultiPolygon has %(n)d parts.") % {"n": len(parsed.geoms)}
            )
        parsed = parsed.geoms[0]
    if parsed.is_empty:
        raise InvalidZoneGeometry(_("The polygon is empty."))
    vertices = shapely.get_num_coordinates(parsed)
    if vertices > settings.LAYERS_ZONE_MAX_VERTICES:
        raise InvalidZoneGeometry(
            _("The polygon has %(n)d vertices; a zone may have at most %(max)d. Simplify it first.")
            % {"n": vertices, "max": settings.LAYERS_ZONE_MAX_VERTICES}
        )
    if source_crs is not None:
        parsed = _to_wgs84(parsed, source_crs)
    _check_lonlat(parsed)
    if not parsed.is_valid:
        raise InvalidZoneGeometry(_invalid_message(shapely.is_valid_reason(parsed)))
    if parsed.area <= 0:
        raise InvalidZoneGeometry(_("The polygon has no area."))
    return shapely.set_srid(parsed, 4326)


def _geometry_member(doc: Any) -> tuple[dict, crs.CRS | None]:
    if not isinstance(doc, dict):
        raise InvalidZoneGeometry(_("Send a GeoJSON Polygon, Feature or FeatureCollection."))
    source_crs = _named_crs(doc.get("crs"))
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        polygons = [f for f in features if _geometry_type(f) in _POLYGON_TYPES] if isinstance(features, list) else []
        if len(polygons) != 1:
            raise InvalidZoneGeometry(
                _("The file must hold exactly one polygon; it holds %(n)d.") % {"n": len(polygons)}
            )
        return polygons[0]["geometry"], source_crs
    if kind == "Feature":
        if _geometry_type(doc) not in _POLYGON_TYPES:
            raise InvalidZoneGeometry(_("The feature's geometry must be a Polygon."))
        return doc["geometry"], source_crs
    if kind in _POLYGON_TYPES:
        return doc, source_crs
    raise InvalidZoneGeometry(
        _("A zone must be a Polygon, not %(type)s.") % {"type": str(kind)[:40] if kind else _("nothing")}
    )


def _geometry_type(feature: Any) -> str | None:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    return geometry.get("type") if isinstance(geometry, dict) else None


def _named_crs(member: Any) -> crs.CRS | None:
    """The CRS of an old-style `crs` member, None for lon/lat (or no member)."""
    if member is None:
        return None
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str):
        raise InvalidZoneGeometry(_("The file's crs member has no name."))
    if name.lower().replace("urn:ogc:def:crs:", "").replace("ogc:1.3:", "") in _LONLAT_NAMES:
        return None
    match = _CRS_CODE.search(name)
    try:
        if match is None:
            raise crs.UnknownCrs(name)
        return crs.parse_code(match.group(1))
    except crs.UnknownCrs:
        raise InvalidZoneGeometry(
            _("The file's CRS %(name)s is not an EPSG code we know.") % {"name": name[:60]}
        ) from None


def _to_wgs84(polygon: Polygon, source: crs.CRS) -> Polygon:
    transform = crs.to_wgs84(source)

    def move(coords: np.ndarray) -> np.ndarray:
        lon, lat = transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(polygon, move)


def _check_lonlat(polygon: Polygon) -> None:
    minx, miny, maxx, maxy = polygon.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidZoneGeometry(_("The polygon's coordinates must be finite numbers."))
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise InvalidZoneGeometry(
            _("The coordinates are not WGS 84 longitude/latitude. Reproject the file to EPSG:4326, or name "
              "its CRS (e.g. EPSG:9210 for VN-2000) in its crs member.")
        )


def _invalid_message(reason: str) -> str:
    where = _WHERE.search(reason)
    if reason.startswith(("Self-intersection", "Ring Self-intersection")) and where:
        lon, lat = (float(v) for v in where.groups())
        return _("The polygon crosses itself near %(lon).5f, %(lat).5f. Redraw that part.") % {"lon": lon, "lat": lat}
    if where:
        lon, lat = (float(v) for v in where.groups())
        return _("The polygon is not valid near %(lon).5f, %(lat).5f.") % {"lon": lon, "lat": lat}
    return _("The polygon is not valid.")
