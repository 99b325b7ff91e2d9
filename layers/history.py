"""A layer's history: who changed it, when, what, from which version to which; the versions it had
before a replace, kept so that a steward can roll back; and a deleted layer, restorable for a while.

- The audit log is django-pghistory's `LayerEvent`: database triggers copy the catalog row at each
  creation, change and deletion, so no writer can skip it, and refuse any UPDATE or DELETE of the log.
  Each event carries the context of its change (`changes`: the user and path of a request, given by
  pghistory's middleware, or an import job and its mode): `entries` reads it back with the version
  before and after.
- A replace (an import, a rollback) keeps the version it replaces (`keep_replaced`): its partition is
  detached from the feature store and renamed, not dropped (layers.storage.swap), its raster file kept;
  the newest LAYERS_KEEP_VERSIONS of them stay. Appends, upserts and edits change the live partition in
  place and keep nothing (their previous state is the log's, not a table's).
- A deletion (layers.catalog.delete_layer) keeps the layer's partition, file and catalog row alike.
- `rollback` makes a kept version live again as a NEW version (the one it replaces is kept in turn, so
  a rollback can be rolled back); `restore` brings a deleted layer back, with its id, its groups and
  its features, within LAYERS_DELETED_GRACE_DAYS; `sweep` (a periodic task) drops what is past that,
  and the tables of import jobs that died and were never retried.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pghistory
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from layers import storage
from layers.access import Caller, can_see_deleted, can_write_deleted, get_writable_layer
from layers.catalog import bump_version, layer_row, publish_changes
from layers.errors import LayerNotFound, PermissionDenied, SlugInUse, VersionNotKept
from layers.models import KeptReason, KeptVersion, Kind, Layer

_IMPORT_LOCK_CLASS = 7301  # layers.imports.jobs holds this advisory lock while it runs a job
_IMPORT_TABLE = "layers_feature_import_"


@contextmanager
def change(action: str, **details: Any) -> Iterator[None]:
    """Tag the layer changes made inside with `action` (and `details`) in the audit log; nested
    inside a request's context, the user and path stay."""
    with pghistory.context(action=action, **details):
        yield


def _user_id(user: Caller) -> int | None:
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None


# The audit log, read back.

@dataclass(frozen=True)
class Entry:
    at: datetime
    event: str  # created, changed, deleted
    action: str  # import.replace, rollback, restore, … or the request's path
    user: int | None
    version_before: int | None
    version_after: int
    details: dict[str, Any]


def entries(layer_id: int, *, limit: int = 200) -> list[Entry]:
    """The layer's audit log, newest first: each event with the version before (the previous event's)
    and after it."""
    events = list(
        apps.get_model("layers", "LayerEvent").objects.filter(pgh_obj_id=layer_id).select_related("pgh_context")
        .order_by("-pgh_id")[: limit + 1]
    )
    out = []
    for i, event in enumerate(events[:limit]):
        previous = events[i + 1] if i + 1 < len(events) else None
        context = dict(event.pgh_context.metadata) if event.pgh_context else {}
        action = context.pop("action", None) or context.pop("url", None) or ""
        context.pop("url", None)
        user = context.pop("user", None)
        out.append(Entry(at=event.pgh_created_at, event=event.pgh_label, action=action,
                         user=user, version_before=previous.version if previous else None,
                         version_after=event.version, details=context))
    return out


# Kept versions.

def keep_replaced(layer: Layer, *, user_id: int | None) -> str | None:
    """Record that the live version of `layer` is being replaced and will be kept: for a vector layer
    the name its partition must be given (pass it to layers.storage.swap as `keep_as`), for a raster
    None (its file stays where it is). Call it in the publishing transaction, before the bump."""
    table = storage.kept_name(layer.pk, layer.version) if layer.kind == Kind.VECTOR else ""
    KeptVersion.objects.create(
        layer_id=layer.pk, slug=layer.slug, version=layer.version, reason=KeptReason.REPLACED, table=table,
        raster_path=layer.raster_path, feature_count=layer.feature_count, row=layer_row(layer), kept_by_id=user_id,
    )
    transaction.on_commit(lambda: prune(layer.pk))
    return table or None


def prune(layer_id: int) -> None:
    """Drop the replaced versions of a layer beyond the newest LAYERS_KEEP_VERSIONS."""
    old = KeptVersion.objects.filter(layer_id=layer_id, reason=KeptReason.REPLACED).order_by("-version")
    for kept in old[settings.LAYERS_KEEP_VERSIONS:]:
        _forget(kept)


def _forget(kept: KeptVersion) -> None:
    live = set(Layer.objects.filter(pk=kept.layer_id).values_list("raster_path", flat=True))
    with transaction.atomic():
        if kept.table:
            storage.discard(kept.table)
        kept.delete()
    if kept.raster_path and kept.raster_path not in live:
        _remove_raster(kept.raster_path)


def _remove_raster(relative: str) -> None:
    path = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if Path(settings.LAYERS_RASTER_DIR).resolve() in path.parents:
        path.unlink(missing_ok=True)


