"""Exact counts of a dense point layer in a box from its precomputed cluster cells (tiles.generalize),
so the layer panel's counts of a province view cost a few thousand index entries instead of a scan of
a million points. Registered with layers.counts at app ready (tiles.apps): `layers` asks, `tiles`
answers, and `layers` never imports `tiles`.

How, for a box (WGS 84) and a layer version with ready cells:
- at each level z, the cells *inside* the box are those whose every point lies strictly inside it,
  with a margin of a millionth of a cell (`_inside`); they form a rectangle of cell numbers, and the
  rectangle of a finer level holds the one of the level above. The cells' `n` are added level by
  level: the coarsest rectangle whole, then at each finer level only its frame around the one above
  (at most four rectangles, each an index range on (layer, version, z, cx, cy)).
- the features of the box outside the finest rectangle (the border) are counted themselves: those in
  four strips along the box's sides (the GiST index), exactly in the box (ST_Intersects, as the plain
  count), whose finest cell — the same expression that built the cells, tiles.cells — is not in the
  rectangle.
Every feature of the box is thus counted once: in the cell that holds it if that cell is inside, else
in the border. Exact, not approximate, and only for layers of Points (a point is its own bounding
box's centre; a line or polygon may be in the box while its centre is not). The statement answers
NULL when the layer has moved to another version or its levels are not all ready: the caller then
counts plainly.
"""

import math
from collections.abc import Iterator

from django.conf import settings
from django.db import connection

from layers import query as features
from layers.models import Layer
from layers.query import Sql
from tiles import cells
from tiles.grid import MERCATOR_HALF
from tiles.models import ClusterCell, ClusterLevel

# A cell is inside the box when its sides are at least this fraction of a cell within the box's: far
# above the rounding of the centre's arithmetic (~1e-9 m), so a point outside the box is never in a
# cell taken as inside.
MARGIN = 1e-6
# The strips along the box's sides reach this far (degrees, ~1 cm) into the finest rectangle, so a
# point near its border is always in a strip and its own cell decides.
STRIP_OVERLAP = 1e-7
# The finest rectangle must be at least this many cells a side: a smaller box costs less counted plainly.
MIN_CELLS = 4
# Latitudes the cell arithmetic is taken on (beyond, Mercator y grows without bound); a box reaching
# further has its inside computed on the clamped box, which only makes it smaller.
MAX_LATITUDE = 85.0

Rect = tuple[int, int, int, int]  # first and last cx, first and last cy


def count_points_in_bbox(layer_id: int, version: int, geometry_type: str, feature_count: int,
                         bbox: tuple[float, float, float, float]) -> int | None:
    """Features of the layer in the box (as `ST_Intersects(geom, box)` counts them), or None when the
    cells cannot answer: not a point layer, too small to have cells, a box too small, stale cells."""
    if geometry_type != "Point" or feature_count <= settings.TILES_MAX_FEATURES:
        return None
    top, bottom = settings.TILES_CLUSTER_MAX_ZOOM, settings.TILES_MIN_ZOOM
    finest = _inside(bbox, top)
    if finest is None or min(finest[1] - finest[0], finest[3] - finest[2]) + 1 < MIN_CELLS:
        return None
    ranges = list(_frames(_nested(finest, bottom, top)))
    cell_sum = (
        Sql(f"SELECT coalesce(sum(c.n), 0) FROM {ClusterCell._meta.db_table} AS c"
            " WHERE c.layer_id = %s AND c.version = %s AND (", [layer_id, version])
        + Sql(" OR ").join(
            Sql("(c.z = %s AND c.cx BETWEEN %s AND %s AND c.cy BETWEEN %s AND %s)", [z, *rect]) for z, rect in ranges)
        + ")"
    )
    statement = (
        Sql("SELECT CASE WHEN EXISTS (SELECT 1 FROM " + Layer._meta.db_table + " WHERE id = %s AND version = %s)"
            f" AND (SELECT count(*) FROM {ClusterLevel._meta.db_table}"
            "      WHERE layer_id = %s AND version = %s AND grid = %s AND ready AND z BETWEEN %s AND %s) = %s"
            " THEN (", [layer_id, version, layer_id, version, cells.grid(), bottom, top, top - bottom + 1])
        + cell_sum + ") + (" + _border_count(layer_id, bbox, top, finest) + ") END"
    )
    with connection.cursor() as cur:
        cur.execute(statement.text, statement.params)
        (count,) = cur.fetchone()
    return None if count is None else int(count)


