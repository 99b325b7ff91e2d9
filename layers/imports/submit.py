"""Creating and confirming import jobs: what the API, the web page and the command line share."""

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from layers import crs as crs_module
from layers import encodings, titles
from layers.access import Caller, can_write, may_create_layer, stewarded_departments, visible_layers, writable_layers
from layers.errors import PermissionDenied
from layers.imports import sources, state
from layers.models import Department, Domain, ImportJob, ImportMode, JobStatus, Kind, Layer
from layers.schema import validate_layer_style


class BadOption(ValueError):
    """An option of an import request that cannot be used: (field, message code, params)."""

    def __init__(self, field: str, code: str, **params):
        self.field, self.code, self.params = field, code, params
        super().__init__(field)


class UploadTooLarge(ValueError):
    pass


def may_import(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Whether `user` may use imports at all: a steward of some department, or a superuser. Which
    layers they may import into is the write rule's (layers.access)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or stewarded_departments(user).exists()


def visible_jobs(user: Caller) -> QuerySet[ImportJob]:
    """The jobs `user` may see and act on: those of layers they may write, and their own jobs for a
    layer that does not exist (yet). A job of any other layer answers like an unknown job."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ImportJob.objects.none()
    if user.is_superuser:
        return ImportJob.objects.all()
    writable = Q(layer_slug__in=writable_layers(user).values("slug"))
    own_new = Q(created_by=user) & ~Q(layer_slug__in=Layer.objects.values("slug"))
    return ImportJob.objects.filter(writable | own_new)


@dataclass(frozen=True)
class Options:
    layer: str
    mode: str = ImportMode.REPLACE
    title: str = ""
    domain: str = ""
    crs: str = ""
    encoding: str = ""
    source_layer: str = ""
    id_field: str = ""
    department: str = ""  # code of the department that will own a new layer
    hold: bool = False  # wait with a preview of the first rows before publishing (ImportJob.hold)
    create: bool = False  # a new layer, always: a taken slug gets a suffix rather than naming an existing layer


def check_choices(*, crs: str, encoding: str) -> None:
    if crs:
        try:
            crs_module.parse_code(crs)
        except crs_module.UnknownCrs:
            raise BadOption("crs", "bad_crs", crs=crs) from None
    if encoding and encodings.canonical(encoding) is None:
        raise BadOption("encoding", "bad_encoding", encoding=encoding, choices=", ".join(encodings.ENCODINGS))


def check_options(options: Options, user: Caller = None) -> Layer | None:
    """The existing target layer (None for a new one), after checking the options. `user` None is the
    command line, run by an administrator. A layer `user` may not see is treated as unknown: asking
    without a title answers exactly like an unknown slug."""
    if not options.layer or slugify(options.layer) != options.layer or len(options.layer) > 80:
        raise BadOption("layer", "bad_slug")
    if options.mode not in ImportMode.values:
        raise BadOption("mode", "bad_mode")
    check_choices(crs=options.crs, encoding=options.encoding)
    layers = Layer.objects.all() if user is None else visible_layers(user)
    existing = layers.filter(slug=options.layer).first()
    if existing is None:
        if not options.title.strip():
            raise BadOption("title", "title_needed")
        if options.domain not in Domain.values:
            raise BadOption("domain", "domain_needed", choices=", ".join(Domain.values))
        if user is not None and Layer.objects.filter(slug=options.layer).exists():
            # Slugs are unique: a hidden layer's cannot be taken, and saying so names nothing else.
            raise BadOption("layer", "slug_unavailable")
    return existing


def check_write(user: Caller, options: Options, existing: Layer | None) -> Department | None:
    """PermissionDenied unless `user` may write the existing layer or create one for the chosen
    department; the department that will own a new layer (None for an existing one)."""
    if existing is not None:
        if user is not None and not can_write(user, existing):
            raise PermissionDenied()
        return None
    if options.department:
        department = Department.objects.filter(code=options.department).first()
        if department is None:
            raise BadOption("department", "unknown_department", department=options.department)
    elif user is None:
        return None
    else:
        mine = list(stewarded_departments(user)[:2])
        if len(mine) > 1:
            codes = ", ".join(stewarded_departments(user).values_list("code", flat=True))
            raise BadOption("department", "department_needed", choices=codes)
        department = mine[0] if mine else None
    if user is not None and not may_create_layer(user, department):
        raise PermissionDenied(_("You may create layers only for a department you are a steward of."))
    return department


def free_slug(slug: str) -> str:
    """`slug`, or `slug-2`, `slug-3`… : the first no layer has (hidden ones included, as slugs are
    unique; the answer names no layer, like `slug_unavailable`)."""
    taken = set(Layer.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
    if slug not in taken:
        return slug
    n = 2
    while f"{slug[:76]}-{n}" in taken:
        n += 1
    return f"{slug[:76]}-{n}"


def submit(*, user: AbstractBaseUser | None, file_name: str, chunks: Iterable[bytes], options: Options,
           queue: bool = True) -> ImportJob:
    """Save the upload in a new job's directory and queue the job (on commit)."""
    if options.create and options.layer:
        options = replace(options, layer=free_slug(options.layer))
    existing = check_options(options, user)
    department = check_write(user, options, existing)
    if existing is None:
        options = replace(options, title=titles.unique_title(options.title.strip(), department.pk if department else None))
    suffix = sources.upload_suffix(file_name)
    with transaction.atomic():
        job = ImportJob.objects.create(
            layer_slug=options.layer, new_title=options.title.strip()[:200], new_domain=options.domain,
            mode=options.mode, file_name=file_name[-255:], crs=options.crs.strip(), encoding=options.encoding.strip(),
            source_layer=options.source_layer, id_field=options.id_field, created_by=user, department=department,
            hold=options.hold,
        )
        directory = state.job_dir(job.pk)
        # A new id's directory can only be left over from another database (a test run, a reset).
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        try:
            size = _save(chunks, directory / ("upload" + suffix))
        except UploadTooLarge:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        job.file_size = size
        job.save(update_fields=["file_size"])
        if queue:
            from layers.tasks import queue_import

            queue_import(job.pk)
    return job


def confirm(job: ImportJob, *, crs: str = "", encoding: str = "", source_layer: str = "", publish: bool = False,
            style: dict | None = None, queue: bool = True) -> ImportJob:
    """Supply what a job waiting in `needs_input` asked for, and queue it again. `publish` releases a
    held job (its preview seen), with the `style` chosen for the layer."""
    check_choices(crs=crs, encoding=encoding)
    if style:
        try:
            # Only a vector import is held for publishing (layers.imports.jobs), so the style is a vector's.
            validate_layer_style(style, kind=Kind.VECTOR)
        except ValidationError:
            raise BadOption("style", "bad_style") from None
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, status=JobStatus.NEEDS_INPUT).update(
            status=JobStatus.QUEUED, crs=crs or job.crs, encoding=encoding or job.encoding,
            source_layer=source_layer or job.source_layer, hold=job.hold and not publish,
            style=style or job.style,
        )
        if updated != 1:
            raise BadOption("status", "not_waiting")
        if queue:
            from layers.tasks import queue_import

            queue_import(job.pk)
    job.refresh_from_db()
    return job


def _save(chunks: Iterable[bytes], target: Path) -> int:
    size = 0
    with open(target, "xb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > settings.LAYERS_IMPORT_MAX_UPLOAD_BYTES:
                raise UploadTooLarge()
            out.write(chunk)
    return size
