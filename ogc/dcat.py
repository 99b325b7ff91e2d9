"""The portal's catalog as DCAT-AP (JSON-LD), for a national portal to harvest (CKAN with ckanext-dcat
reads it), and the same datasets in the shape of CKAN's action API (package_list, package_show).

The JSON-LD context is inline: a harvester needs no other document, and nothing here asks the
internet. Texts carry their language (`vi`, `en`); frequencies use the EU vocabulary DCAT-AP names;
media types are IANA's.
"""

from django.http import HttpRequest

from layers.models import Layer, UpdateFrequency
from ogc import portal

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
}
_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES = {
    UpdateFrequency.CONTINUOUS: "CONT", UpdateFrequency.DAILY: "DAILY", UpdateFrequency.WEEKLY: "WEEKLY",
    UpdateFrequency.MONTHLY: "MONTHLY", UpdateFrequency.QUARTERLY: "QUARTERLY",
    UpdateFrequency.ANNUAL: "ANNUAL", UpdateFrequency.IRREGULAR: "IRREG", UpdateFrequency.UNKNOWN: "UNKNOWN",
}
_IANA = "http://www.iana.org/assignments/media-types/"
CATALOG_TITLE = {"vi": "Dữ liệu mở tỉnh Long An (Trung tâm Điều hành thông minh)",
                 "en": "Long An open data (Intelligent Operations Center)"}


def _texts(vi: str, en: str) -> list[dict]:
    return [{"@value": text, "@language": lang} for lang, text in (("vi", vi), ("en", en)) if text]


def _when(layer: Layer) -> dict:
    return {"@value": layer.updated_at.isoformat(timespec="seconds"), "@type": "xsd:dateTime"}


def _wkt(box: list[float]) -> str:
    west, south, east, north = box
    return (f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}))")


def dataset_node(layer: Layer, request: HttpRequest) -> dict:
    page = request.build_absolute_uri(f"/data/{layer.slug}/")
    publisher = layer.owner.name_vi if layer.owner else layer.source_department
    node = {
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": layer.slug,
        "dct:title": _texts(layer.title_vi, layer.title_en),
        "dct:description": _texts(layer.description or layer.title_vi, ""),
        "dct:modified": _when(layer),
        "dct:issued": {"@value": layer.created_at.isoformat(timespec="seconds"), "@type": "xsd:dateTime"},
        "dct:accrualPeriodicity": {"@id": _FREQUENCY + FREQUENCIES[UpdateFrequency(layer.update_frequency)]},
        "dct:license": layer.license,
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": publisher or "Long An"},
        "dcat:keyword": [layer.domain, *_texts(layer.get_domain_display(), "")],
        "dcat:landingPage": {"@id": page},
        "owl:versionInfo": str(layer.version),
        "dcat:distribution": [_distribution(layer, d, request) for d in portal.downloads(layer)],
    }
    box = portal.bbox(layer)
    if box:
        node["dct:spatial"] = {"@type": "dct:Location",
                               "dcat:bbox": {"@value": _wkt(box), "@type": "gsp:wktLiteral"}}
    return node


def _distribution(layer: Layer, download: portal.Download, request: HttpRequest) -> dict:
    url = request.build_absolute_uri(download.href)
    node = {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": download.title,
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dcat:mediaType": {"@id": _IANA + download.media_type},
        "dct:format": download.format,
        "dct:license": layer.license,
        "dct:modified": _when(layer),
    }
    if download.crs:
        node["dct:conformsTo"] = {"@id": "http://www.opengis.net/def/crs/EPSG/0/" + download.crs.split(":")[1]}
    return node


def catalog(request: HttpRequest) -> dict:
    """The whole DCAT-AP catalog of the portal's datasets."""
    return {
        "@context": CONTEXT | {"owl": "http://www.w3.org/2002/07/owl#"},
        "@id": request.build_absolute_uri("/data/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": _texts(CATALOG_TITLE["vi"], CATALOG_TITLE["en"]),
        "dct:description": _texts(CATALOG_TITLE["vi"], CATALOG_TITLE["en"]),
        "foaf:homepage": {"@id": request.build_absolute_uri("/data/")},
        "dct:language": [{"@id": "http://publications.europa.eu/resource/authority/language/VIE"},
                         {"@id": "http://publications.europa.eu/resource/authority/language/ENG"}],
        "dcat:dataset": [dataset_node(layer, request) for layer in portal.find_datasets()],
    }


# -- CKAN's action API (the part a harvester reads) ---------------------------------------------------


def ckan_envelope(request: HttpRequest, result) -> dict:
    return {"help": request.build_absolute_uri(request.path), "success": True, "result": result}


def package(layer: Layer, request: HttpRequest) -> dict:
    """A dataset as CKAN's package_show returns it."""
    box = portal.bbox(layer)
    return {
        "id": layer.slug,
        "name": layer.slug,
        "title": layer.title_vi,
        "title_en": layer.title_en,
        "notes": layer.description,
        "license_id": layer.license,
        "license_title": layer.license,
        "metadata_created": layer.created_at.isoformat(timespec="seconds"),
        "metadata_modified": layer.updated_at.isoformat(timespec="seconds"),
        "version": str(layer.version),
        "url": request.build_absolute_uri(f"/data/{layer.slug}/"),
        "organization": ({"name": layer.owner.code, "title": layer.owner.name_vi} if layer.owner
                         else {"name": "", "title": layer.source_department}),
        "tags": [{"name": layer.domain}],
        "extras": [{"key": "frequency", "value": layer.update_frequency},
                   *([{"key": "spatial", "value": _geojson_box(box)}] if box else [])],
        "resources": [
            {"id": f"{layer.slug}:{d.format.lower()}:{d.crs or 'native'}", "name": d.title, "format": d.format,
             "mimetype": d.media_type, "url": request.build_absolute_uri(d.href)}
            for d in portal.downloads(layer)
        ],
    }


def _geojson_box(box: list[float]) -> str:
    west, south, east, north = box
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return '{"type": "Polygon", "coordinates": [' + str(ring) + "]}"
