"""Get a tile from the cache or render it once, compress it once and keep it."""

import gzip
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from layers.access import Caller, access_scope
from tiles import generalize
from tiles.cache import CachedTile, NoStore, etag_of, tile_key, tile_store
from tiles.grid import Tile
from tiles.mvt import RenderedTile
from tiles.sources import TileSource

# How long one request for a cluster build holds back the next (seconds).
_CLUSTER_REQUEST_TTL = 600


@dataclass
class TileBody:
    entry: CachedTile
    cached: bool  # True when it came from the cache

    @property
    def empty(self) -> bool:
        return not self.entry.body

    def identity(self) -> bytes:
        return gzip.decompress(self.entry.body) if self.entry.gzipped else self.entry.body


def fetch_tile(source: TileSource, tile: Tile, fmt: str, *, user: Caller) -> TileBody:
    """The tile for this caller (already allowed to see source's layers), cached or rendered."""
    store = tile_store()
    key = tile_key(layers=source.layers, scope=access_scope(user), z=tile.z, x=tile.x, y=tile.y, fmt=fmt,
                   filters=source.filters)
    entry = store.get(key)
    if entry is not None:
        return TileBody(entry, cached=True)
    rendered = source.render(tile, fmt)
    if isinstance(rendered, RenderedTile):
        _ask_for_clusters(source, rendered)
        data = rendered.data
        if isinstance(store, NoStore) or not data:
            # Nothing will be kept: compress only if the client asks (tiles.http).
            entry = CachedTile(etag_of(data), data, gzipped=False)
        else:
            body = gzip.compress(data, compresslevel=settings.TILES_GZIP_LEVEL, mtime=0)
            entry = CachedTile(etag_of(data), body, gzipped=True)
    else:
        entry = CachedTile(etag_of(rendered), rendered, gzipped=False)
    store.set(key, entry)
    return TileBody(entry, cached=False)


def _ask_for_clusters(source: TileSource, rendered: RenderedTile) -> None:
    """A tile clustered live from an unfiltered layer means its precomputed levels are missing for
    this version: queue their build once (the flag expires, the task is idempotent)."""
    if source.filters:
        return
    store = tile_store()
    db = connection.settings_dict["NAME"]
    for layer in source.layers:
        if (
            rendered.modes.get(layer.slug) == "clusters-live"
            and generalize.needs_clusters(layer)
            and store.add_flag(f"tiles-clusters:{db}:{layer.pk}:{layer.version}", _CLUSTER_REQUEST_TTL)
        ):
            generalize.request_clusters(layer)
