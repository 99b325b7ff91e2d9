"""What a tile URL names: one layer or a composite of several, its filters, and how to draw it.

The layers come from the one access function (layers.access.visible_layers): a layer the caller may
not see is answered exactly like a layer that does not exist.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from layers.access import Caller, visible_layers
from layers.errors import InvalidDatetime, LayerNotFound, NotFound, UnknownParameter
from layers.filters import FeatureQuery, parse_feature_query
from layers.models import Access, Kind, Layer, TimeKind
from tiles import mvt, raster
from tiles.grid import RASTER_FORMATS, Tile

MAX_LAYERS = 20
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")
# Meaningful for GeoJSON pages, not for tiles.
_NOT_FOR_TILES = frozenset({"bbox", "limit", "after", "f", "format", "crs"})
TILE_PARAMS = frozenset({"v"})


class FormatNotAvailable(NotFound):
    code = "format_not_available"


@dataclass(frozen=True)
class TileSource:
    layers: list[Layer]
    queries: list[FeatureQuery]

    @property
    def kind(self) -> str:
        return self.layers[0].kind

    @property
    def slugs(self) -> str:
        return ",".join(layer.slug for layer in self.layers)

    @property
    def public(self) -> bool:
        return all(layer.access == Access.PUBLIC for layer in self.layers)

    @property
    def version(self) -> str:
        """What `?v=` carries: the layer versions joined by '.' (one per layer of a composite)."""
        return ".".join(str(layer.version) for layer in self.layers)

    @property
    def filters(self) -> str:
        """Canonical text of the filters, for cache keys: equal filters give equal text."""
        parts = []
        for layer, q in zip(self.layers, self.queries):
            if q.is_filtered or q.properties is not None:
                equals = json.dumps(q.equals, sort_keys=True, ensure_ascii=False)
                parts.append(f"{layer.pk}|{q.start and q.start.isoformat()}|{q.end and q.end.isoformat()}"
                             f"|{equals}|{q.properties}")
        return ";".join(parts)

    def render(self, tile: Tile, fmt: str, *, catalog_token: int | None = None) -> mvt.RenderedTile | bytes:
        """`catalog_token`: see tiles.mvt.render_mvt (vector tiles only)."""
        if self.kind == Kind.RASTER:
            assert catalog_token is None, "a raster render has no statement to check the catalog token in"
            return raster.render_raster(self.layers[0], tile, fmt)
        parts = [mvt.LayerPart(layer, q) for layer, q in zip(self.layers, self.queries)]
        return mvt.render_mvt(parts, tile, catalog_token=catalog_token)


def parse_slugs(raw: str) -> list[str]:
    """`a` or `a,b,c` (order kept, duplicates dropped). A malformed slug cannot name a layer, so it
    is answered as unknown without asking the database."""
    slugs = list(dict.fromkeys(s for s in raw.split(",")))
    if not slugs or len(slugs) > MAX_LAYERS or not all(_SLUG.match(s) for s in slugs):
        raise LayerNotFound()
    return slugs


# What drawing a tile needs of a layer: not its extent (a geometry to parse) nor its texts.
TILE_FIELDS = ("slug", "kind", "geometry_type", "property_schema", "style", "access", "time_kind", "version",
               "feature_count", "raster_path", "created_at")


def visible_named_layers(user: Caller, slugs: list[str], *, fields: tuple[str, ...] = ()) -> list[Layer]:
    """The layers `user` may see under these slugs, in URL order; LayerNotFound if any is missing
    or hidden (one query). `fields` limits what is loaded."""
    layers = visible_layers(user).filter(slug__in=slugs)
    found = {layer.slug: layer for layer in (layers.only(*fields) if fields else layers)}
    if len(found) != len(slugs):
        raise LayerNotFound()
    return [found[s] for s in slugs]


def source_for(layers: list[Layer], fmt: str, params: Mapping[str, str]) -> TileSource:
    wants_raster = fmt in RASTER_FORMATS
    for layer in layers:
        if (layer.kind == Kind.RASTER) != wants_raster:
            raise FormatNotAvailable(
                _("Layer %(slug)s has no %(fmt)s tiles.") % {"slug": layer.slug, "fmt": fmt}
            )
    if wants_raster and len(layers) > 1:
        raise FormatNotAvailable(_("Raster layers are served one at a time."))
    return TileSource(layers, _parse_queries(layers, params))


def _parse_queries(layers: list[Layer], params: Mapping[str, str]) -> list[FeatureQuery]:
    refused = sorted(k for k in params if k in _NOT_FOR_TILES)
    if refused:
        raise UnknownParameter(
            _("%(names)s cannot be used with tiles.") % {"names": ", ".join(refused)},
            fields={k: [_("Not a tile parameter.")] for k in refused},
        )
    filters = {k: v for k, v in params.items() if k not in TILE_PARAMS}
    if layers[0].kind == Kind.RASTER:
        if filters:
            raise UnknownParameter(_("Raster tiles take no filters."), fields={k: [_("Unknown.")] for k in filters})
        return [FeatureQuery()]
    if len(layers) == 1:
        return [parse_feature_query(layers[0], filters, extra_reserved=TILE_PARAMS)]
    # A composite takes only a datetime, applied to its layers that have time.
    others = sorted(k for k in filters if k != "datetime")
    if others:
        raise UnknownParameter(
            _("A composite tile takes only datetime; filter by property on a single layer's tiles."),
            fields={k: [_("Not available on a composite.")] for k in others},
        )
    timed = [layer for layer in layers if layer.time_kind != TimeKind.NONE]
    if "datetime" in filters and not timed:
        raise InvalidDatetime(_("None of these layers has time, so they cannot be filtered by datetime."))
    return [
        parse_feature_query(layer, filters if layer.time_kind != TimeKind.NONE else {}, extra_reserved=TILE_PARAMS)
        for layer in layers
    ]