def kept_versions(layer: Layer) -> list[KeptVersion]:
    return list(KeptVersion.objects.filter(layer_id=layer.pk, reason=KeptReason.REPLACED).order_by("-version"))


def rollback(*, layer: Layer, version: int, user: Caller) -> Layer:
    """Make the kept `version` of `layer` live again, as a new version; the version it replaces is
    kept in turn. The caller has checked that `user` may write the layer."""
    with transaction.atomic(), change("rollback", to_version=version):
        layer = Layer.objects.select_for_update().get(pk=layer.pk)
        kept = (KeptVersion.objects.select_for_update()
                .filter(layer_id=layer.pk, reason=KeptReason.REPLACED, version=version).first())
        if kept is None:
            raise VersionNotKept(fields={"version": [str(version)]})
        replaced = keep_replaced(layer, user_id=_user_id(user))
        for field in ("geometry_type", "property_schema", "raster_path"):
            setattr(layer, field, kept.row.get(field, getattr(layer, field)))
        layer.save(update_fields=["geometry_type", "property_schema", "raster_path"])
        if kept.table:
            # The kept table has its indexes (it was a partition): ATTACH adopts them.
            layer = publish_changes(layer, table=kept.table)
            storage.swap(layer.pk, kept.table, keep_as=replaced)
        else:
            layer = bump_version(layer)
        kept.delete()
    return layer


# Deleted layers (layers.catalog.delete_layer keeps them).

def restorable(user: Caller, slug: str) -> KeptVersion:
    """The newest deleted layer of this slug still within its grace period, if `user` may restore it
    (who could write it: layers.access). Answers like the write rule: LayerNotFound when there is
    none or the caller could not see it, PermissionDenied when they could see it but not write it,
    and for a slug a live layer holds, that layer's answer (hidden: unknown; visible: not theirs, or
    SlugInUse)."""
    if Layer.objects.filter(slug=slug).exists():
        get_writable_layer(user, slug)
        raise SlugInUse(fields={"slug": [slug]})
    since = timezone.now() - timedelta(days=settings.LAYERS_DELETED_GRACE_DAYS)
    kept = (KeptVersion.objects.filter(slug=slug, reason=KeptReason.DELETED, kept_at__gte=since)
            .order_by("-kept_at", "-id").first())
    if kept is None or not can_see_deleted(user, kept.row):
        raise LayerNotFound()
    if not can_write_deleted(user, kept.row):
        raise PermissionDenied()
    return kept


def restore(*, kept: KeptVersion) -> Layer:
    """Bring a deleted layer back with its id, catalog row, groups and features, as a new version."""
    with transaction.atomic(), change("restore", from_version=kept.version):
        if Layer.objects.filter(slug=kept.slug).exists():
            raise SlugInUse(fields={"slug": [kept.slug]})
        row = dict(kept.row)
        groups = row.pop("groups", [])
        layer = Layer(pk=kept.layer_id, **{_field(name): value for name, value in row.items()})
        layer.version = kept.version
        layer.save(force_insert=True)  # the partition trigger gives it an empty partition
        layer.groups.set(groups)
        if kept.table:
            layer = publish_changes(layer, table=kept.table)
            storage.swap(layer.pk, kept.table)
        else:
            layer = bump_version(layer)
        kept.delete()
    return layer


def _field(name: str) -> str:
    """model_to_dict names a foreign key by its field; the constructor takes its id."""
    return f"{name}_id" if name == "owner" else name


# The sweeper.

def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Drop deleted layers past their grace period (tables and files) and the next-version tables of
    import jobs nobody is running (a job killed and never retried; a retry would drop and rebuild its
    own table anyway). Safe to run at any time, on any number of workers."""
    since = (now or timezone.now()) - timedelta(days=settings.LAYERS_DELETED_GRACE_DAYS)
    expired = list(KeptVersion.objects.filter(reason=KeptReason.DELETED, kept_at__lt=since))
    for kept in expired:
        _forget(kept)
    return {"deleted_layers": len(expired), "import_tables": _sweep_import_tables()}


def _sweep_import_tables() -> int:
    """Drop layers_feature_import_<job> tables whose job holds no lock (layers.imports.jobs): its
    worker is gone. Each is dropped under the job's own lock, so a retry that starts meanwhile waits
    for nothing and loses nothing (it recreates the table)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ %s"
            " AND relnamespace = current_schema()::regnamespace",
            ["^" + _IMPORT_TABLE + "[0-9]+$"],
        )
        names = [name for (name,) in cur.fetchall()]
    dropped = 0
    for name in names:
        job_id = int(name[len(_IMPORT_TABLE):])
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [_IMPORT_LOCK_CLASS, job_id % 2**31])
            if not cur.fetchone()[0]:
                continue  # a worker is running the job
            try:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)).as_string(cur.connection))
                dropped += 1
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [_IMPORT_LOCK_CLASS, job_id % 2**31])
    return dropped
