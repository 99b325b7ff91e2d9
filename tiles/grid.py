"""The Web Mercator tile grid (EPSG:3857, z/x/y as in XYZ/Slippy maps) and the checks that turn an
impossible address into a 4xx before anything touches the database."""

import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from layers.errors import InvalidParameter, NotFound

VECTOR_FORMATS = ("pbf", "mvt")
RASTER_FORMATS = ("png", "webp")
# Half the side of the EPSG:3857 square, in metres.
MERCATOR_HALF = 20037508.342789244


class InvalidTile(InvalidParameter):
    code = "invalid_tile"


class UnknownFormat(NotFound):
    code = "unknown_format"


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    def __str__(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"

    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north in WGS 84 degrees."""
        n = 2.0**self.z
        west = self.x / n * 360.0 - 180.0
        east = (self.x + 1) / n * 360.0 - 180.0
        north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * self.y / n))))
        south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (self.y + 1) / n))))
        return west, south, east, north

    def mercator_bounds(self) -> tuple[float, float, float, float]:
        """minx, miny, maxx, maxy in EPSG:3857 metres."""
        side = 2 * MERCATOR_HALF / (1 << self.z)
        minx = -MERCATOR_HALF + self.x * side
        maxy = MERCATOR_HALF - self.y * side
        return minx, maxy - side, minx + side, maxy

    def intersects(self, bbox: tuple[float, float, float, float]) -> bool:
        west, south, east, north = self.bounds()
        return not (bbox[0] > east or bbox[2] < west or bbox[1] > north or bbox[3] < south)


def parse_tile(z: str, x: str, y: str) -> Tile:
    """z/x/y from the URL. Raises InvalidTile for non-integers and addresses outside the grid."""
    if not (z.isdigit() and x.isdigit() and y.isdigit()) or max(len(z), len(x), len(y)) > 8:
        raise InvalidTile(_("z, x and y must be whole numbers, e.g. /tiles/schools/12/3237/1916.pbf."))
    tile = Tile(int(z), int(x), int(y))
    if not settings.TILES_MIN_ZOOM <= tile.z <= settings.TILES_MAX_ZOOM:
        raise InvalidTile(
            _("Zoom %(z)s is outside %(min)s–%(max)s.")
            % {"z": tile.z, "min": settings.TILES_MIN_ZOOM, "max": settings.TILES_MAX_ZOOM},
            fields={"z": [_("Out of range.")]},
        )
    side = 1 << tile.z
    if tile.x >= side or tile.y >= side:
        raise InvalidTile(
            _("At zoom %(z)s, x and y go from 0 to %(last)s.") % {"z": tile.z, "last": side - 1},
            fields={"x" if tile.x >= side else "y": [_("Out of range.")]},
        )
    return tile


def parse_format(raw: str, *, allowed: tuple[str, ...] = VECTOR_FORMATS + RASTER_FORMATS) -> str:
    fmt = raw.lower()
    if fmt not in allowed:
        raise UnknownFormat(
            _("Unknown tile format '%(f)s'. Use one of: %(allowed)s.") % {"f": raw[:10], "allowed": ", ".join(allowed)}
        )
    return "pbf" if fmt == "mvt" else fmt


def tiles_covering(bbox: tuple[float, float, float, float], z: int) -> list[Tile]:
    """Every tile of zoom z that touches bbox (WGS 84 degrees), row by row."""
    west, south, east, north = bbox
    n = 1 << z

    def col(lon: float) -> int:
        return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

    def row(lat: float) -> int:
        lat = max(min(lat, 85.0511287798), -85.0511287798)
        r = math.radians(lat)
        return min(n - 1, max(0, int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * n)))

    return [Tile(z, x, y) for y in range(row(north), row(south) + 1) for x in range(col(west), col(east) + 1)]