def _border_count(layer_id: int, bbox: tuple[float, float, float, float], z: int, rect: Rect) -> Sql:
    """The features in the box whose cell of zoom z is not in `rect`: those of four strips."""
    west, south, east, north = bbox
    size = cells.cell_size(z)
    x0, x1, y0, y1 = rect
    inner_west, inner_east = _lon(x0 * size - MERCATOR_HALF), _lon((x1 + 1) * size - MERCATOR_HALF)
    inner_north, inner_south = _lat(MERCATOR_HALF - y0 * size), _lat(MERCATOR_HALF - (y1 + 1) * size)
    strips = [
        (west, south, inner_west + STRIP_OVERLAP, north),
        (inner_east - STRIP_OVERLAP, south, east, north),
        (west, south, east, inner_south + STRIP_OVERLAP),
        (west, inner_north - STRIP_OVERLAP, east, north),
    ]
    box = features.envelope(bbox)
    candidates = features.where([
        features.in_layer(layer_id),
        "(" + Sql(" OR ").join(features.overlaps_bbox(strip) for strip in strips) + ")",
        "ST_Intersects(f.geom, " + box + ")",
    ])
    cell, cell_params = cells.level_cell_sql(z)
    return (
        Sql(f"SELECT count(*) FROM (SELECT {cell} FROM (", cell_params)
        + features.select(Sql(cells.CENTRE_SQL, cells.CENTRE_PARAMS), candidates)
        + Sql(") AS p) AS k WHERE NOT coalesce(k.cx BETWEEN %s AND %s AND k.cy BETWEEN %s AND %s, false)", list(rect))
    )


def _inside(bbox: tuple[float, float, float, float], z: int) -> Rect | None:
    """The cells of zoom z wholly and strictly inside the box, or None. The outermost cells of the
    Mercator square are never taken: the coarser levels are built by integer division, which sends the
    cell -1 of a point beyond 85° to the cell 0 of the level above (and _nested keeps that so)."""
    west, south, east, north = bbox
    south, north = max(south, -MAX_LATITUDE), min(north, MAX_LATITUDE)
    if not (-180 <= west < east <= 180 and south < north):
        return None
    size, last = cells.cell_size(z), (1 << z) * cells.grid() - 2
    x0 = max(1, math.floor((_mx(west) + MERCATOR_HALF) / size + MARGIN) + 1)
    x1 = min(last, math.ceil((_mx(east) + MERCATOR_HALF) / size - MARGIN) - 2)
    y0 = max(1, math.floor((MERCATOR_HALF - _my(north)) / size + MARGIN) + 1)
    y1 = min(last, math.ceil((MERCATOR_HALF - _my(south)) / size - MARGIN) - 2)
    return (x0, x1, y0, y1) if x0 <= x1 and y0 <= y1 else None


def _nested(finest: Rect, bottom: int, top: int) -> dict[int, Rect]:
    """The inside rectangle of each level from the finest up: the cells of zoom z - 1 whose four
    cells of zoom z are all inside, so the rectangles nest exactly (and never hold a cell 0)."""
    rects = {top: finest}
    for z in range(top - 1, bottom - 1, -1):
        x0, x1, y0, y1 = rects[z + 1]
        rect = ((x0 + 1) // 2, (x1 + 1) // 2 - 1, (y0 + 1) // 2, (y1 + 1) // 2 - 1)
        if rect[0] > rect[1] or rect[2] > rect[3]:
            break
        rects[z] = rect
    return rects


def _frames(rects: dict[int, Rect]) -> Iterator[tuple[int, Rect]]:
    """(z, rectangle) pairs covering the finest rectangle once: the coarsest rectangle whole, then at
    each finer level its rectangle less the cells of the level above's (at most four pieces)."""
    levels = sorted(rects)
    yield levels[0], rects[levels[0]]
    for z in levels[1:]:
        x0, x1, y0, y1 = rects[z]
        up = rects[z - 1]
        a0, a1, b0, b1 = up[0] * 2, up[1] * 2 + 1, up[2] * 2, up[3] * 2 + 1
        for piece in ((x0, a0 - 1, y0, y1), (a1 + 1, x1, y0, y1), (a0, a1, y0, b0 - 1), (a0, a1, b1 + 1, y1)):
            if piece[0] <= piece[1] and piece[2] <= piece[3]:
                yield z, piece


def _mx(lon: float) -> float:
    return lon * MERCATOR_HALF / 180


def _my(lat: float) -> float:
    return math.log(math.tan(math.radians(45 + lat / 2))) * MERCATOR_HALF / math.pi


def _lon(mx: float) -> float:
    return mx * 180 / MERCATOR_HALF


def _lat(my: float) -> float:
    return math.degrees(2 * math.atan(math.exp(my * math.pi / MERCATOR_HALF))) - 90
