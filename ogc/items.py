"""OGC API - Features items: the query parameters of /items parsed into one layers.filters.FeatureQuery
(Part 1's bbox and datetime, Part 2's crs and bbox-crs, Part 3's filter), and the FeatureCollection
built around a page from layers.geojson (PostGIS writes the features; keyset paging by `after`)."""

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import shapely
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from layers import geojson, query
from layers.errors import InvalidBbox, InvalidParameter
from layers.filters import FeatureQuery, parse_bbox, parse_before, parse_feature_query
from layers.models import Layer
from ogc import crs as ogc_crs
from ogc.cql2 import compile_filter
from ogc.crs import OgcCrs, OutsideCrs
from ogc.responses import GEOJSON, json_bytes

OGC_PARAMETERS = frozenset({"bbox-crs", "crs", "filter", "filter-lang", "filter-crs", "before"})
# A page for people: a table of ten thousand rows helps no one.
HTML_PAGE = 100


@dataclass(frozen=True)
class ItemsQuery:
    features: FeatureQuery
    crs: OgcCrs


def parse_items_query(layer: Layer, params: dict[str, str], *, html: bool = False) -> ItemsQuery:
    plain = {k: v for k, v in params.items() if k != "bbox"}
    if html and "limit" not in plain:
        plain["limit"] = str(HTML_PAGE)
    # A JSON page is streamed (ogc.items.items_chunks), so its size costs no memory: OGC_PAGE_MAX,
    # above the /api/ one, lets GDAL and walkers ask for large pages (a larger limit is capped).
    features = parse_feature_query(layer, plain, extra_reserved=OGC_PARAMETERS,
                                   limit_max=None if html else settings.OGC_PAGE_MAX)
    output = ogc_crs.parse_crs(params.get("crs"), parameter="crs")
    conditions = []
    bbox = None
    if "bbox" in params:
        bbox_crs = ogc_crs.parse_crs(params.get("bbox-crs"), parameter="bbox-crs")
        bbox, condition = _bbox(params["bbox"], bbox_crs)
        if condition is not None:
            conditions.append(condition)
    elif "bbox-crs" in params:
        ogc_crs.parse_crs(params["bbox-crs"], parameter="bbox-crs")
    if params.get("filter"):
        filter_crs = ogc_crs.parse_crs(params.get("filter-crs"), parameter="filter-crs")
        conditions.append(compile_filter(layer, text=params["filter"],
                                         language=params.get("filter-lang") or "cql2-text", crs=filter_crs))
    before = parse_before(params.get("before"))
    if before is not None and features.after is not None:
        raise InvalidParameter(_("Give after or before, not both."), fields={"before": [params["before"][:20]]})
    features = replace(features, bbox=bbox, before=before,
                       condition=query.all_of(conditions) if conditions else None)
    return ItemsQuery(features=features, crs=output)


def _bbox(raw: str, bbox_crs: OgcCrs) -> tuple[tuple | None, query.Sql | None]:
    """4 or 6 numbers (a 3D box's heights are ignored: features are 2D). In CRS84 it is the feature
    store's own box; in another CRS its outline (densified) is transformed and asked as a geometry."""
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise InvalidBbox(_("bbox needs four numbers (or six, with heights), in bbox-crs (default CRS84)."))
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if bbox_crs.epsg is None:
        return parse_bbox(",".join(parts)), None
    try:
        a, b, c, d = (float(p) for p in parts)
    except ValueError:
        raise InvalidBbox(_("bbox must contain only numbers, e.g. bbox=106.3,10.5,106.5,10.7.")) from None
    if not all(math.isfinite(v) for v in (a, b, c, d)) or a > c or b > d:
        raise InvalidBbox(_("bbox must be four finite numbers, each minimum before its maximum."))
    try:
        outline = bbox_crs.to_storage(shapely.box(a, b, c, d))
    except OutsideCrs:
        raise InvalidBbox(_("bbox lies outside the area of bbox-crs.")) from None
    west, south, east, north = outline.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidBbox(_("bbox lies outside the area of bbox-crs."))
    return None, query.in_geometry(shapely.to_wkb(outline))


def items_document(page: geojson.FeaturePage, *, matched: int, links: list[dict]) -> bytes:
    """The FeatureCollection: its head in Python, its features as PostGIS wrote them."""
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": page.returned,
        "timeStamp": timezone.now().isoformat(timespec="seconds"),
        "links": links,
    }
    return json_bytes(head)[:-1] + b',"features":[' + page.features + b"]}"


def number_matched(layer: Layer, asked: FeatureQuery) -> int | None:
    """numberMatched, which OGC API - Features Part 1 makes optional (and, when given, exact: no
    estimate). Unfiltered, the catalog's maintained count answers without a scan. Filtered, the
    selection is counted for a walk's first page only; its later pages (`after`/`before`) leave the
    member out instead of counting the whole selection again for every page."""
    if asked.is_filtered and (asked.after is not None or asked.before is not None):
        return None
    return geojson.count_features(layer, asked)


def items_chunks(page: geojson.StreamedPage, *, matched: int | None,
                 links: Callable[[], list[dict]]) -> Iterator[bytes]:
    """The FeatureCollection of a streamed page: its head, the features as PostgreSQL writes them, then
    numberReturned and the links, which need the page's last id (members of a JSON object have no
    order; GDAL, OWSLib and QGIS read the whole document). The first chunk's statement runs here,
    before the response starts: an error in the filter is answered in the error shape, not as a
    cut-off 200."""
    head = {"type": "FeatureCollection", "timeStamp": timezone.now().isoformat(timespec="seconds")}
    if matched is not None:
        head["numberMatched"] = matched
    features = page.chunks()
    first = next(features, b"")

    def parts() -> Iterator[bytes]:
        yield json_bytes(head)[:-1] + b',"features":[' + first
        yield from features
        yield b"]," + json_bytes({"numberReturned": page.returned, "links": links()})[1:]

    return parts()


def page_links(request: HttpRequest, page: geojson.FeaturePage | geojson.StreamedPage, asked: FeatureQuery) -> list[dict]:
    """self, alternate (HTML), next and prev (keyset cursors `after` and `before`); every link keeps
    every other parameter of the request."""
    params = request.GET.dict()
    base = request.build_absolute_uri(request.path)
    media = "text/html" if params.get("f") == "html" else GEOJSON

    def link(rel: str, kind: str, **changes: str | None) -> dict:
        kept = {k: v for k, v in (params | changes).items() if v is not None}
        return {"rel": rel, "type": kind, "href": base + ("?" + urlencode(kept) if kept else "")}

    found = [link("self", GEOJSON, f="json"), link("alternate", "text/html", f="html")]
    backwards = asked.before is not None
    if page.returned and (backwards or page.has_more):
        found.append(link("next", media, after=str(page.last_id), before=None))
    if page.returned and (page.has_more if backwards else asked.after is not None):
        found.append(link("prev", media, before=str(page.first_id), after=None))
    return found


def feature_document(request: HttpRequest, body: bytes) -> bytes:
    links = [
        {"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri(request.path) + "?f=json"},
        {"rel": "alternate", "type": "text/html", "href": request.build_absolute_uri(request.path) + "?f=html"},
        {"rel": "collection", "type": "application/json",
         "href": request.build_absolute_uri(request.path.rsplit("/items/", 1)[0])},
    ]
    return body[:-1] + b',"links":' + json.dumps(links).encode() + b"}"


