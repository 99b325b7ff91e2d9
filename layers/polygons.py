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
    _check_rings(geometry)
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
    _check_extent(parsed)
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


def _check_rings(geometry: Any) -> None:
    """RFC 7946 rings: at least four positions of two or three numbers, the last equal to the first
    (shapely would close an open ring silently and drop a degenerate one with a vague message)."""
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    if not isinstance(polygons, list) or not all(isinstance(p, list) and p for p in polygons):
        raise InvalidZoneGeometry(_("The polygon's coordinates are not well formed GeoJSON."))
    for rings in polygons:
        for ring in rings:
            if not isinstance(ring, list) or not all(
                isinstance(pos, list) and len(pos) in (2, 3)
                and all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in pos)
                for pos in ring
            ):
                raise InvalidZoneGeometry(
                    _("Each position must be [longitude, latitude] in numbers; the polygon's coordinates are not "
                      "well formed GeoJSON.")
                )
            if len(ring) < 4:
                raise InvalidZoneGeometry(
                    _("A ring needs at least 4 positions (3 corners and the first again); this one has %(n)d.")
                    % {"n": len(ring)}
                )
            if ring[0][:2] != ring[-1][:2]:
                raise InvalidZoneGeometry(
                    _("A ring must end where it starts: repeat the first position (%(lon)s, %(lat)s) at the end.")
                    % {"lon": ring[0][0], "lat": ring[0][1]}
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


# PostGIS geography (areas, summaries) draws an edge as a great circle and cannot take one between
# antipodal points; a polygon as wide as a hemisphere means another area on the sphere than on the map.
_MAX_SPAN = 180.0
_ANTIPODAL = math.radians(179.9)


def _check_extent(polygon: Polygon) -> None:
    minx, miny, maxx, maxy = polygon.bounds
    if maxx - minx >= _MAX_SPAN or maxy - miny >= _MAX_SPAN:
        raise InvalidZoneGeometry(
            _("The polygon spans %(lon).0f° of longitude and %(lat).0f° of latitude; it must be smaller than a "
              "hemisphere (less than 180°). Draw the area itself, not the whole world.")
            % {"lon": maxx - minx, "lat": maxy - miny}
        )
    for ring in [polygon.exterior, *polygon.interiors]:
        lon, lat = (np.radians(a) for a in np.asarray(ring.coords)[:, :2].T)
        # Central angle of each edge (haversine), as PostGIS geography would draw it.
        h = np.sin(np.diff(lat) / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
        angles = 2 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        if angles.size and angles.max() >= _ANTIPODAL:
            i = int(angles.argmax())
            raise InvalidZoneGeometry(
                _("The edge from %(lon).5f, %(lat).5f goes half way round the Earth; add vertices along it.")
                % {"lon": math.degrees(lon[i]), "lat": math.degrees(lat[i])}
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
