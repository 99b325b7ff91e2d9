"""HTTP edges of imports: POST /api/imports/, GET /api/imports/{id}/, POST /api/imports/{id}/confirm/,
POST /api/imports/{id}/style/ (the preview in a draft style), and the steward's page /imports/.
Parse, call layers.imports.submit, shape the answer."""

import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.access import stewarded_departments, writable_layers
from layers.domains import domain_groups
from layers.error_codes import CODES
from layers.errors import ApiError, NotFound, PermissionDenied
from layers.imports.problems import ImportProblem, render as render_message
from layers.imports.submit import BadOption, Options, UploadTooLarge, confirm, may_import, submit, visible_jobs
from layers.models import Department, Domain, ImportJob, ImportMode, Kind
from layers.schema import validate_layer_style
from layers.style_messages import translated_style_messages
from layers.styles import PALETTE
from tiles.styles import draft_style


class ImportRefused(ApiError):
    code = "import_refused"


class UploadTooLargeError(ApiError):
    code = "upload_too_large"


def _message(code: str, params: dict[str, Any] | None = None) -> str:
    return render_message(code, params)["en" if get_language() == "en" else "vi"]


def _bad_option(exc: BadOption) -> ImportRefused:
    text = _message(exc.code, exc.params)
    return ImportRefused(text, fields={exc.field: [text]}, code=exc.code)


def _flag(value: Any) -> bool:
    """A form's or JSON's yes: true, "true", "on", "1"."""
    return value is True or str(value).lower() in ("true", "on", "1")


def _require_steward(user) -> None:
    if not user.is_authenticated:
        raise NotAuthenticated()
    if not may_import(user):
        raise PermissionDenied()


def job_json(job: ImportJob, request: HttpRequest) -> dict[str, Any]:
    report = job.report or {}
    return {
        "id": job.pk,
        "status": job.status,
        "stage": job.stage,
        "progress": job.progress,
        "layer": job.layer_slug,
        "title": job.new_title,
        "mode": job.mode,
        "file_name": job.file_name,
        "file_size": job.file_size,
        "options": {"crs": job.crs, "encoding": job.encoding, "source_layer": job.source_layer,
                    "id_field": job.id_field},
        "counts": report.get("counts", {"read": 0, "loaded": 0, "repaired": 0, "rejected": 0}),
        "warnings": report.get("warnings", []),
        "errors": report.get("errors", []),
        "rows": report.get("rows", []),
        "rows_total": report.get("rows_total", 0),
        "needs": report.get("needs", []) if job.status == "needs_input" else [],
        "choices": report.get("choices", {}) if job.status == "needs_input" else {},
        "report": {k: report[k] for k in ("format", "crs", "encoding", "layer_name", "layers") if k in report},
        "layer_version": job.layer_version,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "links": [
            {"rel": "self", "href": request.build_absolute_uri(reverse("import-detail", args=[job.pk]))},
            {"rel": "confirm", "href": request.build_absolute_uri(reverse("import-confirm", args=[job.pk]))},
            {"rel": "layer", "href": request.build_absolute_uri(reverse("layer-detail", args=[job.layer_slug]))},
        ],
    }


# Components of geo_ioc.openapi.
_JOB = OpenApiResponse({"$ref": "#/components/schemas/ImportJob"},
                       description="The import job: status, progress, counts and report")


