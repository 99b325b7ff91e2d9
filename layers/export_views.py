"""GET /api/layers/{slug}/export.{fmt}: every layer the caller may see, as open data.

GeoJSON is streamed from PostGIS whatever the size. The GDAL formats are built during the request
up to LAYERS_EXPORT_ASYNC_FEATURES features; above it a Celery job builds the file once per layer
version, format and CRS, and the answer is 202 with a link to poll and download.
"""

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers import crs as crs_module
from layers import exports
from layers.access import can_see, get_visible_layer
from layers.conditional import exact_vary, make_etag, not_modified, request_matches
from layers.errors import InvalidParameter, NotFound
from layers.models import Access, ExportJob, JobStatus, Kind, Layer
from layers.rate_limits import ExportThrottle

EXPORT_JOB = {"$ref": "#/components/schemas/ExportJob"}  # geo_ioc.openapi
# Each format with its real media type (exports.FORMATS), for the schema; binary types first, since a
# generated client reads every 200 by its first media type (as JSON or text for those).
FILE_RESPONSES = {
    **{(200, spec.content_type.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY, description=f"The {fmt} file")
       for fmt, spec in sorted(exports.FORMATS.items(),
                               key=lambda item: item[1].content_type.startswith("text/") or "json" in item[1].content_type)},
    304: OpenApiResponse(description="The caller's copy is current (If-None-Match, weak or strong)"),
}


def _parse(layer: Layer, fmt: str, crs_text: str | None):
    if fmt not in exports.FORMATS:
        raise NotFound()
    if layer.kind != Kind.VECTOR:
        raise InvalidParameter(_("A raster layer has no features to export."))
    try:
        crs = exports.target_crs(crs_text)
    except crs_module.UnknownCrs:
        raise InvalidParameter(_("crs must be an EPSG code such as EPSG:9210."), fields={"crs": [crs_text]}) from None
    if fmt == "kml" and crs != crs_module.WGS84:
        raise InvalidParameter(_("KML is always in WGS 84 (EPSG:4326)."), fields={"crs": [crs_text]})
    if fmt == "shp.zip" and layer.geometry_type == "Geometry":
        raise InvalidParameter(_("A shapefile holds one geometry type and this layer mixes several."))
    return crs


def _file_name(layer: Layer, fmt: str) -> str:
    return f"{layer.slug}-v{layer.version}{exports.FORMATS[fmt].suffix}"


def _etag(request: Request, layer: Layer, version: int, fmt: str, crs_label: str) -> str:
    """One layer version in one format and CRS is one file: open data's tag is the same for all."""
    return make_etag(layer.pk, version, fmt, crs_label, user=request.user, public=layer.access == Access.PUBLIC)


def _cached(response: HttpResponse, layer: Layer, etag: str) -> HttpResponse:
    response["ETag"] = etag
    if layer.access == Access.PUBLIC:
        response["Cache-Control"] = "public, max-age=60"
        return exact_vary(response, None)
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


