"""Get a tile from the cache or render it once, compress it once and keep it.

The layers come from the one access function, asked through tiles.sources, or from what it answered
before for the same caller scope and slugs (tiles.access_memo) when the catalog has not changed since:
then a cached tile costs one Redis round trip (the token and the tile together) and no query, and a
tile rendered without a Redis cache costs its render statement only.
"""

import gzip
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from layers.access import Caller, access_scope
from layers.errors import ApiError
from layers.models import Kind
from tiles import access_memo, generalize, queueing
from tiles.cache import CachedTile, NoStore, RedisStore, etag_of, layer_identity, tile_key, tile_store
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
        try:
            return found.source, fetch_tile(found.source, tile, fmt, scope=scope, key=found.key, entry=found.entry,
                                             catalog_token=found.catalog_token)
        except access_memo.StaleEntry:
            pass  # the catalog changed since the answer was remembered: ask again
    tokens = access_memo.current_tokens()  # before the query: a change after it replaces the tokens
    layers = visible_named_layers(user, slugs, fields=TILE_FIELDS)
    access_memo.remember(scope, slugs, tokens, layers, TILE_FIELDS)
    source = source_for(layers, fmt, params)
    return source, fetch_tile(source, tile, fmt, scope=scope)


@dataclass(frozen=True)
class Remembered:
    """A tile request answered from the access memo: the source, the cache key and entry (None when
    not cached), and the PostgreSQL catalog token the render must still see (None when the Redis
    token was checked already)."""

    source: TileSource
    key: str
    entry: CachedTile | None
    catalog_token: int | None


def remembered(scope: str, slugs: list[str], tile: Tile, fmt: str, params: dict[str, str]) -> Remembered | None:
    """From the access memo, when it still holds what the access function answered for this scope
    and these slugs: the tile source, its cache key and what the cache holds, with no query. None when
    the memo has no current answer, or when the filters do not parse (deliver_tile answers those from
    the database's rows; tiles.edge leaves them to it).

    Current means: the Redis token, read with the tile in one round trip when tiles are kept in
    Redis, equals the entry's. Else, for a vector tile that is not cached, the render statement checks
    the PostgreSQL copy (fetch_tile raises access_memo.StaleEntry), and Redis is not asked at all."""
    entry = access_memo.recall(scope, slugs)
    if entry is None:
        return None
    try:
        source = source_for(entry.layers(), fmt, params)
    except ApiError:
        return None
    key = _key(source, scope, tile, fmt)
    store = tile_store()
    if isinstance(store, RedisStore):
        cached, token = store.get_with(key, access_memo.token_key())
    else:
        cached = store.get(key)
        if cached is None and entry.db_token is not None and source.kind == Kind.VECTOR:
            return Remembered(source, key, None, entry.db_token)
        token = access_memo.current_token()
    if token != entry.token:
        return None
    return Remembered(source, key, cached, None)


def _key(source: TileSource, scope: str, tile: Tile, fmt: str) -> str:
    return tile_key(layers=source.layers, scope=scope, z=tile.z, x=tile.x, y=tile.y, fmt=fmt, filters=source.filters)


def fetch_tile(source: TileSource, tile: Tile, fmt: str, *, scope: str, key: str | None = None,
               entry: CachedTile | None | object = _UNREAD, catalog_token: int | None = None) -> TileBody:
    """The tile for a caller of this access scope (already allowed to see source's layers), cached
    or rendered. `key` and `entry` when the caller has already looked in the cache; `catalog_token`
    when the render must check that the catalog has not changed (see remembered)."""
    store = tile_store()
    key = key or _key(source, scope, tile, fmt)
    if entry is _UNREAD:
        entry = store.get(key)
    if entry is not None:
        return TileBody(entry, cached=True)
    rendered = source.render(tile, fmt, catalog_token=catalog_token)
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
            and store.add_flag(f"tiles-clusters:{db}:{layer_identity(layer)}", _CLUSTER_REQUEST_TTL)
        ):
            queueing.request_clusters(layer)
