"""An import job from upload to published layer.

`run(job_id)` is what the Celery task calls; it is safe to call twice, concurrently or after a
worker died mid-way:
- a session advisory lock on the job id keeps two workers off one job (the lock dies with the
  connection of a killed worker, so a retry can take it at once);
- a conditional UPDATE claims the job only while it is queued or was left running;
- the layer's catalog row, publish_changes (count, extent, version), the swap of its features and
  the job's final status are written in ONE transaction: a crash before COMMIT leaves the old
  version, and the retry starts again from the upload, which stays in the job's directory.

A replace (or a first import) run outside any transaction loads and indexes the next version before
that transaction, in a table of the job's own that no reader sees until it is attached (see
`_prepare_next_version`): its indexes are built on LAYERS_IMPORT_INDEX_BUILDERS connections at once,
which needs its rows committed. Append and upsert, and imports inside a caller's transaction, do all
their writing in the publishing transaction.
"""

import binascii
import errno
import logging
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import numpy as np
import pyarrow as pa
import shapely
from django.conf import settings
from django.db import connection, transaction
from pyproj import CRS

from layers import crs as crs_module
from layers import encodings, history, storage, titles
from layers.access import can_write, may_create_layer
from layers.catalog import publish_changes
from layers.imports import geometry, load, preview, sources, state, vector
from layers.imports.problems import ImportProblem, render
from layers.imports.progress import Progress
from layers.imports.raster import import_raster
from layers.imports.report import Report
from layers.imports.source_crs import choose_crs
from layers.imports.state import NeedsInput
from layers.models import ImportJob, ImportMode, JobStatus, Kind, Layer
from layers.styles import new_layer_style

log = logging.getLogger(__name__)
_LOCK_CLASS = 7301  # advisory lock namespace of import jobs


def run(job_id: int) -> str:
    """Run the job if no one else is; returns its status afterwards."""
    with _job_lock(job_id) as locked:
        if not locked:
            return "locked"
        job = _claim(job_id)
        if job is None:
            return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
        progress = Progress(job.pk)
        report = Report()
        try:
            # Every layer change of the job is tagged with it in the audit log (layers.history).
            with history.change(f"import.{job.mode}", job=job.pk, user=job.created_by_id):
                _process(job, report, progress)
        except NeedsInput as waiting:
            state.wait(job, report, waiting)
        except ImportProblem as problem:
            # The report so far stays: the rows that were refused explain a "nothing loaded".
            state.finish(job, JobStatus.FAILED, report, error=problem.message())
        except Exception as error:
            if _disk_full(error):  # the steward can act on it (ask for space, import again): not a crash
                log.error("import job %s: the import directory's disk is full (%s)", job_id, error)
                state.finish(job, JobStatus.FAILED, report, error=render("storage_full"))
            else:
                log.exception("import job %s failed", job_id)
                state.finish(job, JobStatus.FAILED, report, error=render("internal_error"))
                raise
        finally:
            progress.close()
            # The unpacked and converted files go whatever happened (a retry or a confirm unpacks
            # the upload again); the upload stays for that.
            shutil.rmtree(state.work_dir(job), ignore_errors=True)
    return ImportJob.objects.values_list("status", flat=True).get(pk=job_id)


def _disk_full(error: BaseException) -> bool:
    """Whether `error`, or an error it was raised from (GDAL's, rasterio's), is a full disk."""
    while error is not None:
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        error = error.__cause__ or error.__context__
    return False


@contextmanager
def _job_lock(job_id: int) -> Iterator[bool]:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, job_id % 2**31])
        locked = cur.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, job_id % 2**31])


def stale_queued(*, older_than: timedelta) -> list[int]:
    """Jobs queued for longer than `older_than` whose lock nobody holds: not running anywhere."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT j.id FROM layers_importjob AS j
             WHERE j.status = 'queued' AND j.created_at < now() - %s
               AND NOT EXISTS (SELECT 1 FROM pg_locks AS l
                                WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = j.id %% 2147483648
                                  AND l.objsubid = 2)
             ORDER BY j.id
            """,
            [older_than, _LOCK_CLASS],
        )
        return [job_id for (job_id,) in cur.fetchall()]


def _claim(job_id: int) -> ImportJob | None:
    """Take the job if it is queued, or running with nobody holding its lock (a dead worker's)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE layers_importjob
               SET status = 'running', stage = 'reading', progress = 0, attempts = attempts + 1,
                   started_at = coalesce(started_at, now())
             WHERE id = %s AND status IN ('queued', 'running')
            """,
            [job_id],
        )
        if cur.rowcount != 1:
            return None
    return ImportJob.objects.get(pk=job_id)


