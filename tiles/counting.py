"""Exact counts of a dense point layer in a box or a polygon from its precomputed cluster cells
(tiles.generalize), so the layer panel's counts of a province view and a zone summary's cost a few
thousand index entries and the features of the border instead of a scan of a million points.
Asked by analysis.counts and analysis.summaries (above tiles), which call these functions directly.

How, for a box (WGS 84) and a layer version with ready cells:
- at the finest level, the cells *inside* the box are those whose every point lies strictly inside it,
  with a margin of a millionth of a cell (`_inside`); they form a rectangle of cell numbers. Its middle
  is taken from coarser levels (the cells of zoom z - 1 whose four cells are all inside, `_nested`):
  the coarsest rectangle whole, then at each finer level only its frame around the one above (at most
  four rectangles, each an index range on (layer, version, z, cx, cy)), their `n` added up.
- the features of the box outside the finest rectangle (the border) are counted themselves: those in
  four strips along the box's sides (the GiST index), in the box by `ST_Intersects` (as the plain
  count), whose finest cell — the same expression that built the cells, tiles.cells — is not in the
  rectangle.
For a polygon, one level is used (`count_points_in_polygon`): a cell is inside when its box, grown a
little, is in the polygon's interior; the features of the cells that meet its boundary are counted.
Every feature in the area is thus counted once: in the cell that holds it if that cell is inside, else
as a border feature. Exact, not approximate, and only for layers of Points (a point is its own bounding
box's centre; a line or polygon may meet the area while its centre is outside). The statement answers
NULL when the layer has moved to another version or its levels are not all ready: the caller then
counts plainly.
"""

import math
from collections.abc import Iterator

import numpy as np
import shapely
from django.conf import settings

from layers import query as features
from layers.models import Layer
from layers.query import Sql
from layers.replicas import reading_connection
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
# A cell's box is grown by this much (degrees, ~0.1 mm) before it is tested inside a polygon: far above
# the rounding of the centre's arithmetic, so a point outside the polygon is never in a cell taken whole.
CELL_GROW = 1e-9
# A polygon is counted on the finest level whose cells span its box in at most this many cells a side
# (each cell's box is tested in the polygon; the statement holds a range per column's run of cells inside).
MAX_SIDE = 64

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
    box = features.envelope(bbox)
    # A side's partial cells more than half inside the box are counted whole, less their features
    # beyond the box: fewer features to count than those inside them.
    outer = _grown(bbox, top, finest)
    ranges += [(top, piece) for piece in _around(outer, finest)]
    border = _border_count(layer_id, box, _strips(bbox, top, outer), top, counted=[outer])
    if outer != finest:
        border = "(" + border + ") - (" + _beyond_count(layer_id, box, _beyond(bbox, top, outer), top, outer) + ")"
    return _count(layer_id, version, ranges, border)


def count_points_in_polygon(layer_id: int, version: int, geometry_type: str, feature_count: int,
                            wkb: bytes) -> int | None:
    """Features of the layer in a polygon given as WKB in EPSG:4326 (as `ST_Intersects(geom, zone)`
    counts them), or None when the cells cannot answer. One level: the finest whose cells span the
    polygon's box in at most MAX_SIDE cells a side. A cell counts whole when its box, grown by
    CELL_GROW, is in the polygon's interior (shapely, on the same coordinates); the features of the
    box's other cells and of its edges are counted themselves."""
    if geometry_type != "Point" or feature_count <= settings.TILES_MAX_FEATURES:
        return None
    zone = shapely.from_wkb(bytes(wkb))
    if zone.geom_type not in ("Polygon", "MultiPolygon") or zone.is_empty or not zone.is_valid:
        return None
    bbox = zone.bounds
    for z in range(settings.TILES_CLUSTER_MAX_ZOOM, settings.TILES_MIN_ZOOM - 1, -1):
        rect = _inside(bbox, z)
        if rect is None or max(rect[1] - rect[0], rect[3] - rect[2]) < MAX_SIDE:
            break
    if rect is None or min(rect[1] - rect[0], rect[3] - rect[2]) + 1 < MIN_CELLS:
        return None
    x0, x1, y0, y1 = rect
    size = cells.cell_size(z)
    lons = np.array([cells.longitude(cx * size - MERCATOR_HALF) for cx in range(x0, x1 + 2)])  # western sides, then the east
    lats = np.array([cells.latitude(MERCATOR_HALF - cy * size) for cy in range(y0, y1 + 2)])  # northern sides, then the south
    shapely.prepare(zone)
    west, south, east, north = lons[None, :-1], lats[1:, None], lons[None, 1:], lats[:-1, None]
    # 2: the cell is in the polygon (counted whole), 1: it may hold some of the polygon's points (its
    # features are counted), 0: it holds none of them.
    kind = np.where(
        shapely.contains_properly(zone, shapely.box(west - CELL_GROW, south - CELL_GROW, east + CELL_GROW, north + CELL_GROW)),
        2, shapely.intersects(zone, shapely.box(west - STRIP_OVERLAP, south - STRIP_OVERLAP,
                                                 east + STRIP_OVERLAP, north + STRIP_OVERLAP)).astype(int))
    # Runs down each column: one cx and a range of cy is a tight range of the (…, z, cx, cy) index.
    ranges, boxes = [], _strips(bbox, z, rect)
    for col in range(kind.shape[1]):
        for first, last, value in _runs(kind[:, col]):
            if value == 2:
                ranges.append((z, (x0 + col, x0 + col, y0 + first, y0 + last)))
            elif value == 1:
                boxes.append((lons[col] - STRIP_OVERLAP, lats[last + 1] - STRIP_OVERLAP,
                              lons[col + 1] + STRIP_OVERLAP, lats[first] + STRIP_OVERLAP))
    if not ranges:
        return None
    area = Sql("ST_GeomFromWKB(%s, 4326)", [bytes(wkb)])
    return _count(layer_id, version, ranges, _border_count(layer_id, area, boxes, z, counted=[r for _z, r in ranges]))


