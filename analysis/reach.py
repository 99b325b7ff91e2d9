"""Which cells of a dense point layer's grid (tiles.cells, counted per layer version by
tiles.generalize) lie surely within a distance of another layer's features, and which surely beyond
it, so that a proximity count (analysis.proximity) takes the first whole from their precomputed
counts, skips the second and tests only the points of the cells between, one by one: the same answer
as testing every point with ST_DWithin on geography, for a few index probes per uncertain cell.

How a cell is judged, d being the distance asked, B the other layer's features and r the geodesic
distance from the cell's centre c to its farthest corner (every point p of the cell is within r of c,
so by the triangle inequality dist(c, B) - r <= dist(p, B) <= dist(c, B) + r):
- B is sampled: its vertices and points cut along each edge's great circle (the arcs PostGIS measures
  a geography to) at most a cell's ground width apart (`spacing`);
- within: a cell holding a sample when 2 r + m <= d (p is within r + r of it), or whose centre has a
  sample within d - r - m — measured in cells, each cell's offset counted at the widest ground width
  a cell has over the area (Mercator's scale, a percent over), or inside a polygon of B;
- beyond: a cell with no sample within `rim` cells of it (a point of B in reach of p lies within
  spacing / 2 of a sample, so that sample is within d + spacing / 2 + m, at most `rim` cells away);
- the others near B are measured from their centres to the samples in a transverse Mercator plane
  centred on the area, whose scale k (pyproj, over the area) bounds a geodesic distance g by
  k_min g <= planar <= k_max g: within when D <= k_min (d - r - m), beyond when
  D > k_max (d + r + m + spacing / 2), else probed point by point.
The margin m = MARGIN_METRES + MARGIN_SHARE (d + r) covers, hundreds of times over, a polygon's inside
tested in degrees on edges a kilometre long at most (cut along their great circles in SQL),
PostGIS measuring a line from the nearest point found on the sphere rather than on the spheroid (a
relative error of the order of the flattening squared), and the rounding of the cell arithmetic.
B is read only within the area the cells span grown by d + r + m (features farther cannot decide a
cell). An area beyond MAX_LATITUDE or wider than MAX_SPAN_DEGREES, a B holding invalid polygons (whose
inside GEOS and PostGIS could judge differently) or an edge longer than MAX_EDGE_RADIANS is not
judged: the caller tests every point.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from django.conf import settings

from tiles import cells
from tiles.counting import Run
from tiles.grid import MERCATOR_HALF

SEGMENT_METRES = 1000.0  # polygons' edges are cut this short along their great circles (in SQL)
MARGIN_METRES = 1.0
MARGIN_SHARE = 1e-3
MAX_LATITUDE = 75.0
MAX_SPAN_DEGREES = 10.0
# Metres per degree of latitude are at least 110,574 (at the equator), of longitude at least
# 111,319 cos(latitude): degrees of this many metres reach at least as far.
METRES_PER_DEGREE = 110_000.0
GEOD = pyproj.Geod(ellps="WGS84")
# Metres per radian of arc, over any radius of the spheroid (6,399,594 m at the poles) by a percent.
EARTH_RADIUS_OVER = 6_464_000.0
MAX_EDGE_RADIANS = 0.1

Box = tuple[float, float, float, float]  # west, south, east, north (degrees)


@dataclass(frozen=True)
class Judged:
    z: int
    within: list[Run]  # every point of these cells is within the distance: counted from the cells
    probed: list[Run]  # these cells' points are tested one by one
    # The cells not beyond: every point within the distance is in one of them.
    near: list[Run]


def level(metres: float) -> int:
    """The coarsest cluster level whose cells are at most half the distance a side (the finest when
    none is): smaller cells leave fewer points between within and beyond, more cells cost more to judge."""
    for z in range(settings.TILES_MIN_ZOOM, settings.TILES_CLUSTER_MAX_ZOOM + 1):
        if cells.cell_size(z) <= metres / 2:
            return z
    return settings.TILES_CLUSTER_MAX_ZOOM


def judge(*, z: int, cx: list[int], cy: list[int], metres: float,
          near_pieces: Callable[[Box, float], list]) -> Judged | None:
    """Judge the cells (cx, cy) of zoom z against the features `near_pieces(box, segment)` returns
    (shapely geometries in EPSG:4326 of those meeting the box, polygons' edges cut along their great
    circles into pieces of at most `segment` metres), or None when the area cannot be judged (module
    docstring)."""
    cx, cy = np.asarray(cx, dtype=np.int64), np.asarray(cy, dtype=np.int64)
    if cx.size == 0:
        return Judged(z, [], [], [])
    size = cells.cell_size(z)
    west, east = _longitude(cx * size - MERCATOR_HALF), _longitude((cx + 1) * size - MERCATOR_HALF)
    north, south = _latitude(MERCATOR_HALF - cy * size), _latitude(MERCATOR_HALF - (cy + 1) * size)
    lon, lat = (west + east) / 2, (south + north) / 2
    r = _radius(west, south, east, north)
    margin = MARGIN_METRES + MARGIN_SHARE * (metres + r)
    area = _grown((float(west.min()), float(south.min()), float(east.max()), float(north.max())),
                  float(np.max(metres + r + margin)))
    if area is None:
        return None
    # The least ground width or height of a cell over the area (Mercator's scale, a little under).
    ground = size * math.cos(math.radians(max(abs(area[1]), abs(area[3])))) * 0.99
    spacing = ground
    pieces = np.asarray(near_pieces(area, SEGMENT_METRES), dtype=object)
    pieces = pieces[~shapely.is_empty(pieces)] if len(pieces) else pieces
    polygonal = np.isin(shapely.get_type_id(pieces), (3, 6, 7))
    if not shapely.is_valid(pieces[polygonal]).all():
        return None

    # Cells holding a point of B (a vertex or a point cut between two, or a centre inside a polygon):
    # within reach of a point of a cell there is a sample of B no farther than d + spacing / 2 (+ the
    # margin), so no more than `rim` cells away; a cell with none that near is beyond.
    rim = math.floor(float(np.max(metres + 0.51 * spacing + margin)) / ground) + 1
    x0, y0 = int(cx.min()) - rim, int(cy.min()) - rim
    shape = (int(cy.max()) - y0 + rim + 1, int(cx.max()) - x0 + rim + 1)
    marked, close = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    samples = _samples(pieces, spacing)
    if samples is None:
        return None
    fx = (samples[:, 0] * MERCATOR_HALF / 180 + MERCATOR_HALF) / size - x0  # in cells, from the grid's corner
    fy = (MERCATOR_HALF - _mercator_y(samples[:, 1])) / size - y0
    vx, vy = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
    kept = (vx >= 0) & (vx < shape[1]) & (vy >= 0) & (vy < shape[0])
    marked[vy[kept], vx[kept]] = True
    # A cell is within when a sample lies within d - r - m of its centre: measured in cells, at most
    # the ground width of a cell at the area's lowest latitude (Mercator's scale, a percent over).
    reach_in = float(np.min(metres - r - margin))
    widest = size * math.cos(math.radians(0 if area[1] <= 0 <= area[3] else min(abs(area[1]), abs(area[3])))) * 1.01
    if reach_in > 0:
        near_by = math.ceil(reach_in / ground)
        # The samples in the grid, as their cell and their offset from its centre (in cells); the grid
        # has `rim` >= near_by cells around the occupied ones, so a neighbour outside it holds none.
        sx, sy = vx[kept], vy[kept]
        dx, dy = fx[kept] - sx - 0.5, fy[kept] - sy - 0.5
        limit = (reach_in / widest) ** 2
        for ox in range(-near_by, near_by + 1):
            for oy in range(-near_by, near_by + 1):
                ok = (dx - ox) ** 2 + (dy - oy) ** 2 <= limit
                tx, ty = sx[ok] + ox, sy[ok] + oy
                inside = (tx >= 0) & (tx < shape[1]) & (ty >= 0) & (ty < shape[0])
                close[ty[inside], tx[inside]] = True
    if polygonal.any():
        inside = shapely.STRtree(pieces[polygonal]).query(
            shapely.points(lon, lat), predicate="intersects")[0]
        marked[cy[inside] - y0, cx[inside] - x0] = True
        close[cy[inside] - y0, cx[inside] - x0] = True
    within = (close[cy - y0, cx - x0] | (marked[cy - y0, cx - x0] & (2 * r + margin <= metres)))
    near = _dilated(marked, rim)[cy - y0, cx - x0]

    # The others near B: measured from their centres to the nearest sample of B in a plane (every
    # point of B is within 0.51 spacing of a sample along it, which widens the band of cells probed).
    between = np.nonzero(near & ~within)[0]
    probed = np.zeros(cx.size, dtype=bool)
    if between.size:
        plane, k_min, k_max = _plane(area)
        distance = np.full(between.size, np.inf)
        beyond = k_max * (metres + r[between] + margin[between] + 0.51 * spacing)
        # Only the samples that may be that near one of these cells are put in the plane.
        wanted = np.zeros(shape, dtype=bool)
        wanted[cy[between] - y0, cx[between] - x0] = True
        wanted = _dilated(wanted, math.floor(float(beyond.max()) / ground) + 1)
        chosen = samples[kept][wanted[vy[kept], vx[kept]]]
        if len(chosen):
            tree = shapely.STRtree(shapely.points(np.column_stack(plane.transform(chosen[:, 0], chosen[:, 1]))))
            centres = shapely.points(np.column_stack(plane.transform(lon[between], lat[between])))
            (found, _nearest), planar = tree.query_nearest(centres, max_distance=float(beyond.max()),
                                                           return_distance=True, all_matches=False)
            distance[found] = planar
        close = distance <= k_min * (metres - r[between] - margin[between])
        within[between[close]] = True
        probed[between[~close & ~(distance > beyond)]] = True
    order = np.lexsort((cy, cx))
    return Judged(z, _runs(cx, cy, order, within), _runs(cx, cy, order, probed), _runs(cx, cy, order, within | probed))


def _samples(pieces: np.ndarray, spacing: float) -> np.ndarray | None:
    """Points of the pieces, (lon, lat) rows, no farther apart along them than `spacing` metres: their
    vertices and points cut along each edge's great circle (as PostGIS draws a geography edge:
    longitude and latitude taken on the unit sphere), arc lengths overestimated by a percent. None
    for an edge of more than MAX_EDGE_RADIANS (~640 km)."""
    parts = pieces
    while (collections := np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))).any():
        parts = np.concatenate([parts[~collections], shapely.get_parts(parts[collections])])
    kinds = shapely.get_type_id(parts)
    lines = np.concatenate([parts[np.isin(kinds, (1, 2))], shapely.get_rings(parts[kinds == 3])])
    alone = shapely.get_coordinates(parts[kinds == 0])
    xy, index = shapely.get_coordinates(lines, return_index=True)
    same = np.nonzero(index[1:] == index[:-1])[0]
    a, b = _unit(xy[same]), _unit(xy[same + 1])
    angle = np.arctan2(np.linalg.norm(np.cross(a, b), axis=1), np.einsum("ij,ij->i", a, b))
    if angle.size and angle.max() > MAX_EDGE_RADIANS:
        return None
    # Each edge's points between its ends, k / n of the way along the chord, pushed out onto the
    # sphere: on the great circle, and for an arc of at most MAX_EDGE_RADIANS no piece longer than a
    # quarter of a percent over an even cut.
    cuts = np.ceil(angle * EARTH_RADIUS_OVER / spacing).astype(np.int64) - 1
    cuts = np.maximum(cuts, 0)
    edge = np.repeat(np.arange(len(a)), cuts)
    t = ((np.arange(edge.size) - np.repeat(np.cumsum(cuts) - cuts, cuts) + 1) / (cuts[edge] + 1))[:, None]
    p = a[edge] + (b[edge] - a[edge]) * t
    cut = np.column_stack([np.degrees(np.arctan2(p[:, 1], p[:, 0])),
                           np.degrees(np.arctan2(p[:, 2], np.hypot(p[:, 0], p[:, 1])))])
    return np.concatenate([alone, xy, cut])


def _unit(lonlat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _radius(west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray) -> np.ndarray:
    """The geodesic distance from each cell's centre to its farthest corner, widened by a millionth
    and a millimetre (the cells of a row have one shape: measured once per row)."""
    _rows, first, back = np.unique(north, return_index=True, return_inverse=True)
    w, s, e, n = west[first], south[first], east[first], north[first]
    lon, lat = (w + e) / 2, (s + n) / 2
    r = np.max([GEOD.inv(lon, lat, x, y)[2] for x, y in ((w, n), (e, n), (w, s), (e, s))], axis=0)
    return (r * (1 + 1e-6) + 0.001)[back.ravel()]


def _dilated(marked: np.ndarray, by: int) -> np.ndarray:
    """The marked cells and every cell at most `by` cells from one along each axis."""
    across = marked.copy()
    for k in range(1, by + 1):
        across[:, k:] |= marked[:, :-k]
        across[:, :-k] |= marked[:, k:]
    out = across.copy()
    for k in range(1, by + 1):
        out[k:, :] |= across[:-k, :]
        out[:-k, :] |= across[k:, :]
    return out


def _runs(cx: np.ndarray, cy: np.ndarray, order: np.ndarray, chosen: np.ndarray) -> list[Run]:
    """The chosen cells as runs down their columns (consecutive cy of one cx)."""
    order = order[chosen[order]]
    x, y = cx[order], cy[order]
    if not x.size:
        return []
    breaks = np.nonzero((np.diff(x) != 0) | (np.diff(y) != 1))[0]
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, x.size - 1]
    return list(zip(x[starts].tolist(), y[starts].tolist(), y[ends].tolist(), strict=True))


def _grown(box: Box, metres: float) -> Box | None:
    """The box grown by at least `metres` on the spheroid each way, or None beyond the judged area."""
    west, south, east, north = box
    dlat = metres / METRES_PER_DEGREE
    south, north = south - dlat, north + dlat
    if max(abs(south), abs(north)) > MAX_LATITUDE:
        return None
    dlon = metres / (METRES_PER_DEGREE * math.cos(math.radians(max(abs(south), abs(north)))))
    west, east = west - dlon, east + dlon
    if east - west > MAX_SPAN_DEGREES or west < -180 or east > 180:
        return None
    return west, south, east, north


def _plane(area: Box) -> tuple[pyproj.Transformer, float, float]:
    """A transverse Mercator plane centred on the area (scale 1 on its meridian), and the smallest
    and largest scale over the area (sampled on a grid through its centre: the scale only grows away
    from the central meridian), each widened by a millionth."""
    west, south, east, north = area
    crs = pyproj.CRS.from_proj4(f"+proj=tmerc +lat_0={(south + north) / 2} +lon_0={(west + east) / 2} +k=1"
                                " +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs")
    lons, lats = np.meshgrid(np.linspace(west, east, 17), np.linspace(south, north, 17))
    factors = pyproj.Proj(crs).get_factors(lons.ravel(), lats.ravel())
    k_min = float(np.min(factors.tissot_semiminor)) * (1 - 1e-6)
    k_max = float(np.max(factors.tissot_semimajor)) * (1 + 1e-6)
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True), k_min, k_max


def _longitude(mx: np.ndarray) -> np.ndarray:
    return mx * 180 / MERCATOR_HALF  # tiles.cells.longitude, on arrays


def _mercator_y(lat: np.ndarray) -> np.ndarray:
    return np.log(np.tan(np.radians(45 + lat / 2))) * MERCATOR_HALF / np.pi  # tiles.cells.mercator_y, on arrays


def _latitude(my: np.ndarray) -> np.ndarray:
    return np.degrees(2 * np.arctan(np.exp(my * np.pi / MERCATOR_HALF))) - 90  # tiles.cells.latitude