def _still_allowed(job: ImportJob) -> bool:
    """Whether the job's creator may still write its layer, or create it for the job's department:
    roles and owners may have changed since the upload. A job without a creator was submitted from
    the command line by an administrator."""
    if job.created_by_id is None:
        return True
    existing = Layer.objects.filter(slug=job.layer_slug).first()
    if existing is None:
        return may_create_layer(job.created_by, job.department)
    return can_write(job.created_by, existing)


def _process(job: ImportJob, report: Report, progress: Progress) -> None:
    # First, before the file is even read: a layer the creator may no longer write is not named either.
    if not _still_allowed(job):
        raise ImportProblem("no_longer_allowed")
    source = sources.prepare(state.upload_path(job), state.work_dir(job))
    report.set(format=source.format, file_name=job.file_name)
    if source.skipped:
        report.warn("archive_members_skipped", names=", ".join(source.skipped[:20]))
    existing = Layer.objects.filter(slug=job.layer_slug).first()
    if source.format == "geotiff":
        if existing is not None and existing.kind != Kind.RASTER:
            raise ImportProblem("raster_into_vector", slug=job.layer_slug)
        if job.mode != ImportMode.REPLACE:
            raise ImportProblem("raster_mode")
        return import_raster(job, source, report, progress)
    if existing is not None and existing.kind == Kind.RASTER:
        raise ImportProblem("vector_into_raster", slug=job.layer_slug)

    inspection = vector.inspect(source, job.source_layer or None)
    report.set(layers=inspection.layers, layer_name=inspection.layer_name)
    if len(inspection.layers) > 1 and not job.source_layer:
        raise NeedsInput("source_layer", layers=inspection.layers)
    source_crs = _source_crs(job, inspection, report)
    encoding = _encoding(job, source, inspection, report)
    if job.hold:
        # The steward sees the first rows, as they will be stored, before anything is published.
        target = existing or Layer(slug=job.layer_slug, kind=Kind.VECTOR)
        raise NeedsInput("publish", preview=preview.first_rows(source=source, inspection=inspection,
                                                              source_crs=source_crs, encoding=encoding, layer=target))
    _load_vector(job, source, inspection, source_crs, encoding, report, progress)


def _source_crs(job: ImportJob, inspection: vector.Inspection, report: Report) -> CRS:
    """The CRS of the file's coordinates (layers.imports.source_crs), and how they reach WGS 84."""
    chosen = choose_crs(job, inspection.crs, inspection.bounds, report)
    if crs_module.is_vn2000(chosen):
        report.warn("vn2000_transformation")
    return chosen


def _encoding(job: ImportJob, source: sources.Source, inspection: vector.Inspection, report: Report) -> str | None:
    """The encoding to decode text with; None when the format is UTF-8 by definition."""
    if not source.legacy_text:
        return None
    chosen = encodings.canonical(job.encoding) if job.encoding else None
    if job.encoding and chosen is None:
        raise ImportProblem("bad_encoding", encoding=job.encoding, choices=", ".join(encodings.ENCODINGS))
    if chosen is None and source.cpg:
        chosen = encodings.canonical(source.cpg)
    if chosen is None:
        guess = encodings.guess(vector.text_samples(source, inspection))
        if guess.encoding is None:
            raise NeedsInput("encoding", encoding={"scores": guess.scores, "previews": guess.previews,
                                                   "options": list(encodings.ENCODINGS)})
        chosen = guess.encoding
        if chosen != "utf-8":
            report.warn("encoding_detected", encoding=encodings.LABELS[chosen])
    report.set(encoding=chosen)
    return chosen


def _lock_layer(job: ImportJob, planned: Layer | None = None) -> tuple[Layer, bool]:
    """The target layer, locked for the transaction, or a new one not saved yet (`planned`, or one made
    now): its row is written at publication."""
    layer = Layer.objects.select_for_update().filter(slug=job.layer_slug).first()
    if layer is not None:
        return layer, False
    return planned or _new_layer(job), True


def _new_layer(job: ImportJob) -> Layer:
    """A layer for the job, not saved: its id is reserved now and its row written at publication
    (creating a layer attaches its partition, which would keep other layers' imports from publishing
    while this one loads)."""
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('layers_layer', 'id'))")
        reserved = cur.fetchone()[0]
    return Layer(
        pk=reserved, slug=job.layer_slug, title_vi=job.new_title or job.layer_slug,
        title_en=job.new_title or job.layer_slug, domain=job.new_domain or "infrastructure", geometry_type="Geometry",
        owner_id=job.department_id,
    )


