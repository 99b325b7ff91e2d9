"""The open-data portal's datasets: the public layers, found, filtered and described.

Which layers are datasets is asked of the one access rule as an anonymous caller
(layers.access.visible_layers(None)): the portal publishes open data only, whoever browses it, so a
staff member's session never puts an internal layer on a public page or into the harvested catalog.
"""

import json
from dataclasses import dataclass

from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.urls import reverse

from layers import exports, geojson
from layers.access import get_visible_layer, visible_layers
from layers.filters import FeatureQuery
from layers.models import Department, Domain, Kind, Layer
from layers.serializers import RASTER_TYPE

# Every export comes in these CRSs (KML only in WGS 84): WGS 84, Long An's VN-2000 TM-3 zone, and
# VN-2000 UTM 48N, the national grid of older files.
CRS_CHOICES = (
    ("EPSG:4326", "WGS 84"),
    ("EPSG:9210", "VN-2000 / TM-3 105°45′ (Long An)"),
    ("EPSG:3405", "VN-2000 / UTM 48N"),
)
FORMAT_LABELS = {"geojson": "GeoJSON", "csv": "CSV", "gpkg": "GeoPackage", "shp.zip": "Shapefile (zip)",
                 "kml": "KML"}
PREVIEW_ROWS = 10


class _Fold(Func):
    """layers_fold (migration layers/0002): unaccented lower case, so "can giuoc" finds "Cần Giuộc"."""

    function = "layers_fold"
    output_field = TextField()


def published() -> QuerySet[Layer]:
    """Every dataset of the portal: the layers an anonymous caller may see."""
    return visible_layers(None).select_related("owner")


def find_datasets(*, text: str = "", domain: str = "", department: str = "") -> QuerySet[Layer]:
    """Datasets whose titles, description or slug hold `text` (diacritics and case ignored), of a
    domain and of a department (its code), each filter skipped when empty."""
    layers = published()
    if domain:
        layers = layers.filter(domain=domain)
    if department:
        layers = layers.filter(owner__code=department)
    if text.strip():
        words = Concat(F("title_vi"), Value(" "), F("title_en"), Value(" "), F("description"), Value(" "),
                       F("slug"), output_field=TextField())
        layers = layers.annotate(searched=_Fold(words)).filter(searched__contains=_Fold(Value(text.strip())))
    return layers.order_by("domain", "title_vi")


def dataset(slug: str) -> Layer:
    """A dataset by slug; LayerNotFound for a layer that is not public, as for an unknown one."""
    return get_visible_layer(None, slug)


def facets() -> dict[str, list[tuple[str, str]]]:
    """The domains and departments that have datasets: (value, label) pairs for the filters."""
    layers = published()
    domains = dict(Domain.choices)
    used = sorted(set(layers.values_list("domain", flat=True)))
    departments = Department.objects.filter(layers__in=layers).distinct().order_by("name_vi")
    return {"domains": [(d, domains.get(d, d)) for d in used],
            "departments": [(d.code, f"{d.name_vi} / {d.name_en}") for d in departments]}


@dataclass(frozen=True)
class Download:
    title: str
    href: str  # a path on this server
    media_type: str
    format: str  # the short name a harvester shows (GeoJSON, CSV, GPKG, SHP, KML, GeoTIFF)
    crs: str = "EPSG:4326"


def downloads(layer: Layer) -> list[Download]:
    """Every file of the dataset: each export format in each CRS (KML only in WGS 84), or a raster's
    Cloud-Optimized GeoTIFF."""
    if layer.kind == Kind.RASTER:
        return [Download("Cloud-Optimized GeoTIFF", reverse("layer-raster", args=[layer.slug]), RASTER_TYPE,
                         "GeoTIFF", "")]
    found = []
    for fmt, spec in exports.FORMATS.items():
        for code, name in CRS_CHOICES:
            if fmt == "kml" and code != "EPSG:4326":
                continue
            if fmt == "shp.zip" and layer.geometry_type == "Geometry":
                continue  # a shapefile holds one geometry type (export_views refuses it)
            href = reverse("layer-export", args=[layer.slug, fmt])
            if code != "EPSG:4326":
                href += "?crs=" + code
            found.append(Download(f"{FORMAT_LABELS[fmt]} — {name}", href, spec.content_type.split(";")[0],
                                  FORMAT_LABELS[fmt].split(" ")[0], code))
    return found


def service_links(layer: Layer) -> dict[str, str]:
    """The machine interfaces of the dataset (paths on this server)."""
    links = {"catalog": reverse("layer-detail", args=[layer.slug]),
             "tilejson": reverse("tiles-tilejson", args=[layer.slug]),
             "style": reverse("tiles-style", args=[layer.slug])}
    if layer.kind == Kind.VECTOR:
        links["features"] = reverse("layer-features", args=[layer.slug])
        links["ogc_items"] = f"/ogc/collections/{layer.slug}/items"
        links["ogc_collection"] = f"/ogc/collections/{layer.slug}"
    else:
        links["values"] = reverse("layer-value", args=[layer.slug])
    return links


def preview(layer: Layer) -> list[dict]:
    """The first features' properties, as the API gives them (source_id and time included)."""
    if layer.kind != Kind.VECTOR:
        return []
    page = geojson.feature_page(layer, FeatureQuery(limit=PREVIEW_ROWS))
    return [feature["properties"] for feature in json.loads(b"[" + page.features + b"]")]


def bbox(layer: Layer) -> list[float] | None:
    if layer.extent is None:
        return None
    return [round(v, 6) for v in layer.extent.extent]
