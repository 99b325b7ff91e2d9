"""Read replicas (DATABASE_REPLICA_URLS): read-only work goes to a streaming replica of the primary.

What is read-only is decided once, for the whole request, by its method: a GET, HEAD or OPTIONS
request (tiles, GeoJSON, the OGC API, summaries, wall data, pages — whatever app serves it) runs in
a read-only context (`ReadOnlyApplication`, around the WSGI application so that tiles.edge and
streamed bodies are inside it too). A view that must see the primary even so (a job's status polled
right after its upload, the health check) says `primary_only` (`PrimaryOnlyMiddleware`). Nothing lists
modules: a new read endpoint is routed by being a GET.

Inside the context:
- the ORM reads through `ReplicaRouter`, raw SQL of the read paths through `reading_connection()`;
- the first write (any `db_for_write`) or an open transaction on the primary sends every later read
  of the request to the primary: reads after a write see it;
- the replica is chosen at the first read and kept for the request: one that does not answer (down
  for REPLICA_RETRY_S after a failure) or whose catalog is behind the primary's (a layer there has an
  older version, or a layer is missing or still there: `_catalog`) is skipped; with none left, the
  primary serves.
Identity and sessions (auth, sessions, API tokens, admin, contenttypes, the audit log) are always
read from the primary: a session made a moment ago must not look signed out on a replica that has not replayed it.
"""

import contextvars
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

PRIMARY = "default"
_PRIMARY_APPS = frozenset({"auth", "sessions", "admin", "contenttypes", "pghistory"})
_PRIMARY_MODELS = frozenset({"layers.apitoken"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class _Reading:
    alias: str | None = None  # the replica chosen for the request (or PRIMARY), once a read asked
    primary: bool = False  # a write happened, or the view wants the primary


_reading: contextvars.ContextVar[_Reading | None] = contextvars.ContextVar("geo_ioc_reading", default=None)
# Replicas that failed to answer, and until when (time.monotonic) they are not tried again.
_down_until: dict[str, float] = {}


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@contextmanager
def read_only() -> Iterator[None]:
    """Reads inside may go to a replica (see the module's note)."""
    token = _reading.set(_Reading())
    try:
        yield
    finally:
        _reading.reset(token)


def use_primary() -> None:
    """From now on, this request reads from the primary (a write happened, or its view asks)."""
    state = _reading.get()
    if state is not None:
        state.primary = True


def reading_alias() -> str:
    """The database alias the current read goes to."""
    state = _reading.get()
    if state is None or state.primary or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if state.alias is None:
        state.alias = _choose()
    return state.alias


def reading_connection():
    """The connection for raw SQL of a read path (`with reading_connection().cursor() as cur`)."""
    return connections[reading_alias()]


def _choose() -> str:
    aliases = [a for a in replica_aliases() if _down_until.get(a, 0) <= time.monotonic()]
    if not aliases:
        return PRIMARY
    primary = _catalog(PRIMARY)
    for alias in random.sample(aliases, len(aliases)):  # spread the requests over the replicas
        try:
            if _catalog(alias) == primary:
                return alias
        except DatabaseError:
            connections[alias].close()
            _down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_S
    return PRIMARY


def _catalog(alias: str) -> tuple[int, int, int]:
    """A digest of every layer's version in the catalog of `alias`. Versions only grow and a replica
    can only be behind its primary, so equal digests mean no layer is older (or missing, or not yet
    deleted) on the replica."""
    from layers.models import Layer
    from django.db.models import Count, Sum

    digest = Layer.objects.using(alias).aggregate(n=Count("id"), ids=Sum("id"), versions=Sum("version"))
    return digest["n"], digest["ids"] or 0, digest["versions"] or 0


class ReplicaRouter:
    """DATABASE_ROUTERS: reads per `reading_alias`, every write to the primary (which also sends the
    request's later reads there), migrations on the primary only."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label in _PRIMARY_APPS or model._meta.label_lower in _PRIMARY_MODELS:
            return PRIMARY
        return reading_alias()

    def db_for_write(self, model, **hints) -> str:
        use_primary()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, **hints) -> bool:
        return db == PRIMARY


class ReadOnlyApplication:
    """WSGI wrapper: a GET, HEAD or OPTIONS request runs, body included, in a read-only context."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not replica_aliases() or environ.get("REQUEST_METHOD") not in _SAFE_METHODS:
            return self.app(environ, start_response)
        return _reading_body(self.app, environ, start_response)


def _reading_body(app: Callable, environ: dict, start_response: Callable) -> Iterator[bytes]:
    with read_only():
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()


def primary_only(view: Callable) -> Callable:
    """Mark a view whose reads must see the primary even on a GET (see `PrimaryOnlyMiddleware`)."""
    view.primary_only = True
    return view


class PrimaryOnlyMiddleware:
    """Sends the reads of views marked `primary_only` (function views, or a class view's `as_view()`
    of a class with `primary_only = True`) to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
        if getattr(view_func, "primary_only", False) or getattr(view_class, "primary_only", False):
            use_primary()
        return None