def _load_vector(job: ImportJob, source: sources.Source, inspection: vector.Inspection, source_crs,
                 encoding: str | None, report: Report, progress: Progress) -> None:
    names = [vector.decode_text(f, encoding, row=0, field=f) for f in inspection.fields]
    _check_width(job, names)
    if inspection.has_z:
        report.warn("z_dropped")
    if inspection.binary:
        report.warn("binary_fields_dropped", names=", ".join(inspection.binary))
    read = partial(_read_rows, job, source, inspection, source_crs, encoding, names, report, progress)
    prepared = _prepare_next_version(job, read, progress) if _builds_apart(job) else None
    try:
        with transaction.atomic():
            layer, created = _lock_layer(job, prepared.layer if prepared else None)
            if prepared is not None and layer.pk != prepared.layer.pk:
                raise RuntimeError(f"layer {job.layer_slug} was created by another import meanwhile")
            repair = layer.invalid_geometry == "repair"
            staged = job.mode != ImportMode.REPLACE and not created
            if prepared is not None:
                table, types = prepared.table, prepared.types
            elif staged:
                load.create_stage()
                types = load.layer_geometry_types(layer.pk) | read(repair, load.copy_stage)
            else:
                table = storage.next_version(layer.pk)
                types = read(repair, partial(load.copy_features, table, layer.pk))
            progress("publishing", 95, force=True)
            layer_type, warning = geometry.unified_type(types)
            if warning:
                report.warn(warning, type=layer_type, types=", ".join(sorted(types)))
            if staged and job.mode == ImportMode.APPEND:
                for row, source_id in load.merge_append(layer.pk):
                    report.row(row, "already_in_layer", {"id": source_id})
            elif staged:
                inserted, updated = load.merge_upsert(layer.pk)
                report.set(upsert={"inserted": inserted, "updated": updated})
            if staged and layer_type.startswith("Multi"):
                load.promote_to_multi(layer.pk, layer_type)
            elif prepared is None and layer_type.startswith("Multi"):
                load.promote_to_multi(layer.pk, layer_type, table=table)
            counts = report.counts
            counts["loaded"] = counts["read"] - counts["rejected"]
            layer.geometry_type = layer_type
            layer.property_schema = _merged_schema(layer.property_schema, names, inspection.dtypes, report)
            if job.style:
                layer.style = job.style  # chosen by the steward on the preview
            elif not layer.style:
                # A layer without a style would be drawn as a fill, its points by nothing (issue #19).
                layer.style = new_layer_style(layer)
            if staged:
                layer.save(update_fields=["geometry_type", "property_schema", "style"])
                layer = publish_changes(layer)
            else:
                layer = _publish_next_version(job, layer, created, table, indexed=prepared is not None)
            state.finish(job, JobStatus.SUCCEEDED, report, version=layer.version)
    except BaseException:
        if prepared is not None:
            storage.discard(prepared.table)
        raise
    shutil.rmtree(state.work_dir(job), ignore_errors=True)  # the upload stays for a re-run


def _read_rows(job: ImportJob, source: sources.Source, inspection: vector.Inspection, source_crs,
               encoding: str | None, names: list[str], report: Report, progress: Progress, repair: bool,
               write: Callable[[load.Columns], object]) -> set[str]:
    """Read and check every row of the file, `write` the rows kept; the geometry types among them.
    Raises when there is no row to publish."""
    id_field: str | None = None
    seen: dict[str, int] = {}
    types: set[str] = set()
    total = max(inspection.features, 1)
    batches = vector.batches(source, inspection, encoding=encoding, size=settings.LAYERS_IMPORT_BATCH)
    linearised = 0  # curved geometries GDAL approximated (counted by the reading thread)

    def check(batch: vector.Batch) -> _Rows:
        nonlocal id_field, linearised
        linearised += batch.linearised
        if batch.offset == 0:
            id_field = _id_field(job, names, batch)
        return _check_batch(batch, source_crs, repair, id_field, seen, report)

    for rows in _one_batch_ahead(batches, check):
        types |= rows.types
        write(rows.rows)
        progress("loading", 90 * rows.end / total)
    counts = report.counts
    if linearised:
        report.warn("curves_linearised", count=linearised)
    if counts["read"] == 0:
        raise ImportProblem("no_features")
    if counts["read"] == counts["rejected"]:
        raise ImportProblem("nothing_loaded", read=counts["read"])
    return types