def _with_metadata(response: HttpResponse, layer: Layer, fmt: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{_file_name(layer, fmt)}"'
    response["X-Layer-Version"] = str(layer.version)
    response["X-Layer-License"] = layer.license.encode("ascii", "replace").decode()
    response["Last-Modified"] = layer.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    response["Link"] = f'<{reverse("layer-detail", args=[layer.slug])}>; rel="describedby"'
    return response


def export_json(job: ExportJob, request: Request) -> dict:
    links = [{"rel": "self", "href": request.build_absolute_uri(reverse("export-detail", args=[job.pk]))}]
    if job.status == JobStatus.SUCCEEDED:
        links.append({"rel": "download",
                      "href": request.build_absolute_uri(reverse("export-download", args=[job.pk]))})
    return {"id": job.pk, "status": job.status, "layer": job.layer.slug, "version": job.layer_version,
            "format": job.fmt, "crs": job.crs, "links": links}


class LayerExport(APIView):
    throttle_classes = [ExportThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("crs", str, description="EPSG code of the output, e.g. EPSG:9210 (default 4326)"),
                    OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(exports.FORMATS),
                                     description="The file format")],
        responses={**FILE_RESPONSES,
                   202: OpenApiResponse(EXPORT_JOB, description="A big export being built")},
        operation_id="layers_export",
        summary="Download a layer as GeoJSON, CSV, GeoPackage, zipped Shapefile or KML",
    )
    def get(self, request: Request, slug: str, fmt: str) -> HttpResponse:
        layer = get_visible_layer(request.user, slug)
        crs_text = request.query_params.get("crs") or ""
        crs = _parse(layer, fmt, crs_text)
        etag = _etag(request, layer, layer.version, fmt, crs_module.label(crs))
        if request_matches(request, etag):
            return _cached(not_modified(etag), layer, etag)
        if fmt == "geojson" and crs == crs_module.WGS84:
            response = StreamingHttpResponse(exports.geojson_chunks(layer), content_type=exports.FORMATS[fmt].content_type)
            return _cached(_with_metadata(response, layer, fmt), layer, etag)
        if layer.feature_count > settings.LAYERS_EXPORT_ASYNC_FEATURES:
            return self._queued(request, layer, fmt, crs_module.label(crs))
        # Small enough to hold in memory (LAYERS_EXPORT_ASYNC_FEATURES), so the scratch files go at once.
        directory = Path(tempfile.mkdtemp(prefix="export-", dir=_scratch()))
        try:
            data = exports.write_file(layer, fmt, crs, directory).read_bytes()
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        response = HttpResponse(data, content_type=exports.FORMATS[fmt].content_type)
        return _cached(_with_metadata(response, layer, fmt), layer, etag)

    def _queued(self, request: Request, layer: Layer, fmt: str, crs_label: str) -> Response:
        try:
            with transaction.atomic():
                job, created = ExportJob.objects.get_or_create(
                    layer=layer, layer_version=layer.version, fmt=fmt, crs=crs_label,
                    defaults={"created_by": request.user if request.user.is_authenticated else None},
                )
                if created:
                    from layers.tasks import queue_export

                    queue_export(job.pk)
        except IntegrityError:  # two callers asked at once; the other one created it
            job = ExportJob.objects.get(layer=layer, layer_version=layer.version, fmt=fmt, crs=crs_label)
        return Response(export_json(job, request), status=202)


class ExportDetail(APIView):
    @extend_schema(responses={200: OpenApiResponse(EXPORT_JOB)}, summary="A big export's status")
    def get(self, request: Request, export_id: int) -> Response:
        return Response(export_json(_visible_job(request, export_id), request))


class ExportDownload(APIView):
    @extend_schema(responses=FILE_RESPONSES, summary="Download a built export")
    def get(self, request: Request, export_id: int) -> HttpResponse:
        job = _visible_job(request, export_id)
        if job.status != JobStatus.SUCCEEDED or not Path(job.file_path).is_file():
            raise NotFound()
        etag = _etag(request, job.layer, job.layer_version, job.fmt, job.crs)
        if request_matches(request, etag):
            return _cached(not_modified(etag), job.layer, etag)
        response = FileResponse(open(job.file_path, "rb"), content_type=exports.FORMATS[job.fmt].content_type)
        return _cached(_with_metadata(response, job.layer, job.fmt), job.layer, etag)


def _visible_job(request: Request, export_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("layer").filter(pk=export_id).first()
    if job is None:
        raise NotFound()
    if not can_see(request.user, job.layer):  # the layer's own rule; a hidden layer's job is an unknown job
        raise NotFound()
    return job


def _scratch() -> Path:
    directory = Path(settings.LAYERS_EXPORT_DIR) / "tmp"
    directory.mkdir(parents=True, exist_ok=True)
    return directory
