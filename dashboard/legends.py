"""Legends of raster layers: their colormap sampled into a few CSS colours, so the layer panel draws
the same ramp the raster tiles are painted with (rio-tiler's colormaps, named in the layer style)."""

from rio_tiler.colormap import cmap

from layers.access import Caller, visible_layers
from layers.models import Kind
from tiles.raster import DEFAULT_COLORMAP

STOPS = 6


def _hex(rgba: tuple[int, ...]) -> str:
    red, green, blue = rgba[:3]
    return f"#{red:02x}{green:02x}{blue:02x}"


def raster_ramps(user: Caller) -> dict[str, list[str]]:
    """slug → colours from the low to the high end of each visible raster layer's rescale range."""
    ramps = {}
    for slug, style in visible_layers(user).filter(kind=Kind.RASTER).values_list("slug", "style"):
        name = (style or {}).get("colormap", DEFAULT_COLORMAP)
        if name not in cmap.list():
            continue
        colours = cmap.get(name)
        ramps[slug] = [_hex(colours[round(i * 255 / (STOPS - 1))]) for i in range(STOPS)]
    return ramps