def _builds_apart(job: ImportJob) -> bool:
    """Whether the job's next version is loaded and indexed before the publishing transaction (see
    `_prepare_next_version`): for a replace, or a first import, outside any caller's transaction
    (a test's, a shell's), when the index builds can share the work."""
    if connection.in_atomic_block or settings.LAYERS_IMPORT_INDEX_BUILDERS < 2:
        return False
    return job.mode == ImportMode.REPLACE or not Layer.objects.filter(slug=job.layer_slug).exists()


@dataclass(frozen=True)
class _Prepared:
    layer: Layer  # the target when the import began, or a new one with its id reserved
    table: str  # its next version, loaded and indexed, committed, not yet a partition
    types: set[str]


def _prepare_next_version(job: ImportJob, read: Callable[..., set[str]], progress: Progress) -> _Prepared:
    """The layer's next version in a table of the job's own (layers.storage), its rows committed so
    that LAYERS_IMPORT_INDEX_BUILDERS connections can build its indexes at once. No reader sees the
    table until the publishing transaction attaches it; a failed import drops it, and a retry after a
    killed worker drops what the dead one left (layers.storage.next_version)."""
    layer = Layer.objects.filter(slug=job.layer_slug).first() or _new_layer(job)
    table = storage.next_version(layer.pk, job_id=job.pk)
    try:
        with transaction.atomic():
            types = read(layer.invalid_geometry == "repair", partial(load.copy_features, table, layer.pk))
            layer_type, _warning = geometry.unified_type(types)
            if layer_type.startswith("Multi"):  # before the indexes, which would each take the update
                load.promote_to_multi(layer.pk, layer_type, table=table)
        progress("publishing", 92, force=True)
        storage.build_indexes(table, builders=settings.LAYERS_IMPORT_INDEX_BUILDERS)
    except BaseException:
        storage.discard(table)
        raise
    return _Prepared(layer, table, types)


def _publish_next_version(job: ImportJob, layer: Layer, created: bool, table: str, *, indexed: bool) -> Layer:
    """Indexes built once on the loaded rows (unless they are already), the catalog row written, the
    version replaced kept for a rollback (layers.history), then the swap (layers.storage), which holds
    the feature store's exclusive lock until commit and so comes last."""
    if not indexed:
        storage.build_indexes(table)
    replaced = None if created else history.keep_replaced(layer, user_id=job.created_by_id)
    if created:
        # Another import may have published the same title since this one was submitted.
        layer.title_vi = layer.title_en = titles.claim_title(layer.title_vi, layer.owner_id)
        layer.save(force_insert=True)
    else:
        layer.save(update_fields=["geometry_type", "property_schema", "style"])
    layer = publish_changes(layer, table=table)
    storage.swap(layer.pk, table, keep_as=replaced)
    return layer


@dataclass(frozen=True)
class _Rows:
    rows: load.Columns
    types: set[str]  # geometry types among them
    end: int  # rows of the file read so far


def _one_batch_ahead(batches: Iterator[vector.Batch], check: Callable[[vector.Batch], _Rows]) -> Iterator[_Rows]:
    """The checked rows of each batch, the next batch being read and checked in a second thread while
    the caller writes this one: pyogrio, shapely and psycopg's COPY release the GIL, so reading and
    writing overlap. Only that thread touches the report and the seen ids until it is done."""

    def step() -> _Rows | None:
        batch = next(batches, None)
        return None if batch is None else check(batch)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read") as pool:
        ahead = pool.submit(step)
        while (rows := ahead.result()) is not None:
            ahead = pool.submit(step)
            yield rows


