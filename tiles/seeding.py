"""Pre-render chosen tilesets over an area (the wall's views) into the tile cache."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from layers.access import Caller, access_scope
from layers.errors import InvalidParameter
from tiles import generalize
from tiles.delivery import fetch_tile
from tiles.grid import Tile, tiles_covering
from tiles.sources import TileSource, parse_slugs, source_for, visible_named_layers
from tiles.tilejson import bounds as source_bounds


@dataclass
class SeedReport:
    total: int = 0
    rendered: int = 0
    cached: int = 0
    empty: int = 0
    per_zoom: dict[int, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.rendered + self.cached


def parse_zooms(raw: str) -> list[int]:
    """"8-12", "10" or "8,10,12" → sorted zooms within TILES_MIN_ZOOM..TILES_MAX_ZOOM."""
    zooms: set[int] = set()
    try:
        for part in raw.split(","):
            low, _sep, high = part.partition("-")
            zooms.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise InvalidParameter(_("Zooms look like 8-12, 10 or 8,10,12.")) from None
    if not zooms or min(zooms) < settings.TILES_MIN_ZOOM or max(zooms) > settings.TILES_MAX_ZOOM:
        raise InvalidParameter(_("Zooms must lie within %(a)s–%(b)s.") % {"a": settings.TILES_MIN_ZOOM,
                                                                         "b": settings.TILES_MAX_ZOOM})
    return sorted(zooms)


def plan(source: TileSource, zooms: list[int], bbox: tuple[float, float, float, float]) -> list[Tile]:
    """The tiles of each zoom that touch both `bbox` and the tileset's extent."""
    box = source_bounds(source)
    area = (max(bbox[0], box[0]), max(bbox[1], box[1]), min(bbox[2], box[2]), min(bbox[3], box[3]))
    if area[0] > area[2] or area[1] > area[3]:
        return []
    return [tile for z in zooms for tile in tiles_covering(area, z)]


def seed(
    *, user: Caller, tilesets: list[str], zooms: list[int], bbox: tuple[float, float, float, float] | None = None,
    progress: Callable[[SeedReport], None] | None = None,
) -> SeedReport:
    """Render every tile of `tilesets` (each "slug" or "a,b" for a composite) at `zooms` within
    `bbox` (default TILES_SEED_BBOX) as `user` would ask for them, so they are cached under the
    same keys. Dense layers get their cluster levels built first."""
    bbox = tuple(bbox or settings.TILES_SEED_BBOX)
    jobs: list[tuple[TileSource, str, list[Tile]]] = []
    for tileset in tilesets:
        layers = visible_named_layers(user, parse_slugs(tileset))
        fmt = "png" if layers[0].kind == "raster" else "pbf"
        source = source_for(layers, fmt, {})
        jobs.append((source, fmt, plan(source, zooms, bbox)))
        for layer in layers:
            if generalize.needs_clusters(layer):
                generalize.build_clusters(layer)
    report = SeedReport(total=sum(len(tiles) for _s, _f, tiles in jobs))
    for source, fmt, tiles in jobs:
        for tile in tiles:
            _seed_one(source, fmt, tile, user, report)
            if progress is not None:
                progress(report)
    return report


def _seed_one(source: TileSource, fmt: str, tile: Tile, user: Caller, report: SeedReport) -> None:
    body = fetch_tile(source, tile, fmt, scope=access_scope(user))
    if body.cached:
        report.cached += 1
    else:
        report.rendered += 1
    if body.empty:
        report.empty += 1
    report.per_zoom[tile.z] = report.per_zoom.get(tile.z, 0) + 1


def progress_bar(report: SeedReport, width: int = 40) -> str:
    share = report.done / report.total if report.total else 1.0
    filled = int(width * share)
    return (f"[{'#' * filled}{'.' * (width - filled)}] {report.done}/{report.total} tiles"
            f" ({report.rendered} rendered, {report.cached} already cached, {report.empty} empty)")


