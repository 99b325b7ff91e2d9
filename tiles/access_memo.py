"""What the one access function answered for a tile URL, remembered per process, so a cached tile
is served with one Redis round trip and no database query — and still never after a change that
would refuse it or change its version.

An entry is keyed by (database, the caller's access scope, the URL's slugs) and holds the tile fields
of the layers that layers.access.visible_layers gave, with the catalog token read *before* that query.
Every change to a layer row or to a layer's groups replaces the token (tiles.apps connects the
receivers); a request uses an entry only if the token it reads now equals the entry's. So a visibility
flip, a group change or a version bump is seen by every process on its next request. The caller's side
is in the key: the same scope sees the same layers (layers.access.access_scope).

The token is random, not a counter: after a Redis restart a counter could come back to an old value
and validate a stale entry. It is replaced once at the change and once more after commit: a reader
between the two may have remembered the rows of before the commit under the first token.

Entries are used only outside transactions: inside one, a reader may see rows that are not committed
(and may be rolled back, which replaces no token). An entry also expires after MAX_AGE seconds, which
bounds the damage of a change made while Redis was unreachable (or by hand in psql).

The token has a copy in PostgreSQL, the sequence tiles_catalog_token, bumped at the same moments.
A tile that is not in the cache is rendered by a statement that also reads that sequence
(tiles.mvt.render_mvt): when the entry's copy is still current the tile stands, else StaleEntry is
raised and the caller asks the access function. So an uncached vector tile needs no Redis round
trip at all (TILES_CACHE=disk or none); a cached one is checked against the Redis token, read with
the tile.
"""

import contextlib
import logging
import marshal
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from layers.models import Layer

log = logging.getLogger(__name__)

MAX_AGE = 30.0  # seconds
MAX_ENTRIES = 4096  # per process; forgotten all at once beyond (slug sets are few)


# Read in the render statement of a remembered tile (tiles.mvt), and before asking the access function.
# (A new sequence's last_value is already its first value: is_called tells whether nextval ran.)
DB_TOKEN_SQL = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM tiles_catalog_token"


class StaleEntry(Exception):
    """The catalog changed since the entry a tile was rendered from: the tile must not be served."""


@dataclass(frozen=True)
class Tokens:
    """The catalog token as read before asking the access function: Redis's and PostgreSQL's copies."""

    redis: bytes | None
    db: int | None


@dataclass(frozen=True)
class Entry:
    token: bytes
    db_token: int | None
    fields: tuple[str, ...]
    rows: tuple[tuple, ...]  # one per layer, in URL order
    at: float

    def layers(self) -> list[Layer]:
        # Fresh instances with their own copies of style and schema: requests never share a Layer.
        return [Layer.from_db(connection.alias, self.fields, [_thaw(v) for v in row]) for row in self.rows]


class _Json(bytes):
    """A JSON field's value (dicts, lists, scalars), kept marshalled: thawing it is a fast deep copy."""


def _freeze(value):
    return _Json(marshal.dumps(value)) if isinstance(value, (dict, list)) else value


def _thaw(value):
    return marshal.loads(value) if isinstance(value, _Json) else value


_entries: dict[tuple[str, str, tuple[str, ...]], Entry] = {}


def token_key() -> str:
    return f"tiles-catalog:{connection.settings_dict['NAME']}"


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def client() -> redis.Redis:
    """The Redis next to the tile cache (TILES_CACHE_URL), whatever TILES_CACHE stores tiles in."""
    return _client(settings.TILES_CACHE_URL)


def usable() -> bool:
    return not connection.in_atomic_block


def recall(scope: str, slugs: list[str]) -> Entry | None:
    """The entry for this scope and these slugs, not yet checked against the current token."""
    if not usable():
        return None
    entry = _entries.get((connection.settings_dict["NAME"], scope, tuple(slugs)))
    if entry is None or time.monotonic() - entry.at > MAX_AGE:
        return None
    return entry


def current_token() -> bytes | None:
    """The catalog token in Redis, set if missing. None when Redis does not answer."""
    try:
        token = client().get(token_key())
        if token is None:
            client().set(token_key(), secrets.token_hex(8), nx=True)
            token = client().get(token_key())
    except redis.RedisError:
        return None
    return token


def current_tokens() -> Tokens:
    """Both copies of the catalog token: read them *before* asking the database. Redis's is None
    when Redis does not answer (then nothing is remembered); PostgreSQL's when the sequence cannot
    be read (then remembered tiles are checked against Redis's only)."""
    redis_token = current_token()
    db_token = None
    if redis_token is not None and usable():
        try:
            with connection.cursor() as cur:
                cur.execute(DB_TOKEN_SQL)
                db_token = cur.fetchone()[0]
        except DatabaseError:
            log.exception("could not read the tile catalog token in PostgreSQL")
    return Tokens(redis_token, db_token)


def remember(scope: str, slugs: list[str], tokens: Tokens, layers: list[Layer], fields: tuple[str, ...]) -> None:
    if tokens.redis is None or not usable():
        return
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    names = ("id", *fields)
    rows = tuple(tuple(_freeze(getattr(layer, "pk" if f == "id" else f)) for f in names) for layer in layers)
    _entries[(connection.settings_dict["NAME"], scope, tuple(slugs))] = Entry(
        tokens.redis, tokens.db, names, rows, time.monotonic())


def replace_token() -> None:
    """A layer row or a layer's groups changed: every remembered answer is void, now and after commit."""
    _replace()
    transaction.on_commit(_replace)


def _replace() -> None:
    try:
        client().set(token_key(), secrets.token_hex(8))
    except redis.RedisError:
        # The change itself stands; remembered answers then live at most MAX_AGE seconds.
        log.error("could not replace the tile catalog token in Redis; remembered layer answers expire in %ss",
                  MAX_AGE)
    _bump_db_token()
    _entries.clear()


def _bump_db_token() -> None:
    """nextval, in a savepoint when inside a transaction: a failure must not undo the change."""
    savepoint = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with savepoint, connection.cursor() as cur:
            cur.execute("SELECT nextval('tiles_catalog_token')")
    except DatabaseError:
        # Only before the migration that creates it: then no entry holds a PostgreSQL token either.
        log.exception("could not bump the tile catalog token in PostgreSQL")


def on_layer_change(sender, **kwargs) -> None:
    """Receiver for every signal that means a layer row or its groups changed."""
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed: the post_ action follows
    replace_token()
