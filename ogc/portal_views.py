"""Thin HTTP edges of the open-data portal (ogc.portal, ogc.dcat): pages in Vietnamese first (English
with the language switch), the DCAT-AP catalog and CKAN's package_list / package_show."""

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from layers.conditional import exact_vary, make_etag, not_modified, request_matches
from layers.errors import InvalidParameter
from layers.models import Domain, Kind
from ogc import dcat, portal


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    chosen = {name: request.GET.get(name, "").strip() for name in ("q", "domain", "department")}
    datasets = portal.find_datasets(text=chosen["q"], domain=chosen["domain"], department=chosen["department"])
    return render(request, "ogc/portal/index.html", {
        "datasets": datasets, "chosen": chosen, "facets": portal.facets(), "domains": dict(Domain.choices),
    })


@require_safe
def dataset(request: HttpRequest, slug: str) -> HttpResponse:
    layer = portal.dataset(slug)
    english = get_language() == "en"
    fields = [{"name": p["name"], "type": p["type"], "unit": p.get("unit", ""),
               "label": p["label_en"] if english else p["label_vi"], "description": p.get("description", "")}
              for p in layer.property_schema]
    rows = portal.preview(layer)
    columns = ["source_id", *[f["name"] for f in fields]]
    return render(request, "ogc/portal/dataset.html", {
        "layer": layer, "title": layer.title_en if english else layer.title_vi,
        "department": (layer.owner.name_en if english else layer.owner.name_vi) if layer.owner else layer.source_department,
        "fields": fields, "downloads": portal.downloads(layer), "links": portal.service_links(layer),
        "columns": columns, "rows": [[row.get(c) for c in columns] for row in rows],
        "map": {"slug": layer.slug, "bbox": portal.bbox(layer), "raster": layer.kind == Kind.RASTER},
        "domain": dict(Domain.choices).get(layer.domain, layer.domain),
    })


def _json(request: HttpRequest, doc: dict, content_type: str) -> HttpResponse:
    """Open data for every caller, in both languages: one ETag and no Vary (layers.conditional)."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    etag = make_etag(body.decode(), public=True)
    response = not_modified(etag) if request_matches(request, etag) else HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=60"
    return exact_vary(response, None)


@require_safe
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    return _json(request, dcat.catalog(request), "application/ld+json")


@require_safe
def package_list(request: HttpRequest) -> HttpResponse:
    slugs = list(portal.find_datasets().order_by("slug").values_list("slug", flat=True))
    return _json(request, dcat.ckan_envelope(request, slugs), "application/json")


@require_safe
def package_show(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("id", "")
    if not name:
        raise InvalidParameter(_("Name the dataset: ?id=<name>."), fields={"id": [_("Missing.")]})
    return _json(request, dcat.ckan_envelope(request, dcat.package(portal.dataset(name), request)), "application/json")