def _runs(row) -> Iterator[tuple[int, int, int]]:
    """(first, last, value) of each run of equal values in a row."""
    first = 0
    for i in range(1, len(row) + 1):
        if i == len(row) or row[i] != row[first]:
            yield first, i - 1, int(row[first])
            first = i


# A run of cells down one column of a level: cx, first cy, last cy.
Run = tuple[int, int, int]


def occupied_cells(layer_id: int, version: int, z: int) -> tuple[list[int], list[int], list[int]] | None:
    """The cells of zoom z holding features of the layer's `version`, as three lists (cx, cy, n), or
    None unless the layer is still at that version with all its levels ready (the caller then counts
    plainly)."""
    statement = ("SELECT (" + _ready(layer_id, version) + " THEN true END), a.cx, a.cy, a.n FROM (" + Sql(
        f"SELECT array_agg(c.cx) AS cx, array_agg(c.cy) AS cy, array_agg(c.n) AS n FROM {ClusterCell._meta.db_table}"
        " AS c WHERE c.layer_id = %s AND c.version = %s AND c.z = %s", [layer_id, version, z]) + ") AS a")
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        ready, cx, cy, n = cur.fetchone()
    return (cx or [], cy or [], n or []) if ready else None


def count_in_cells(layer_id: int, version: int, z: int, whole: list[Run], probed: list[Run],
                   condition: Sql, still: Sql) -> int | None:
    """The features of the cells `whole` (counted from the cells, each wholly meeting the condition)
    plus those of the cells `probed` that meet `condition` (a test on the feature `f`), in one
    statement; None unless the layer is still at `version` with its levels ready and `still` holds
    (what the cells were judged on has not changed). The runs are of zoom z and hold no cell twice."""
    border = "SELECT count(*) FROM " + features_of_cells(layer_id, z, probed) + " WHERE " + condition
    return _count(layer_id, version, [(z, (cx, cx, first, last)) for cx, first, last in whole], border, still)


def features_of_cells(layer_id: int, z: int, runs: list[Run]) -> Sql:
    """The features of the layer whose cell of zoom z (tiles.cells, as tiles.generalize computed it)
    is in one of the runs, as a relation `f` with the columns id, geom and properties: one GiST probe
    per run (its box reaching STRIP_OVERLAP beyond it), each feature from its own cell's run only."""
    size = cells.cell_size(z)
    west = [cells.longitude(cx * size - MERCATOR_HALF) - STRIP_OVERLAP for cx, _a, _b in runs]
    east = [cells.longitude((cx + 1) * size - MERCATOR_HALF) + STRIP_OVERLAP for cx, _a, _b in runs]
    north = [cells.latitude(MERCATOR_HALF - first * size) + STRIP_OVERLAP for _cx, first, _b in runs]
    south = [cells.latitude(MERCATOR_HALF - (last + 1) * size) - STRIP_OVERLAP for _cx, _a, last in runs]
    cell, cell_params = cells.level_cell_sql(z)
    return (
        Sql("unnest(%s::int[], %s::int[], %s::int[], %s::float8[], %s::float8[], %s::float8[], %s::float8[])"
            " AS r(cx, cy0, cy1, west, south, east, north) CROSS JOIN LATERAL ("
            f"SELECT k.id, k.geom, k.properties FROM (SELECT {cell}, p.id, p.geom, p.properties FROM (",
            [[r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs], west, south, east, north, *cell_params])
        + features.select(Sql("f.id, f.geom, f.properties, " + cells.CENTRE_SQL, cells.CENTRE_PARAMS), features.where([
            features.in_layer(layer_id), Sql("f.geom && ST_MakeEnvelope(r.west, r.south, r.east, r.north, 4326)")]))
        + ") AS p) AS k WHERE k.cx = r.cx AND k.cy BETWEEN r.cy0 AND r.cy1) AS f"
    )