def _check_batch(batch: vector.Batch, source_crs, repair: bool, id_field: str | None, seen: dict[str, int],
                 report: Report) -> _Rows:
    n = len(batch.wkb)
    report.counts["read"] += n
    checked = geometry.check(batch.wkb, source_crs, repair=repair)
    for i, code, params in checked.rejected:
        report.row(batch.offset + i + 1, code, params)
    for i, reason in checked.repaired:
        report.row(batch.offset + i + 1, "repaired_geometry", {"reason": reason}, rejected=False)
    keep = checked.keep.copy()
    ids = _source_ids(batch, id_field)
    kept = np.flatnonzero(keep).tolist()
    kept_ids = ids if len(kept) == n else [ids[i] for i in kept]
    if all(kept_ids) and len(set(kept_ids)) == len(kept_ids) and seen.keys().isdisjoint(kept_ids):
        # The usual batch: every id present and new. One C-level update instead of a test per row.
        seen.update(zip(kept_ids, (np.array(kept, dtype=np.int64) + batch.offset + 1).tolist()))
    else:
        for i in kept:
            sid = ids[i]
            row = batch.offset + i + 1
            if not sid:
                report.row(row, "missing_source_id", {"field": id_field})
                keep[i] = False
            elif sid in seen:
                report.row(row, "duplicate_source_id", {"id": sid, "first": seen[sid]})
                keep[i] = False
            else:
                seen[sid] = row
    geoms = _geometry_subset(checked, keep)
    rows_idx = np.flatnonzero(keep)
    every = len(rows_idx) == n
    kept_ids = ids if every else [ids[i] for i in rows_idx.tolist()]
    properties = batch.properties if every else batch.properties.filter(pa.array(keep))
    columns = load.Columns(numbers=(batch.offset + rows_idx + 1).tolist(), ids=kept_ids, wkbs=_hex_wkb(geoms),
                           properties=properties)
    return _Rows(columns, geometry.type_names(geoms) if len(geoms) else set(), batch.offset + n)


def _hex_wkb(geoms: np.ndarray) -> pa.Array:
    """Hex WKB of each geometry, without an SRID: PostGIS gives SRID-less input the SRID of the
    geometry(…, 4326) column it enters, and stamping each geometry first (shapely.set_srid) copied
    every one of them. Binary WKB from GEOS is hex-encoded in one C call for the whole batch and
    becomes an Arrow array over that text as it is, with no string per geometry."""
    wkbs = shapely.to_wkb(geoms).tolist()
    offsets = np.zeros(len(wkbs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, wkbs), dtype=np.int64, count=len(wkbs)) * 2, out=offsets[1:])
    text = binascii.hexlify(b"".join(wkbs))
    return pa.LargeStringArray.from_buffers(len(wkbs), pa.py_buffer(offsets), pa.py_buffer(text))


def _geometry_subset(checked: geometry.Checked, keep: np.ndarray) -> np.ndarray:
    """The checked geometries (one per row kept by the geometry checks) of the rows still kept."""
    return checked.geoms[keep[checked.keep]]


def _source_ids(batch: vector.Batch, id_field: str | None) -> list[str]:
    if id_field is None:
        # No id column: the feature's position in the file (GDAL's FID), stable for one file.
        return [str(int(f)) for f in batch.fids]
    values = batch.values(id_field)
    if all(type(v) is str for v in values):  # the usual text column, without a test per value below
        return [v.strip()[:200] for v in values]
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            out.append("")
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v).strip()[:200])
    return out


def _id_field(job: ImportJob, names: list[str], first: vector.Batch) -> str | None:
    """The steward's id column, else the first usual id column that has a value in every row of the
    first batch (KML's empty "id" column is no id), else None: the feature's position in the file."""
    if job.id_field:
        if job.id_field not in names:
            raise ImportProblem("id_field_missing", field=job.id_field)
        return job.id_field
    lowered = {n.lower(): n for n in names}
    found = next((lowered[c] for c in vector.ID_CANDIDATES
                  if c in lowered and all(_source_ids(first, lowered[c]))), None)
    if found is None and job.mode == ImportMode.UPSERT:
        raise ImportProblem("upsert_needs_ids")
    return found


def _check_width(job: ImportJob, names: list[str]) -> None:
    """A file with more properties than LAYERS_MAX_PROPERTIES (or that would take its layer past it)
    is refused before any row is read: every feature would carry them into the catalog, the API and
    each tile (PostgreSQL builds a tile's attributes as columns of one target list)."""
    limit = settings.LAYERS_MAX_PROPERTIES
    count = len(set(names))
    if count <= limit:  # the layer keeps the properties it has (_merged_schema)
        existing = Layer.objects.filter(slug=job.layer_slug).values_list("property_schema", flat=True).first()
        count = len(set(names) | {p["name"] for p in existing or []})
    if count > limit:
        raise ImportProblem("too_many_properties", count=count, limit=limit)


def _merged_schema(schema: list[dict], names: list[str], dtypes: list[str], report: Report) -> list[dict]:
    known = {p["name"] for p in schema}
    merged = list(schema)
    unfilterable = []
    for name, dtype in zip(names, dtypes):
        if name in known:
            continue
        if not vector.filterable(name):
            unfilterable.append(name)
            continue
        merged.append({"name": name, "type": vector.schema_type(dtype), "label_vi": name, "label_en": name})
        known.add(name)
    if unfilterable:
        report.warn("fields_not_filterable", names=", ".join(unfilterable))
    return merged