class ImportList(APIView):
    primary_only = True  # a job is polled right after its upload: a replica may not have it yet (layers.replicas)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("ImportUpload", {
            "file": serializers.FileField(),
            "layer": serializers.SlugField(help_text="Target layer; created when no layer has this slug"),
            "mode": serializers.ChoiceField(choices=ImportMode.values, required=False),
            "title": serializers.CharField(required=False, help_text="Title of a new layer"),
            "domain": serializers.ChoiceField(choices=Domain.values, required=False),
            "crs": serializers.CharField(required=False, help_text="EPSG code, e.g. EPSG:9210"),
            "encoding": serializers.CharField(required=False, help_text="utf-8, tcvn3, vni, cp1258, …"),
            "source_layer": serializers.CharField(required=False, help_text="Layer of a multi-layer file"),
            "id_field": serializers.CharField(required=False, help_text="Column holding the source id"),
            "department": serializers.CharField(required=False, help_text=(
                "Code of the department that will own a new layer; needed when the caller stewards several")),
            "create": serializers.BooleanField(required=False, help_text=(
                "true: always a new layer; a taken slug gets a suffix (-2, -3…) instead of naming an existing layer")),
            "hold": serializers.BooleanField(required=False, help_text=(
                "true: once the file is read, wait in needs_input ('publish') with a preview of the first rows "
                "and the proposed style; confirm with publish=true to load and publish")),
        })},
        responses={202: _JOB}, summary="Upload a file to import into a layer (data stewards)",
    )
    def post(self, request: Request) -> Response:
        _require_steward(request.user)
        # Refuse an oversized body before Django reads it into a temporary file.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.LAYERS_IMPORT_MAX_UPLOAD_BYTES + 64 * 1024:
            raise UploadTooLargeError(_message("upload_too_large", {"limit": settings.LAYERS_IMPORT_MAX_UPLOAD_BYTES}))
        upload = request.FILES.get("file")
        if upload is None:
            text = _message("file_needed")
            raise ImportRefused(text, fields={"file": [text]}, code="file_needed")
        if not upload.size:
            text = _("The file is empty.")
            raise ImportRefused(text, fields={"file": [text]}, code="file_empty")
        data = request.data
        # Text is stored as NFC (a title typed on a Mac arrives decomposed).
        options = Options(**{k: unicodedata.normalize("NFC", str(data.get(k, ""))).strip() for k in
                             ("layer", "title", "domain", "crs", "encoding", "source_layer", "id_field",
                              "department")},
                          mode=str(data.get("mode") or ImportMode.REPLACE),
                          hold=_flag(data.get("hold")), create=_flag(data.get("create")))
        try:
            job = submit(user=request.user, file_name=upload.name, chunks=upload.chunks(), options=options)
        except BadOption as exc:
            raise _bad_option(exc) from None
        except UploadTooLarge:
            raise UploadTooLargeError(_message("upload_too_large", {"limit": settings.LAYERS_IMPORT_MAX_UPLOAD_BYTES}))
        except ImportProblem as problem:
            # Only some problems can be found while the file is received (layers.error_codes lists them).
            code = problem.code if problem.code in CODES else ImportRefused.code
            raise ImportRefused(_message(problem.code, problem.params), code=code) from None
        return Response(job_json(job, request), status=202)

    @extend_schema(responses={200: OpenApiResponse({"$ref": "#/components/schemas/ImportJobs"})},
                   summary="Recent import jobs",
                   operation_id="imports_list")
    def get(self, request: Request) -> Response:
        _require_steward(request.user)
        jobs = visible_jobs(request.user)[:50]
        return Response({"imports": [job_json(job, request) for job in jobs]})


class ImportDetail(APIView):
    primary_only = True

    @extend_schema(responses={200: _JOB}, summary="One import job, for polling its progress")
    def get(self, request: Request, job_id: int) -> Response:
        _require_steward(request.user)
        return Response(job_json(_job(request.user, job_id), request))


class ImportConfirm(APIView):
    @extend_schema(
        request=inline_serializer("ImportConfirm", {
            "crs": serializers.CharField(required=False), "encoding": serializers.CharField(required=False),
            "source_layer": serializers.CharField(required=False),
            "publish": serializers.BooleanField(required=False, help_text="Release a held job: load and publish"),
            "style": serializers.JSONField(required=False, help_text="The layer's style to publish with"),
        }),
        responses={202: _JOB}, summary="Give what a waiting import asked for (CRS, encoding, layer)",
    )
    def post(self, request: Request, job_id: int) -> Response:
        _require_steward(request.user)
        job = _job(request.user, job_id)
        data = request.data if isinstance(request.data, dict) else {}
        try:
            style = data.get("style")
            if style is not None and not isinstance(style, dict):
                raise BadOption("style", "bad_style")
            job = confirm(job, crs=str(data.get("crs") or ""), encoding=str(data.get("encoding") or ""),
                          source_layer=str(data.get("source_layer") or ""), publish=_flag(data.get("publish")),
                          style=style)
        except BadOption as exc:
            raise _bad_option(exc) from None
        return Response(job_json(job, request), status=202)