def _ready(layer_id: int, version: int) -> Sql:
    """`CASE WHEN` the layer is at `version` and all its levels of that version are ready (the
    caller writes THEN … END)."""
    top, bottom = settings.TILES_CLUSTER_MAX_ZOOM, settings.TILES_MIN_ZOOM
    return Sql(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM " + Layer._meta.db_table + " WHERE id = %s AND version = %s)"
        f" AND (SELECT count(*) FROM {ClusterLevel._meta.db_table}"
        "      WHERE layer_id = %s AND version = %s AND grid = %s AND ready AND z BETWEEN %s AND %s) = %s",
        [layer_id, version, layer_id, version, cells.grid(), bottom, top, top - bottom + 1])


def _count(layer_id: int, version: int, ranges: list[tuple[int, Rect]], border: Sql,
           still: Sql = features.TRUE) -> int | None:
    """The cells' sum over the ranges plus the border's count, in one statement (one snapshot); None
    unless the layer is still at `version` and all its levels of that version are ready."""
    # One index scan per rectangle (LATERAL), one descent per column (cx = ANY): an OR of them would
    # scan the whole version's cells, a join with them may be hashed over all of them, and a range of
    # cx reads every cy of those columns.
    levels, x0, x1, y0, y1 = zip(*((z, *rect) for z, rect in ranges)) if ranges else ((),) * 5
    cell_sum = Sql(
        "SELECT coalesce(sum(s.n), 0) FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[])"
        " AS r(z, x0, x1, y0, y1) CROSS JOIN LATERAL ("
        f"SELECT sum(c.n) AS n FROM {ClusterCell._meta.db_table} AS c"
        " WHERE c.layer_id = %s AND c.version = %s AND c.z = r.z"
        " AND c.cx = ANY(ARRAY(SELECT generate_series(r.x0, r.x1)))"
        " AND c.cy BETWEEN r.y0 AND r.y1) AS s",
        [list(levels), list(x0), list(x1), list(y0), list(y1), layer_id, version],
    )
    statement = _ready(layer_id, version) + " AND " + still + " THEN (" + cell_sum + ") + (" + border + ") END"
    # For this statement only (SET LOCAL, one implicit transaction, one round trip), as for tiles
    # (tiles.mvt): no parallel query, whose workers' start costs more here than the scans they share.
    statement = "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; " + statement
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, statement.params)
        for _set in range(2):  # past the SETs
            cur.nextset()
        (count,) = cur.fetchone()
    return None if count is None else int(count)


def _edges(z: int, rect: Rect) -> tuple[float, float, float, float]:
    """West, south, east and north of the cells `rect` of zoom z, in degrees."""
    size = cells.cell_size(z)
    x0, x1, y0, y1 = rect
    return (cells.longitude(x0 * size - MERCATOR_HALF), cells.latitude(MERCATOR_HALF - (y1 + 1) * size),
            cells.longitude((x1 + 1) * size - MERCATOR_HALF), cells.latitude(MERCATOR_HALF - y0 * size))


def _strips(bbox: tuple[float, float, float, float], z: int, rect: Rect) -> list[tuple]:
    """Boxes covering the box outside the cells `rect` of zoom z, reaching STRIP_OVERLAP into them: one
    per side of the box the cells do not reach."""
    west, south, east, north = bbox
    inner_west, inner_south, inner_east, inner_north = _edges(z, rect)
    strips = [
        (inner_west > west, (west, south, inner_west + STRIP_OVERLAP, north)),
        (inner_east < east, (inner_east - STRIP_OVERLAP, south, east, north)),
        (inner_south > south, (west, south, east, inner_south + STRIP_OVERLAP)),
        (inner_north < north, (west, inner_north - STRIP_OVERLAP, east, north)),
    ]
    return [strip for needed, strip in strips if needed]


def _grown(bbox: tuple[float, float, float, float], z: int, rect: Rect) -> Rect:
    """The rectangle with, on each side, the row or column of cells the box's side cuts when more than
    half of it (and less than all, by far more than the rounding) is inside the box."""
    west, south, east, north = bbox
    if south < -MAX_LATITUDE or north > MAX_LATITUDE:
        return rect
    size, last = cells.cell_size(z), (1 << z) * cells.grid() - 2
    x0, x1, y0, y1 = rect

    def more_than_half(inside_metres: float) -> bool:
        return 0.5 < inside_metres / size < 0.999

    return (
        x0 - 1 if x0 > 1 and more_than_half(x0 * size - MERCATOR_HALF - cells.mercator_x(west)) else x0,
        x1 + 1 if x1 < last and more_than_half(cells.mercator_x(east) - ((x1 + 1) * size - MERCATOR_HALF)) else x1,
        y0 - 1 if y0 > 1 and more_than_half(cells.mercator_y(north) - (MERCATOR_HALF - y0 * size)) else y0,
        y1 + 1 if y1 < last and more_than_half(MERCATOR_HALF - (y1 + 1) * size - cells.mercator_y(south)) else y1,
    )


