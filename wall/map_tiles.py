"""The tiles the wall's maps ask for, rendered ahead into the tile cache (`make run` queues it).

Each map layer's tile URL is its TileJSON's `/tiles/<slug>/{z}/{x}/{y}.pbf?v=…[&datetime=start/end]`
(wall/static/wall/maps.js), and every map draws the basemap's tiles under them;
the datetime filter is the scene's window, so a scene with a fixed reference time (`as_of`, as the
demo scenes have) asks for the same windowed tiles all day and they can be seeded. A live scene's
window moves every minute: its windowed layers are left out, seeding them would be stale at once.
Tiles go through `tiles.delivery.fetch_tile`, the function the tile view calls, so they land under
the keys the wall's requests look up (layer versions, the caller's access scope, the filters).
"""

import math
from collections.abc import Callable, Iterable
from typing import Any

from layers.access import Caller, access_scope, visible_layers
from layers.extent import province_bounds
from tiles.delivery import fetch_tile
from tiles.grid import Tile, tiles_covering
from tiles.seeding import SeedReport
from tiles.sources import TILE_FIELDS, parse_slugs, source_for, visible_named_layers
from tiles.styles import BASEMAP_LAYERS
from wall.models import Scene
from wall.panels import map_panels

# Screens are 16:9; a map panel's shape on the canvas follows from its cells.
SCREEN_ASPECT = 16 / 9
# MapLibre fits the bbox with 10 px of padding; a little more than the panel's shape covers it.
MARGIN = 0.08
Bbox = tuple[float, float, float, float]


def _merc_y(lat: float) -> float:
    return math.asinh(math.tan(math.radians(lat)))


def _lat(y: float) -> float:
    return math.degrees(math.atan(math.sinh(y)))


def view_bbox(bbox: list[float], aspect: float) -> Bbox:
    """What a map showing `bbox` fitted into a panel `aspect` (width / height) wide really shows:
    the bbox widened (in Web Mercator, as MapLibre draws) in the direction the panel has room."""
    west, south, east, north = bbox
    width, bottom, top = math.radians(east - west), _merc_y(south), _merc_y(north)
    height = top - bottom
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    width, height = width * (1 + MARGIN), height * (1 + MARGIN)
    middle_lon, middle_y = (west + east) / 2, (bottom + top) / 2
    half_lon = math.degrees(width) / 2
    return (middle_lon - half_lon, _lat(middle_y - height / 2),
            middle_lon + half_lon, _lat(middle_y + height / 2))


def _aspect(panel: dict[str, Any], layout: dict[str, Any]) -> float:
    grid, screens = layout["grid"], layout.get("screens") or layout["grid"]
    canvas = SCREEN_ASPECT * screens["cols"] / screens["rows"]
    return canvas * (panel["cols"] / grid["cols"]) / (panel["rows"] / grid["rows"])


def basemap_tileset(user: Caller) -> str:
    """The basemap's tileset as `user`'s maps ask for it (tiles.styles.basemap_style): the basemap
    layers `user` may see, in the style's order, as one composite ("" when none)."""
    seen = set(visible_layers(user).filter(slug__in=BASEMAP_LAYERS).values_list("slug", flat=True))
    return ",".join(slug for slug in BASEMAP_LAYERS if slug in seen)


def wanted_tiles(scenes: Iterable[Scene], user: Caller, zooms: list[int]) -> dict[tuple[str, str], set[Tile]]:
    """(tileset: a layer slug or the basemap's composite, datetime filter or "") → the tiles of `zooms`
    that `user`'s walls ask for."""
    wanted: dict[tuple[str, str], set[Tile]] = {}
    basemap = basemap_tileset(user)
    for scene in scenes:
        panels, live = map_panels(scene, user)
        for panel in panels:
            # A map without a bbox of its own shows the province (the page's config tells the script).
            area = view_bbox(panel["data"]["bbox"] or list(province_bounds()), _aspect(panel, scene.layout))
            drawn = [(layer["slug"], layer["datetime"] or "") for layer in panel["data"]["layers"]
                     if not (layer["datetime"] and live)]
            for key in drawn + ([(basemap, "")] if basemap else []):
                tiles = wanted.setdefault(key, set())
                for z in zooms:
                    tiles.update(tiles_covering(area, z))
    return wanted


def seed_map_tiles(*, user: Caller, zooms: list[int], scenes: Iterable[Scene] | None = None,
                   progress: Callable[[SeedReport], None] | None = None) -> SeedReport:
    """Render into the cache every tile `user`'s walls will ask for at `zooms` (default: every
    scene's maps). Tiles already cached are counted, not rendered again."""
    wanted = wanted_tiles(Scene.objects.all() if scenes is None else scenes, user, zooms)
    report = SeedReport(total=sum(len(tiles) for tiles in wanted.values()))
    scope = access_scope(user)
    for (slug, window), tiles in sorted(wanted.items()):
        layers = visible_named_layers(user, parse_slugs(slug), fields=TILE_FIELDS)
        source = source_for(layers, "pbf", {"datetime": window} if window else {})
        for tile in sorted(tiles, key=lambda t: (t.z, t.y, t.x)):
            body = fetch_tile(source, tile, "pbf", scope=scope)
            if body.cached:
                report.cached += 1
            else:
                report.rendered += 1
            report.empty += body.empty
            report.per_zoom[tile.z] = report.per_zoom.get(tile.z, 0) + 1
            if progress is not None:
                progress(report)
    return report