class ImportStyle(APIView):
    """A POST that changes nothing: a draft with its categories' names in both languages is longer than
    an address may be (REQUEST_MAX_URL_LENGTH), so it travels in the body."""
    primary_only = True

    @extend_schema(
        request=inline_serializer("ImportStyleDraft", {
            "style": serializers.JSONField(help_text="The draft style, as the style editor gives it: checked like a "
                                                     "published one (400 bad_style)."),
        }),
        responses={200: OpenApiResponse({"$ref": "#/components/schemas/MapLibreStyle"},
                                        description="A MapLibre style drawing the preview's features (source "
                                                    "`preview`) in the draft style; nothing is stored")},
        summary="A held import's preview drawn in a draft style, as the layer will be once published",
    )
    def post(self, request: Request, job_id: int) -> Response:
        _require_steward(request.user)
        job = _job(request.user, job_id)
        preview = (job.report or {}).get("choices", {}).get("preview") if job.status == "needs_input" else None
        if not preview:
            raise ImportRefused(_message("not_waiting"), code="not_waiting")
        style = request.data.get("style") if isinstance(request.data, dict) else None
        try:
            validate_layer_style(style, kind=Kind.VECTOR)
        except ValidationError:
            raise _bad_option(BadOption("style", "bad_style")) from None
        return Response(draft_style(style, preview["features"]))


def _job(user, job_id: int) -> ImportJob:
    """The job if `user` may act on it (layers.imports.submit.visible_jobs); NotFound otherwise, for
    an unknown job and another department's alike."""
    job = visible_jobs(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """The steward's upload form with a live progress bar (static/layers/imports.js polls the API)."""
    if not may_import(request.user):
        raise PermissionDenied()
    english = get_language() == "en"
    targets = [{"slug": slug, "title": (en if english else vi) or vi, "kind": kind}
               for slug, vi, en, kind in writable_layers(request.user).order_by("title_vi")
               .values_list("slug", "title_vi", "title_en", "kind")]
    return render(request, "layers/imports/page.html", {
        "domains": [(group["key"], group["title"]) for group in domain_groups()],
        "modes": [(mode, MODE_LABELS[mode]) for mode in ImportMode.values],
        # Those the caller may create a layer for (layers.access.may_create_layer).
        "departments": Department.objects.all() if request.user.is_superuser else stewarded_departments(request.user),
        "recent": [(job, STATUS_LABELS[job.status]) for job in visible_jobs(request.user)[:10]],
        "labels": _page_labels(), "targets": targets, "english": english,
        "urls": {"basemap": reverse("tiles-basemap"), "layer": "/api/layers/{slug}/", "dashboard": reverse("dashboard"),
                 "import_style": "/api/imports/{id}/style/"},
        # What the dashboard's style editor (its i18n.js) reads from the page, so the steward chooses the
        # new layer's style with the same editor before publishing.
        "config": {"lang": get_language(), "messages": translated_style_messages(), "palette": list(PALETTE),
                   "csrf_token": get_token(request), "urls": {"features": "/api/layers/{slug}/features/"}},
    })


# Words a steward reads (the model's choices are the API's codes and the admin's English).
MODE_LABELS = {
    ImportMode.REPLACE: _lazy("Replace all its features with the file's"),
    ImportMode.APPEND: _lazy("Add the file's features (keep those already there)"),
    ImportMode.UPSERT: _lazy("Add new features and update those with the same id"),
}
STATUS_LABELS = {
    "queued": _lazy("queued"), "running": _lazy("running"), "needs_input": _lazy("waiting for you"),
    "succeeded": _lazy("done"), "failed": _lazy("failed"),
}


def _page_labels() -> dict[str, Any]:
    """The words the page's script shows, in the request's language."""
    return {
        "status": {"queued": _("queued"), "running": _("running"), "needs_input": _("waiting for you"),
                   "succeeded": _("done"), "failed": _("failed")},
        "stage": {"reading": _("reading"), "loading": _("loading"), "converting": _("converting"),
                  "publishing": _("publishing")},
        "counts": _("%(read)s read · %(loaded)s loaded · %(repaired)s repaired · %(rejected)s rejected"),
        "check": {"file": _("Choose the file to import."), "target": _("Choose the layer to import into."),
                  "title": _("Give the new layer a title."), "domain": _("Choose the domain of the new layer."),
                  "department": _("Choose the department that will own the new layer.")},
        "preview": _("The first %(rows)s of %(total)s features, as they will be stored:"),
        "published": _("Published. Open the layer on the map"),
        "new_address": _("The new layer will be “%(title)s” at the address %(slug)s."),
        "failed_request": _("The import could not be started:"),
        "needs": {"publish": _("Check the first rows and the map, choose the colour, then publish."),
                  "crs": _("The file does not say its coordinate reference system. Choose one:"),
                  "encoding": _("The text encoding could not be told for sure. Choose the one whose preview reads right:"),
                  "source_layer": _("The file holds several layers. Choose the one to import:")},
    }
