"""Get a tile from the cache or render it once, compress it once and keep it.

The layers come from the one access function, asked through tiles.sources, or from what it answered
before for the same caller scope and slugs (tiles.access_memo) when the catalog has not changed since:
then a cached tile costs one Redis round trip (the token and the tile together) and no query.
"""

import gzip
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from layers.access import Caller, access_scope
from layers.errors import ApiError
from tiles import access_memo, generalize
from tiles.cache import CachedTile, NoStore, RedisStore, TileStore, etag_of, tile_key, tile_store
from tiles.grid import Tile
from tiles.mvt import RenderedTile
from tiles.sources import TILE_FIELDS, TileSource, source_for, visible_named_layers

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


_UNREAD = object()


def deliver_tile(
    user: Caller, slugs: list[str], tile: Tile, fmt: str, params: dict[str, str]
) -> tuple[TileSource, TileBody]:
    """The layers `user` may see under these slugs (LayerNotFound if any is hidden or missing), with
    `params` parsed as their filters, and their tile, cached or rendered."""
    scope = access_scope(user)
    found = remembered(scope, slugs, tile, fmt, params)
    if found is not None:
        source, key, entry = found
        return source, fetch_tile(source, tile, fmt, scope=scope, key=key, entry=entry)
    token = access_memo.current_token()  # before the query: a change after it replaces the token
    layers = visible_named_layers(user, slugs, fields=TILE_FIELDS)
    access_memo.remember(scope, slugs, token, layers, TILE_FIELDS)
    source = source_for(layers, fmt, params)
    return source, fetch_tile(source, tile, fmt, scope=scope)


def remembered(
    scope: str, slugs: list[str], tile: Tile, fmt: str, params: dict[str, str]
) -> tuple[TileSource, str, CachedTile | None] | None:
    """From the access memo, when it still holds what the access function answered for this scope
    and these slugs: the tile source, its cache key and the cached entry (None when not cached), in
    one Redis round trip and no query. None when the memo has no current answer, or when the filters
    do not parse (deliver_tile answers those from the database's rows; tiles.edge leaves them to it)."""
    entry = access_memo.recall(scope, slugs)
    if entry is None:
        return None
    try:
        source = source_for(entry.layers(), fmt, params)
    except ApiError:
        return None
    key = _key(source, scope, tile, fmt)
    cached, token = _get_with_token(tile_store(), key)
    if token != entry.token:
        return None
    return source, key, cached


def _key(source: TileSource, scope: str, tile: Tile, fmt: str) -> str:
    return tile_key(layers=source.layers, scope=scope, z=tile.z, x=tile.x, y=tile.y, fmt=fmt, filters=source.filters)


def _get_with_token(store: TileStore, key: str) -> tuple[CachedTile | None, bytes | None]:
    if isinstance(store, RedisStore):
        return store.get_with(key, access_memo.token_key())
    return store.get(key), access_memo.current_token()


def fetch_tile(source: TileSource, tile: Tile, fmt: str, *, scope: str, key: str | None = None,
               entry: CachedTile | None | object = _UNREAD) -> TileBody:
    """The tile for a caller of this access scope (already allowed to see source's layers), cached
    or rendered. `key` and `entry` when the caller has already looked in the cache."""
    store = tile_store()
    key = key or _key(source, scope, tile, fmt)
    if entry is _UNREAD:
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