def _around(outer: Rect, rect: Rect) -> list[Rect]:
    """The cells of `outer` that are not in `rect` (which it holds), as at most four rectangles."""
    x0, x1, y0, y1 = outer
    a0, a1, b0, b1 = rect
    pieces = ((x0, a0 - 1, y0, y1), (a1 + 1, x1, y0, y1), (a0, a1, y0, b0 - 1), (a0, a1, b1 + 1, y1))
    return [p for p in pieces if p[0] <= p[1] and p[2] <= p[3]]


def _beyond(bbox: tuple[float, float, float, float], z: int, outer: Rect) -> list[tuple]:
    """Boxes covering the cells `outer` outside the box (they reach beyond it on its grown sides)."""
    west, south, east, north = bbox
    o_west, o_south, o_east, o_north = _edges(z, outer)
    ov = STRIP_OVERLAP
    sides = [
        (o_west < west, (o_west - ov, o_south - ov, west + ov, o_north + ov)),
        (o_east > east, (east - ov, o_south - ov, o_east + ov, o_north + ov)),
        (o_south < south, (o_west - ov, o_south - ov, o_east + ov, south + ov)),
        (o_north > north, (o_west - ov, north - ov, o_east + ov, o_north + ov)),
    ]
    return [side for needed, side in sides if needed]


def _beyond_count(layer_id: int, box: Sql, boxes: list[tuple], z: int, outer: Rect) -> Sql:
    """The features of the cells `outer` of zoom z (as tiles.generalize computed them) that are not in
    the box, among those of `boxes`."""
    candidates = features.where([
        features.in_layer(layer_id),
        "(" + _either(features.overlaps_bbox(b) for b in boxes) + ")",
        "NOT ST_Intersects(f.geom, " + box + ")",
    ])
    cell, cell_params = cells.level_cell_sql(z)
    return (
        Sql(f"SELECT count(*) FROM (SELECT {cell} FROM (", cell_params)
        + features.select(Sql(cells.CENTRE_SQL, cells.CENTRE_PARAMS), candidates)
        + Sql(") AS p) AS k WHERE coalesce(k.cx BETWEEN %s AND %s AND k.cy BETWEEN %s AND %s, false)", list(outer))
    )


def _border_count(layer_id: int, area: Sql, boxes: list[tuple], z: int, counted: list[Rect]) -> Sql:
    """The features that meet `area` (ST_Intersects, as the plain count), among those of the boxes
    (the GiST index), whose cell of zoom z — as tiles.generalize computed it — is in no rectangle of
    `counted` (those the cells' sum holds)."""
    if not boxes:  # the counted cells reach beyond every side of the area
        return Sql("SELECT 0")
    candidates = features.where([
        features.in_layer(layer_id),
        "(" + _either(features.overlaps_bbox(box) for box in boxes) + ")",
        "ST_Intersects(f.geom, " + area + ")",
    ])
    cell, cell_params = cells.level_cell_sql(z)
    in_counted = _either(
        Sql("(k.cx BETWEEN %s AND %s AND k.cy BETWEEN %s AND %s)", list(rect)) for rect in counted)
    return (
        Sql(f"SELECT count(*) FROM (SELECT {cell} FROM (", cell_params)
        + features.select(Sql(cells.CENTRE_SQL, cells.CENTRE_PARAMS), candidates)
        + ") AS p) AS k WHERE NOT coalesce(" + in_counted + ", false)"
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
    x0 = max(1, math.floor((cells.mercator_x(west) + MERCATOR_HALF) / size + MARGIN) + 1)
    x1 = min(last, math.ceil((cells.mercator_x(east) + MERCATOR_HALF) / size - MARGIN) - 2)
    y0 = max(1, math.floor((MERCATOR_HALF - cells.mercator_y(north)) / size + MARGIN) + 1)
    y1 = min(last, math.ceil((MERCATOR_HALF - cells.mercator_y(south)) / size - MARGIN) - 2)
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


def _either(parts) -> Sql:
    """The parts joined by OR in one piece (Sql.join re-reads the text at each step: a polygon's
    hundred boxes took milliseconds)."""
    parts = list(parts)
    return Sql(" OR ".join(p.text for p in parts), [v for p in parts for v in p.params])

