"""The cluster grid, written once: tiles.mvt draws clusters from it (live or precomputed) and
tiles.generalize precomputes it, so the two cannot drift apart.

A tile of zoom z is cut into TILES_CLUSTER_CELLS × TILES_CLUSTER_CELLS cells. Cells are in EPSG:3857
metres, numbered from the north-west corner of the Mercator square (cx eastwards, cy southwards): a
tile x, y of zoom z holds the cells x·N .. x·N + N - 1, y·N .. y·N + N - 1 of that zoom, and a cell of
zoom z - 1 is four cells of zoom z (cx // 2, cy // 2). A feature belongs to the one cell that holds the
centre of its bounding box, computed with the spherical Mercator formulas on lon/lat (SRID 4326):
arithmetic on a million points is cheaper than PROJ.

The SQL pieces are text with `%s` placeholders and the list of their values, in order, as the tile
statements are built (tiles.mvt); they read the feature columns from the alias `f` and the centre
columns `mx`, `my` from the alias `p`.
"""

import math

from django.conf import settings

from layers.models import Layer
from tiles.grid import MERCATOR_HALF, Tile

# Property types a cluster sums (as `sum_<name>`).
NUMERIC = ("integer", "number")

# The centre of a feature's bounding box in EPSG:3857 metres, as the columns mx and my.
CENTRE_SQL = (
    "(ST_XMin(f.geom) + ST_XMax(f.geom)) / 2 * %s / 180 AS mx,"
    " ln(tan(radians(45 + (ST_YMin(f.geom) + ST_YMax(f.geom)) / 4))) * %s AS my"
)
CENTRE_PARAMS = (MERCATOR_HALF, MERCATOR_HALF / math.pi)


# The same spherical Mercator formulas in Python, and their inverses (tiles.counting works out which
# cells lie inside an area with them): degrees ↔ EPSG:3857 metres.
def mercator_x(lon: float) -> float:
    return lon * MERCATOR_HALF / 180


def mercator_y(lat: float) -> float:
    return math.log(math.tan(math.radians(45 + lat / 2))) * MERCATOR_HALF / math.pi


def longitude(mx: float) -> float:
    return mx * 180 / MERCATOR_HALF


def latitude(my: float) -> float:
    return math.degrees(2 * math.atan(math.exp(my * math.pi / MERCATOR_HALF))) - 90
# The cell of zoom z - 1 that holds a cell of zoom z (integer division).
PARENT_SQL = "c.cx / 2, c.cy / 2"


def grid() -> int:
    """Cells per tile side (TILES_CLUSTER_CELLS, a power of two: tiles.checks)."""
    return settings.TILES_CLUSTER_CELLS


def cell_size(z: int) -> float:
    """The side of a cell of zoom z, in metres."""
    return 2 * MERCATOR_HALF / (1 << z) / grid()


def cell_sql(west: float, north: float, size: float) -> tuple[str, list]:
    """Column and row (cx, cy) of the cell holding a centre (p.mx, p.my), counted from (west, north)
    in cells of `size` metres: from the world's corner for the cell numbers of a level
    (level_cell_sql), from a tile's for the cells inside it (tile_cell_sql). One expression for both;
    the two origins can only disagree for a centre within a rounding error of a cell's border."""
    return "floor((p.mx - %s) / %s) AS cx, floor((%s - p.my) / %s) AS cy", [west, size, north, size]


def level_cell_sql(z: int) -> tuple[str, list]:
    """The cell numbers (cx, cy) of zoom z of a centre, as stored in tiles_clustercell
    (p.mx - -MERCATOR_HALF is exactly p.mx + MERCATOR_HALF in floating point)."""
    return cell_sql(-MERCATOR_HALF, MERCATOR_HALF, cell_size(z))


def tile_cell_sql(tile: Tile) -> tuple[str, list]:
    """The cell of a centre counted from the tile's corner: 0 .. grid() - 1 inside the tile."""
    minx, _miny, maxx, maxy = tile.mercator_bounds()
    return cell_sql(minx, maxy, (maxx - minx) / grid())


def tile_cells(tile: Tile) -> tuple[int, int, int, int]:
    """First and last cx, first and last cy of the cells of the tile's zoom inside the tile."""
    n = grid()
    return tile.x * n, tile.x * n + n - 1, tile.y * n, tile.y * n + n - 1


def counting_cell(tile: Tile) -> tuple[int, int, int] | None:
    """The one cell (z, cx, cy) that is exactly the tile, of zoom z - log2(grid()) and numbered as
    the tile; None for tiles of lower zooms, whose count sums their own zoom's cells."""
    level = tile.z - (grid().bit_length() - 1)
    return (level, tile.x, tile.y) if level >= 0 else None


def position_sql(mx: str, my: str, tile: Tile, extent: int) -> tuple[str, list]:
    """A point at metres (mx, my) in the tile's units (`extent` per side, y downwards), on the unit
    grid as ST_AsMVTGeom would put it. One unit for both axes (a tile is square): the tile's height
    computed from its bounds differs from its width in the last bits for about half the tiles."""
    minx, _miny, maxx, maxy = tile.mercator_bounds()
    unit = (maxx - minx) / extent
    return f"ST_SnapToGrid(ST_MakePoint(({mx} - %s) / %s, (%s - {my}) / %s), 1)", [minx, unit, maxy, unit]


def tile_properties(layer: Layer) -> list[str]:
    """The properties a tile of the layer carries: the schema's first TILES_MAX_ATTRIBUTES (a statement's
    target list holds at most 1,664 columns, so a very wide layer's tiles carry the first ones)."""
    return [p["name"] for p in layer.property_schema[:settings.TILES_MAX_ATTRIBUTES]]


# A cluster's sums are stored by jsonb_build_object (tiles.generalize), which takes at most 100
# arguments: a name and a value per sum.
MAX_CLUSTER_SUMS = 50


def numeric_names(layer: Layer) -> list[str]:
    """The numeric properties whose sums a cluster carries (`sum_<name>`): the first MAX_CLUSTER_SUMS
    of those a tile carries."""
    carried = set(tile_properties(layer))
    return [p["name"] for p in layer.property_schema
            if p["type"] in NUMERIC and p["name"] in carried][:MAX_CLUSTER_SUMS]


def sum_sql(name: str, prefix: str) -> tuple[str, list]:
    """The sum of a property over a cell's features; values that are not JSON numbers are ignored."""
    return (
        f"sum(CASE WHEN jsonb_typeof({prefix}properties -> %s) = 'number'"
        f" THEN ({prefix}properties ->> %s)::float8 END)",
        [name, name],
    )
