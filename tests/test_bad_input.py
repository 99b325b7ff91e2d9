"""Malformed requests across every endpoint family, as an outside tester sends them: each one answers a
4xx (never a 5xx) whose body is the one error shape {"detail": str, "code": str, "fields"?: {...}}.

One table, one row per request; the row's id says what is wrong with it. Add a row for every new
endpoint or kind of bad input."""

import json
import math
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from feedback.layer import feedback_layer
from layers.models import Department
from monitoring.layers import sync_layer
from monitoring.models import Indicator, Service
from tests.departments import make_department
from wall.models import Playlist

pytestmark = pytest.mark.django_db

SQUARE = [[106.35, 10.85], [106.40, 10.85], [106.40, 10.90], [106.35, 10.90], [106.35, 10.85]]
WORLD = {"type": "Polygon", "coordinates": [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]]}
HEMISPHERE = {"type": "Polygon", "coordinates": [[[-90, 0], [90, 0], [90, 10], [-90, 10], [-90, 0]]]}
ANTIPODAL = {"type": "Polygon", "coordinates": [[[0, -89.99], [0.001, 89.99], [0.002, 89.99], [0, -89.99]]]}
BOW_TIE = {"type": "Polygon", "coordinates": [[[106.35, 10.85], [106.40, 10.90], [106.40, 10.85], [106.35, 10.90],
                                                [106.35, 10.85]]]}
OPEN_RING = {"type": "Polygon", "coordinates": [SQUARE[:-1]]}
TWO_POINTS = {"type": "Polygon", "coordinates": [[[106.35, 10.85], [106.40, 10.85]]]}
OUTSIDE = {"type": "Polygon", "coordinates": [[[200, 10], [201, 10], [201, 11], [200, 10]]]}
STRINGS = {"type": "Polygon", "coordinates": [[["106.35", "10.85"], [106.4, 10.85], [106.4, 10.9], ["106.35", "10.85"]]]}
COLLECTION = {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "coordinates": [SQUARE]}]}
POINT = {"type": "Point", "coordinates": [106.4, 10.5]}
TWO_PARTS = {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[p[0] + 1, p[1]] for p in SQUARE]]]}
SQUARE_POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}


def many_vertices(n: int) -> dict:
    ring = [[106.4 + 0.1 * math.cos(2 * math.pi * i / n), 10.6 + 0.1 * math.sin(2 * math.pi * i / n)] for i in range(n)]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def nested(depth: int) -> bytes:
    return b'{"geometry":' + b"[" * depth + b"]" * depth + b"}"


@dataclass(frozen=True)
class Bad:
    id: str
    method: str
    path: str
    actor: str = "anonymous"
    body: bytes | dict | None = None
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def get(id: str, path: str, actor: str = "anonymous", **headers) -> Bad:
    return Bad(id, "GET", path, actor, headers=headers)


def send_json(id: str, method: str, path: str, doc, actor: str = "anonymous") -> Bad:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return Bad(id, method, path, actor, body)


def form(id: str, path: str, body: bytes) -> Bad:
    return Bad(id, "POST", path, body=body, content_type="application/x-www-form-urlencoded")


def upload(id: str, actor: str = "steward", name: str = "points.geojson", content: bytes | None = None, **fields) -> Bad:
    file = b'{"type":"FeatureCollection","features":[]}' if content is None else content
    return Bad(id, "POST", "/api/imports/", actor, {"file": (name, file), **fields}, "multipart")


def submit(id: str, name: str, content: bytes) -> Bad:
    return Bad(id, "POST", SUBMISSIONS, "steward", {"file": (name, content), "indicator": "bad-input-rate"},
               "multipart")


FEATURES = "/api/layers/schools/features/"
SUBMISSIONS = "/api/indicators/submissions/"
OBSERVATIONS = "/api/layers/schools/observations/"
OBSERVATION = {"type": "Feature", "id": "obs-1", "geometry": {"type": "Point", "coordinates": [106.41, 10.54]},
               "properties": {"name": "Trường mới", "pupils": 10}}
INDICATOR_VALUES = "/api/indicators/bad-input-rate/values/"
INCIDENTS = "/api/layers/incidents/features/"
OGC_ITEMS = "/ogc/collections/schools/items"

OPEN311 = "/open311/v2/requests.json"

CASES = [
    # Open311 GeoReport v2 (feedback): posted forms and list filters
    form("open311-post-without-a-key", OPEN311, b"service_code=giao_thong&lat=10.54&long=106.41&description=x"),
    form("open311-post-with-a-wrong-key", OPEN311, b"api_key=nonsense&service_code=giao_thong&description=x"),
    Bad("open311-post-of-nothing", "POST", OPEN311, "official", b"", "application/x-www-form-urlencoded"),
    Bad("open311-post-latitude-not-a-number", "POST", OPEN311, "official",
        b"service_code=giao_thong&lat=north&long=106.41&description=x", "application/x-www-form-urlencoded"),
    Bad("open311-post-latitude-nan", "POST", OPEN311, "official",
        b"service_code=giao_thong&lat=NaN&long=106.41&description=x", "application/x-www-form-urlencoded"),
    Bad("open311-post-longitude-infinite", "POST", OPEN311, "official",
        b"service_code=giao_thong&lat=10.5&long=1e999&description=x", "application/x-www-form-urlencoded"),
    Bad("open311-post-description-too-long", "POST", OPEN311, "official",
        b"service_code=giao_thong&lat=10.5&long=106.4&description=" + b"a" * 5000, "application/x-www-form-urlencoded"),
    Bad("open311-post-json-body", "POST", OPEN311, "official", b'{"service_code": "giao_thong"}'),
    get("open311-list-start-date-not-a-date", OPEN311 + "?start_date=yesterday"),
    get("open311-list-start-date-without-offset", OPEN311 + "?start_date=2026-01-01T00:00:00"),
    get("open311-list-end-before-start", OPEN311 + "?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"),
    get("open311-list-range-over-ninety-days", OPEN311 + "?start_date=2025-01-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"),
    get("open311-list-status-unknown", OPEN311 + "?status=pending"),
    get("open311-list-bbox-short", OPEN311 + "?bbox=106.4,10.5"),
    get("open311-unknown-service", "/open311/v2/services/no_such.json"),
    get("open311-unknown-request", "/open311/v2/requests/1022-999999999.json"),
    get("open311-unknown-token", "/open311/v2/tokens/no-such-token.json"),
    get("feedback-status-unknown-key", "/feedback/status/no-such-key/"),
    get("feedback-kpis-hidden-layer", "/api/feedback/kpis/"),
    get("feedback-kpis-by-unknown-group", "/api/feedback/kpis/?by=district", "official"),
    get("feedback-kpis-unknown-parameter", "/api/feedback/kpis/?commune=27685", "official"),
    get("feedback-kpis-bad-window", "/api/feedback/kpis/?datetime=2026-13-01", "official"),
    # The catalog
    get("catalog-nul-in-domain", "/api/layers/?domain=%00"),
    get("catalog-bad-utf8-in-domain", "/api/layers/?domain=%ff"),
    get("catalog-overlong-utf8", "/api/layers/?domain=%C0%80"),
    get("catalog-nul-in-slug", "/api/layers/sch%00ools/"),
    get("catalog-bad-utf8-in-slug", "/api/layers/%ff/"),
    get("catalog-escape-char-in-key", "/api/layers/?%1b[31m=1"),
    Bad("catalog-delete-not-allowed", "DELETE", "/api/layers/"),
    # Features: property filters, paging, bbox, datetime
    get("features-nul-in-filter", FEATURES + "?name=%00"),
    get("features-nul-inside-filter", FEATURES + "?name=Tr%00ng"),
    get("features-nul-in-key", FEATURES + "?%00=1"),
    get("features-bad-utf8-in-filter", FEATURES + "?name=%ff"),
    get("features-lone-surrogate-as-cesu8", FEATURES + "?name=%ED%A0%80"),
    get("features-bell-in-filter", FEATURES + "?level=%07"),
    get("features-tab-in-filter", FEATURES + "?level=%09"),
    get("features-del-in-filter", FEATURES + "?level=%7f"),
    get("features-integer-1e400", FEATURES + "?pupils=1e400"),
    get("features-integer-too-big", FEATURES + "?pupils=99999999999999999999"),
    get("features-integer-too-small", FEATURES + "?pupils=-99999999999999999999"),
    get("features-integer-3000-digits", FEATURES + "?pupils=" + "9" * 3000),
    get("features-integer-nan", FEATURES + "?pupils=nan"),
    get("features-boolean-nul", FEATURES + "?public=%00"),
    get("features-boolean-word", FEATURES + "?public=yes"),
    get("features-limit-huge-negative", FEATURES + "?limit=-99999999999999999999"),
    get("features-limit-nul", FEATURES + "?limit=%00"),
    get("features-after-too-big", FEATURES + "?after=99999999999999999999999"),
    get("features-after-negative", FEATURES + "?after=-1"),
    get("features-after-float", FEATURES + "?after=1e3"),
    get("features-bbox-infinite", FEATURES + "?bbox=1e400,0,1,1"),
    get("features-bbox-nan", FEATURES + "?bbox=nan,0,1,1"),
    get("features-bbox-nul", FEATURES + "?bbox=%00"),
    get("features-bbox-outside-wgs84", FEATURES + "?bbox=-181,0,0,1"),
    get("features-bbox-latitude-over-90", FEATURES + "?bbox=0,-91,1,1"),
    get("features-bbox-five-numbers", FEATURES + "?bbox=1,2,3,4,5"),
    get("features-properties-nul", FEATURES + "?properties=%00"),
    get("features-properties-unknown", FEATURES + "?properties=name,%01"),
    get("features-unknown-parameter", FEATURES + "?colour=red"),
    get("features-datetime-on-timeless-layer", FEATURES + "?datetime=2022-01-01"),
    get("features-datetime-year-0", INCIDENTS + "?datetime=0000-01-01", "official"),
    get("features-datetime-year-99999", INCIDENTS + "?datetime=99999-01-01", "official"),
    get("features-datetime-year-99999-instant", INCIDENTS + "?datetime=99999-01-01T00:00:00Z", "official"),
    get("features-datetime-month-13", INCIDENTS + "?datetime=2022-13-01", "official"),
    get("features-datetime-nul", INCIDENTS + "?datetime=%00", "official"),
    get("features-datetime-inverted", INCIDENTS + "?datetime=2022-06-02/2022-06-01", "official"),
    get("features-datetime-open-both-ends", INCIDENTS + "?datetime=../..", "official"),
    get("features-datetime-offset-24h", INCIDENTS + "?datetime=2022-06-01T00:00:00%2B24:00", "official"),
    get("features-hidden-layer", INCIDENTS),
    # One feature
    get("feature-id-overflow", FEATURES + "99999999999999999999999/"),
    get("feature-id-negative", FEATURES + "-1/"),
    get("feature-id-nul", FEATURES + "1%00/"),
    get("feature-properties-nul", FEATURES + "1/?properties=%00"),
    get("feature-id-bad-utf8", FEATURES + "%ff/"),
    # Exports
    get("export-nul-in-filter", "/api/layers/schools/export.csv?name=%00"),
    get("export-unknown-format", "/api/layers/schools/export.exe"),
    get("export-nul-in-format", "/api/layers/schools/export.c%00sv"),
    get("export-crs-nonsense", "/api/layers/schools/export.geojson?crs=nonsense"),
    get("export-crs-huge-code", "/api/layers/schools/export.geojson?crs=EPSG:99999999999999999999"),
    get("export-crs-nul", "/api/layers/schools/export.geojson?crs=EPSG:%00"),
    get("export-kml-not-in-wgs84", "/api/layers/schools/export.kml?crs=EPSG:9210"),
    get("export-job-id-overflow", "/api/exports/99999999999999999999/"),
    get("export-download-id-overflow", "/api/exports/99999999999999999999/download"),
    get("export-job-unknown", "/api/exports/0/"),
    # Imports, as a data steward
    upload("import-nul-in-title", layer="new-layer", title="Tr\x00m", domain="environment"),
    upload("import-escape-in-title", layer="new-layer", title="\x1b[2J", domain="environment"),
    upload("import-nul-in-layer", layer="ne\x00w", title="T", domain="environment"),
    upload("import-bad-mode", layer="new-layer", title="T", domain="environment", mode="explode"),
    upload("import-nul-in-mode", layer="new-layer", title="T", domain="environment", mode="\x00"),
    upload("import-bad-crs", layer="new-layer", title="T", domain="environment", crs="EPSG:nonsense"),
    upload("import-huge-crs", layer="new-layer", title="T", domain="environment", crs="EPSG:99999999999999999999"),
    upload("import-bad-domain", layer="new-layer", title="T", domain="\x00"),
    upload("import-bad-encoding", layer="new-layer", title="T", domain="environment", encoding="klingon"),
    upload("import-empty-file", layer="new-layer", title="T", domain="environment", content=b""),
    upload("import-control-characters-as-file-name", name="\x00\x1b", layer="new-layer", title="T", domain="environment"),
    upload("import-path-in-file-name", name="../../etc/passwd", layer="new-layer", title="T", domain="environment"),
    upload("import-unknown-extension", name="points.exe", layer="new-layer", title="T", domain="environment"),
    upload("import-as-anonymous", actor="anonymous", layer="new-layer", title="T", domain="environment"),
    upload("import-as-outsider", actor="outsider", layer="new-layer", title="T", domain="environment"),
    Bad("import-without-file", "POST", "/api/imports/", "steward", {"layer": "x"}, "multipart"),
    send_json("import-json-nested", "POST", "/api/imports/", nested(5000), "steward"),
    Bad("import-content-length-garbage", "POST", "/api/imports/", "steward", b"{}", headers={"CONTENT_LENGTH": "abc"}),
    get("import-job-id-overflow", "/api/imports/99999999999999999999/", "steward"),
    get("import-job-unknown", "/api/imports/0/", "steward"),
    send_json("import-style-job-id-overflow", "POST", "/api/imports/99999999999999999999/style/", {"style": {}}, "steward"),
    send_json("import-style-unknown-job", "POST", "/api/imports/0/style/", {"style": {}}, "steward"),
    send_json("import-style-nested", "POST", "/api/imports/1/style/", nested(3000), "steward"),
    send_json("import-style-anonymous", "POST", "/api/imports/1/style/", {"style": {}}),
    send_json("confirm-job-id-overflow", "POST", "/api/imports/99999999999999999999/confirm/", {"crs": "EPSG:9210"},
              "steward"),
    send_json("confirm-nested", "POST", "/api/imports/1/confirm/", nested(3000), "steward"),
    send_json("confirm-nul-in-crs", "POST", "/api/imports/1/confirm/", {"crs": "EPSG:\u0000"}, "steward"),
    send_json("confirm-style-not-an-object", "POST", "/api/imports/1/confirm/", {"publish": True, "style": [1]}, "steward"),
    send_json("confirm-style-nul", "POST", "/api/imports/1/confirm/", {"publish": "\u0000", "style": {"type": "\u0000"}},
              "steward"),
    upload("import-hold-nul", layer="pts", title="P", domain="admin", hold="\u0000"),
    upload("import-create-nul-slug", layer="\u0000", title="P", domain="admin", create="true"),
    # Search, counts, timeline
    get("search-nul", "/api/search/?q=%00"),
    get("search-nul-inside", "/api/search/?q=T%C3%A2n%00An"),
    get("search-bad-utf8", "/api/search/?q=%ff%fe"),
    get("search-truncated-utf8", "/api/search/?q=T%C3"),
    get("search-nul-in-key", "/api/search/?q=a&%00=1"),
    get("search-empty", "/api/search/?q="),
    get("search-too-long", "/api/search/?q=" + "a" * 201),
    get("search-control-char", "/api/search/?q=%1f"),
    get("counts-bbox-nul", "/api/counts/?bbox=%00"),
    get("counts-bbox-nan", "/api/counts/?bbox=nan,0,1,1"),
    get("counts-bbox-infinite", "/api/counts/?bbox=0,0,1e400,1"),
    get("counts-datetime-year-99999", "/api/counts/?datetime=99999-01-01"),
    get("counts-datetime-nul", "/api/counts/?datetime=2022%00"),
    get("timeline-nul-in-key", "/api/timeline/?%00"),
    get("timeline-bad-utf8", "/api/timeline/?x=%ff"),
    # Polygon summaries
    send_json("summary-whole-world", "POST", "/api/summary/", {"geometry": WORLD}),
    send_json("summary-hemisphere", "POST", "/api/summary/", {"geometry": HEMISPHERE}),
    send_json("summary-antipodal-edge", "POST", "/api/summary/", {"geometry": ANTIPODAL}),
    send_json("summary-self-intersecting", "POST", "/api/summary/", {"geometry": BOW_TIE}),
    send_json("summary-open-ring", "POST", "/api/summary/", {"geometry": OPEN_RING}),
    send_json("summary-two-points", "POST", "/api/summary/", {"geometry": TWO_POINTS}),
    send_json("summary-outside-wgs84", "POST", "/api/summary/", {"geometry": OUTSIDE}),
    send_json("summary-coordinates-as-strings", "POST", "/api/summary/", {"geometry": STRINGS}),
    send_json("summary-geometry-collection", "POST", "/api/summary/", {"geometry": COLLECTION}),
    send_json("summary-point", "POST", "/api/summary/", {"geometry": POINT}),
    send_json("summary-two-parts", "POST", "/api/summary/", {"geometry": TWO_PARTS}),
    send_json("summary-too-many-vertices", "POST", "/api/summary/", {"geometry": many_vertices(20_001)}),
    send_json("summary-no-geometry", "POST", "/api/summary/", {}),
    send_json("summary-geometry-is-text", "POST", "/api/summary/", {"geometry": "POLYGON((0 0,1 0,1 1,0 0))"}),
    # Planners' tools
    send_json("proximity-array-body", "POST", "/api/analysis/proximity/", [1, 2]),
    send_json("proximity-no-mode", "POST", "/api/analysis/proximity/", {"layer": "schools"}),
    send_json("proximity-layer-is-number", "POST", "/api/analysis/proximity/", {"mode": "within", "layer": 7}),
    send_json("proximity-distance-text", "POST", "/api/analysis/proximity/",
              {"mode": "within", "layer": "schools", "distance_m": "500", "near": {"layer": "schools"}}),
    send_json("proximity-distance-infinite", "POST", "/api/analysis/proximity/",
              {"mode": "within", "layer": "schools", "distance_m": 1e400, "near": {"layer": "schools"}}),
    send_json("proximity-near-is-list", "POST", "/api/analysis/proximity/",
              {"mode": "within", "layer": "schools", "distance_m": 500, "near": []}),
    send_json("proximity-near-bow-tie", "POST", "/api/analysis/proximity/",
              {"mode": "within", "layer": "schools", "distance_m": 500, "near": {"geometry": BOW_TIE}}),
    send_json("proximity-near-whole-world", "POST", "/api/analysis/proximity/",
              {"mode": "within", "layer": "schools", "distance_m": 500, "near": {"geometry": WORLD}}),
    send_json("proximity-near-zone-is-object", "POST", "/api/analysis/proximity/",
              {"mode": "within", "layer": "schools", "distance_m": 500, "near": {"zone": {"id": 1}}}),
    send_json("proximity-n-is-text", "POST", "/api/analysis/proximity/",
              {"mode": "nearest", "layer": "schools", "n": "3", "from": {"point": [106.4, 10.5]}}),
    send_json("proximity-point-nan", "POST", "/api/analysis/proximity/",
              {"mode": "nearest", "layer": "schools", "n": 3, "from": {"point": [106.4]}}),
    send_json("proximity-coverage-units-are-points", "POST", "/api/analysis/proximity/",
              {"mode": "coverage", "layer": "schools", "distance_m": 500, "units": "schools"}),
    send_json("compliance-no-use", "POST", "/api/analysis/compliance/", {"geometry": HEMISPHERE}),
    send_json("compliance-use-is-list", "POST", "/api/analysis/compliance/", {"use": ["industrial"], "geometry": HEMISPHERE}),
    send_json("compliance-whole-world", "POST", "/api/analysis/compliance/", {"use": "industrial", "geometry": WORLD}),
    send_json("compliance-bow-tie", "POST", "/api/analysis/compliance/", {"use": "industrial", "geometry": BOW_TIE}),
    send_json("compliance-zone-unknown", "POST", "/api/analysis/compliance/", {"use": "industrial", "zone": 2**62}),
    send_json("compliance-zone-negative", "POST", "/api/analysis/compliance/", {"use": "industrial", "zone": -3}),
    send_json("report-no-zone", "POST", "/api/analysis/report.pdf", {"use": "industrial"}),
    send_json("report-bow-tie", "POST", "/api/analysis/report.pdf", {"geometry": BOW_TIE}),
    send_json("report-hemisphere", "POST", "/api/analysis/report.html", {"geometry": HEMISPHERE}),
    send_json("report-unknown-lang", "POST", "/api/analysis/report.pdf", {"geometry": OPEN_RING, "lang": "fr"}),
    send_json("report-title-is-number", "POST", "/api/analysis/report.html", {"geometry": BOW_TIE, "title": 7}),
    send_json("report-unknown-use", "POST", "/api/analysis/report.pdf", {"geometry": HEMISPHERE, "use": "casino"}),
    send_json("report-unknown-format", "POST", "/api/analysis/report.xlsx", {"geometry": HEMISPHERE}),
    send_json("aggregate-unknown-op", "POST", "/api/analysis/aggregate/", {"layer": "schools", "op": "median"}),
    send_json("aggregate-property-not-a-number", "POST", "/api/analysis/aggregate/",
              {"layer": "schools", "op": "avg", "property": "name"}),
    send_json("aggregate-property-is-list", "POST", "/api/analysis/aggregate/",
              {"layer": "schools", "op": "sum", "property": ["pupils"]}),
    send_json("aggregate-datetime-garbage", "POST", "/api/analysis/aggregate/",
              {"layer": "schools", "op": "count", "datetime": "yesterday"}),
    send_json("summary-nan-coordinate", "POST", "/api/summary/",
              b'{"geometry":{"type":"Polygon","coordinates":[[[NaN,10],[106,10],[106,11],[NaN,10]]]}}'),
    send_json("summary-infinite-coordinate", "POST", "/api/summary/",
              b'{"geometry":{"type":"Polygon","coordinates":[[[1e400,10],[106,10],[106,11],[1e400,10]]]}}'),
    send_json("summary-nested-5000", "POST", "/api/summary/", nested(5000)),
    send_json("summary-nested-100", "POST", "/api/summary/", nested(100)),
    send_json("summary-not-json", "POST", "/api/summary/", b"{geometry: square}"),
    send_json("summary-truncated-json", "POST", "/api/summary/", b'{"geometry": {"type": "Poly'),
    send_json("summary-array-body", "POST", "/api/summary/", [1, 2, 3]),
    send_json("summary-bad-utf8-body", "POST", "/api/summary/", b'{"datetime": "\xff\xfe"}'),
    send_json("summary-lone-surrogate", "POST", "/api/summary/", b'{"geometry": "\\ud800"}'),
    send_json("summary-nul-in-key", "POST", "/api/summary/", {"geo\u0000metry": SQUARE_POLYGON}),
    send_json("summary-nul-in-datetime", "POST", "/api/summary/", {"geometry": SQUARE_POLYGON, "datetime": "\u0000"}),
    send_json("summary-datetime-year-99999", "POST", "/api/summary/",
              {"geometry": SQUARE_POLYGON, "datetime": "99999-01-01"}),
    send_json("summary-datetime-is-number", "POST", "/api/summary/", {"geometry": SQUARE_POLYGON, "datetime": 5}),
    send_json("summary-crs-unknown", "POST", "/api/summary/",
              {"geometry": SQUARE_POLYGON | {"crs": {"type": "name", "properties": {"name": "EPSG:99999999"}}}}),
    send_json("summary-crs-nameless", "POST", "/api/summary/",
              {"geometry": SQUARE_POLYGON | {"crs": {"type": "name"}}}),
    send_json("summary-vn2000-out-of-zone", "POST", "/api/summary/", {"geometry": {
        "type": "Polygon", "crs": {"type": "name", "properties": {"name": "EPSG:9210"}},
        "coordinates": [[[1e12, 1e12], [1e12 + 1, 1e12], [1e12 + 1, 1e12 + 1], [1e12, 1e12]]]}}),
    Bad("summary-too-large-body", "POST", "/api/summary/", body=b'{"pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'),
    Bad("summary-text-plain", "POST", "/api/summary/", body=b"geometry", content_type="text/plain"),
    Bad("summary-get-not-allowed", "GET", "/api/summary/"),
    # Feature summaries
    get("feature-summary-id-overflow", "/api/layers/schools/features/99999999999999999999/summary/"),
    get("feature-summary-datetime-nul", "/api/layers/schools/features/1/summary/?datetime=%00"),
    get("feature-summary-datetime-year-0", "/api/layers/schools/features/1/summary/?datetime=0000-01-01"),
    # Zones, as a planner
    send_json("observations-not-an-object", "POST", OBSERVATIONS, [1, 2], "steward"),
    send_json("observations-empty-collection", "POST", OBSERVATIONS, {"type": "FeatureCollection", "features": []},
              "steward"),
    send_json("observations-no-id", "POST", OBSERVATIONS, {**OBSERVATION, "id": None}, "steward"),
    send_json("observations-id-is-boolean", "POST", OBSERVATIONS, {**OBSERVATION, "id": True}, "steward"),
    send_json("observations-id-too-long", "POST", OBSERVATIONS, {**OBSERVATION, "id": "x" * 201}, "steward"),
    send_json("observations-bad-geometry", "POST", OBSERVATIONS,
              {**OBSERVATION, "geometry": {"type": "Point", "coordinates": ["a", 1]}}, "steward"),
    send_json("observations-wrong-geometry-type", "POST", OBSERVATIONS,
              {**OBSERVATION, "geometry": SQUARE_POLYGON}, "steward"),
    send_json("observations-off-the-earth", "POST", OBSERVATIONS,
              {**OBSERVATION, "geometry": {"type": "Point", "coordinates": [200, 10]}}, "steward"),
    send_json("observations-unknown-property", "POST", OBSERVATIONS,
              {**OBSERVATION, "properties": {"colour": "đỏ"}}, "steward"),
    send_json("observations-text-in-integer", "POST", OBSERVATIONS,
              {**OBSERVATION, "properties": {"pupils": "many"}}, "steward"),
    send_json("observations-boolean-in-integer", "POST", OBSERVATIONS,
              {**OBSERVATION, "properties": {"pupils": True}}, "steward"),
    send_json("observations-nul-in-text", "POST", OBSERVATIONS,
              {**OBSERVATION, "properties": {"name": "T\u0000A"}}, "steward"),
    send_json("observations-time-on-timeless-layer", "POST", OBSERVATIONS,
              {**OBSERVATION, "time": "2026-01-01T00:00:00Z"}, "steward"),
    send_json("observations-station-on-layer-without-stations", "POST", OBSERVATIONS,
              {"station": "KK-01", "values": {"pupils": 1}}, "steward"),
    send_json("observations-too-many", "POST", OBSERVATIONS,
              {"type": "FeatureCollection", "features": [{**OBSERVATION, "id": i} for i in range(1001)]}, "steward"),
    send_json("observations-id-twice", "POST", OBSERVATIONS,
              {"type": "FeatureCollection", "features": [OBSERVATION, OBSERVATION]}, "steward"),
    send_json("observations-as-anonymous", "POST", OBSERVATIONS, OBSERVATION),
    send_json("observations-nested", "POST", OBSERVATIONS, nested(5000), "steward"),
    send_json("zone-nul-in-name", "POST", "/api/zones/", {"name": "V\u0000ng", "geometry": SQUARE_POLYGON}, "planner"),
    send_json("zone-escape-in-name", "POST", "/api/zones/", {"name": "\u001b[2J", "geometry": SQUARE_POLYGON},
              "planner"),
    send_json("zone-nul-in-purpose", "POST", "/api/zones/",
              {"name": "V", "purpose": "\u0000", "geometry": SQUARE_POLYGON}, "planner"),
    send_json("zone-name-is-number", "POST", "/api/zones/", {"name": 5, "geometry": SQUARE_POLYGON}, "planner"),
    send_json("zone-name-empty", "POST", "/api/zones/", {"name": " ", "geometry": SQUARE_POLYGON}, "planner"),
    send_json("zone-name-too-long", "POST", "/api/zones/", {"name": "v" * 5000, "geometry": SQUARE_POLYGON},
              "planner"),
    send_json("zone-whole-world", "POST", "/api/zones/", {"name": "World", "geometry": WORLD}, "planner"),
    send_json("zone-antipodal-edge", "POST", "/api/zones/", {"name": "A", "geometry": ANTIPODAL}, "planner"),
    send_json("zone-self-intersecting", "POST", "/api/zones/", {"name": "B", "geometry": BOW_TIE}, "planner"),
    send_json("zone-too-many-vertices", "POST", "/api/zones/", {"name": "C", "geometry": many_vertices(20_001)},
              "planner"),
    send_json("zone-nested", "POST", "/api/zones/", nested(5000), "planner"),
    send_json("zone-as-anonymous", "POST", "/api/zones/", {"name": "V", "geometry": SQUARE_POLYGON}),
    send_json("zone-patch-id-overflow", "PATCH", "/api/zones/99999999999999999999/", {"name": "V"}, "planner"),
    send_json("zone-patch-whole-world", "PATCH", "/api/zones/1/", {"geometry": WORLD}, "planner"),
    send_json("zone-patch-nul-in-name", "PATCH", "/api/zones/1/", {"name": "\u0000"}, "planner"),
    Bad("zone-delete-id-overflow", "DELETE", "/api/zones/99999999999999999999/", "planner"),
    Bad("zone-delete-nul-id", "DELETE", "/api/zones/%00/", "planner"),
    get("zone-get-not-a-number", "/api/zones/abc/"),
    get("zone-get-id-overflow", "/api/zones/99999999999999999999/", "planner"),
    # Layer history (the steward owns `schools`)
    send_json("rollback-version-text", "POST", "/api/layers/schools/rollback/", {"version": "một"}, "steward"),
    send_json("rollback-version-negative", "POST", "/api/layers/schools/rollback/", {"version": -3}, "steward"),
    send_json("rollback-version-overflow", "POST", "/api/layers/schools/rollback/",
              {"version": 10**30}, "steward"),
    send_json("rollback-version-boolean", "POST", "/api/layers/schools/rollback/", {"version": True}, "steward"),
    send_json("rollback-version-missing", "POST", "/api/layers/schools/rollback/", {}, "steward"),
    send_json("rollback-body-a-list", "POST", "/api/layers/schools/rollback/", [1], "steward"),
    send_json("rollback-not-json", "POST", "/api/layers/schools/rollback/", b"version=1", "steward"),
    send_json("rollback-nested", "POST", "/api/layers/schools/rollback/", nested(5000), "steward"),
    send_json("rollback-version-not-kept", "POST", "/api/layers/schools/rollback/", {"version": 1}, "steward"),
    send_json("rollback-anonymous", "POST", "/api/layers/schools/rollback/", {"version": 1}),
    send_json("restore-live-layer", "POST", "/api/layers/schools/restore/", {}, "steward"),
    send_json("restore-nul-slug", "POST", "/api/layers/sch%00ools/restore/", {}, "steward"),
    get("history-nul-slug", "/api/layers/sch%00ools/history/", "steward"),
    get("history-anonymous", "/api/layers/schools/history/"),
    # Tiles
    get("tile-zoom-overflow", "/tiles/schools/99999999999999/0/0.pbf"),
    get("tile-zoom-out-of-range", "/tiles/schools/23/0/0.pbf"),
    get("tile-x-out-of-range", "/tiles/schools/1/5/0.pbf"),
    get("tile-negative-y", "/tiles/schools/1/0/-1.pbf"),
    get("tile-unknown-format", "/tiles/schools/0/0/0.exe"),
    get("tile-nul-in-slug", "/tiles/sch%00ools/0/0/0.pbf"),
    get("tile-nul-in-filter", "/tiles/schools/0/0/0.pbf?name=%00"),
    get("tile-bad-utf8-in-filter", "/tiles/schools/0/0/0.pbf?name=%ff"),
    get("tile-integer-1e400", "/tiles/schools/0/0/0.pbf?pupils=1e400"),
    get("tile-integer-too-big", "/tiles/schools/0/0/0.pbf?pupils=99999999999999999999"),
    get("tile-unknown-filter", "/tiles/schools/0/0/0.pbf?colour=red"),
    get("tile-raster-nul", "/tiles/schools/0/0/0.png?%00"),
    get("tilejson-nul", "/tiles/sch%00ools.json"),
    get("tilejson-unknown", "/tiles/nope.json"),
    get("style-nul", "/tiles/styles/%00.json"),
    get("style-draft-not-json", "/tiles/styles/schools.json?style=%7Bnope"),
    get("style-draft-nul", "/tiles/styles/schools.json?style=%00"),
    get("style-draft-for-two-layers", "/tiles/styles/schools,incidents.json?style=%7B%22type%22%3A%22circle%22%7D"),
    get("style-draft-bad-colour", "/tiles/styles/schools.json?style=%7B%22type%22%3A%22circle%22%2C%22color%22%3A%22red%22%7D"),
    # A layer's style (its owning department's stewards)
    send_json("layer-style-not-an-object", "PATCH", "/api/layers/schools/", [1, 2], "steward"),
    send_json("layer-style-missing", "PATCH", "/api/layers/schools/", {}, "steward"),
    send_json("layer-style-other-field", "PATCH", "/api/layers/schools/", {"style": {"type": "circle"}, "access": "public"},
              "steward"),
    send_json("layer-style-unknown-type", "PATCH", "/api/layers/schools/", {"style": {"type": "glitter"}}, "steward"),
    send_json("layer-style-raster-on-vector", "PATCH", "/api/layers/schools/", {"style": {"type": "raster"}}, "steward"),
    send_json("layer-style-falling-classes", "PATCH", "/api/layers/schools/", {"style": {"type": "circle", "graduated": {
        "property": "pupils", "classes": [{"min": 9, "color": "#000000"}, {"min": 1, "color": "#ffffff"}]}}}, "steward"),
    send_json("layer-style-nan-size", "PATCH", "/api/layers/schools/", b'{"style": {"type": "circle", "size": {"property": "p",'
              b' "min_value": NaN, "max_value": 1, "min_radius": 1, "max_radius": 2}}}', "steward"),
    send_json("layer-style-not-json", "PATCH", "/api/layers/schools/", b"{style", "steward"),
    send_json("layer-style-anonymous", "PATCH", "/api/layers/schools/", {"style": {"type": "circle"}}),
    get("style-bad-utf8", "/tiles/styles/%ff.json"),
    get("basemap-nul-in-key", "/tiles/styles/basemap.json?%00=1"),
    get("preview-nul", "/tiles/preview/?layers=%00"),
    # OGC API - Features and Tiles
    get("ogc-items-nul-in-filter", OGC_ITEMS + "?filter=name%3D%27%00%27"),
    get("ogc-items-filter-not-cql2", OGC_ITEMS + "?filter=name%20%3D%3D%3D%20x"),
    get("ogc-items-filter-json-not-json", OGC_ITEMS + "?filter-lang=cql2-json&filter=%7Bop"),
    get("ogc-items-filter-json-a-number", OGC_ITEMS + "?filter-lang=cql2-json&filter=5"),
    get("ogc-items-filter-unknown-property", OGC_ITEMS + "?filter=colour%3D%27red%27"),
    get("ogc-items-filter-unknown-language", OGC_ITEMS + "?filter-lang=sql&filter=1%3D1"),
    get("ogc-items-filter-text-for-a-number", OGC_ITEMS + "?filter=pupils%3D%27many%27"),
    get("ogc-items-filter-integer-1e400", OGC_ITEMS + "?filter=pupils%3D1e400"),
    get("ogc-items-filter-bow-tie", OGC_ITEMS + "?filter=S_INTERSECTS(geometry,POLYGON((0%200,1%201,1%200,0%201,0%200)))"),
    get("ogc-items-filter-geometry-off-the-earth", OGC_ITEMS + "?filter=S_INTERSECTS(geometry,POINT(500%20500))"),
    get("ogc-items-filter-deeply-nested", OGC_ITEMS + "?filter=" + "NOT%20(" * 60 + "pupils%3D1" + ")" * 60),
    get("ogc-items-filter-temporal-on-timeless", OGC_ITEMS + "?filter=T_AFTER(datetime,TIMESTAMP(%272022-01-01T00:00:00Z%27))"),
    get("ogc-items-filter-crs-unknown", OGC_ITEMS + "?filter=pupils%3D1&filter-crs=EPSG:2154"),
    get("ogc-items-crs-unknown", OGC_ITEMS + "?crs=http://www.opengis.net/def/crs/EPSG/0/2154"),
    get("ogc-items-crs-nul", OGC_ITEMS + "?crs=%00"),
    get("ogc-items-bbox-five-numbers", OGC_ITEMS + "?bbox=1,2,3,4,5"),
    get("ogc-items-bbox-nan-in-vn2000", OGC_ITEMS + "?bbox=nan,0,1,1&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/9210"),
    get("ogc-items-bbox-vn2000-off-the-earth", OGC_ITEMS + "?bbox=-1e30,-1e30,1e30,1e30&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/9210"),
    get("ogc-items-limit-zero", OGC_ITEMS + "?limit=0"),
    get("ogc-items-f-unknown", OGC_ITEMS + "?f=xml"),
    get("ogc-items-accept-unoffered", OGC_ITEMS, HTTP_ACCEPT="image/png"),
    get("ogc-items-unknown-parameter", OGC_ITEMS + "?colour=red"),
    get("ogc-items-before-negative", OGC_ITEMS + "?before=-1"),
    get("ogc-items-before-and-after", OGC_ITEMS + "?before=5&after=1"),
    get("ogc-item-not-a-number", OGC_ITEMS + "/abc"),
    get("ogc-item-huge-id", OGC_ITEMS + "/99999999999999999999999"),
    get("ogc-item-superscript-digit", OGC_ITEMS + "/%C2%B2"),
    get("ogc-items-before-superscript-digit", OGC_ITEMS + "?before=%C2%B2"),
    get("ogc-items-before-4400-digits", OGC_ITEMS + "?before=" + "9" * 4400),
    get("ogc-collection-nul", "/ogc/collections/sch%00ools"),
    get("ogc-tile-bad-row", "/ogc/collections/schools/tiles/WebMercatorQuad/1/x/0"),
    get("ogc-tile-zoom-overflow", "/ogc/collections/schools/tiles/WebMercatorQuad/99999999999999/0/0"),
    get("ogc-tile-unknown-format", "/ogc/collections/schools/tiles/WebMercatorQuad/0/0/0?f=exe"),
    get("ogc-tile-unknown-matrix-set", "/ogc/collections/schools/tiles/Nope/0/0/0"),
    # The wall
    get("wall-scene-nul", "/api/wall/scenes/%00/data"),
    get("wall-scene-unknown", "/api/wall/scenes/nope/data"),
    get("wall-scene-bad-utf8", "/api/wall/scenes/nope/data?x=%ff"),
    get("wall-state-unknown", "/api/wall/playlists/nope/state"),
    get("wall-state-nul", "/api/wall/playlists/no%00pe/state"),
    send_json("wall-control-anonymous", "POST", "/api/wall/playlists/empty/control", {"action": "pause"}),
    send_json("wall-control-bad-action", "POST", "/api/wall/playlists/empty/control", {"action": "explode"}, "official"),
    send_json("wall-control-goto-text", "POST", "/api/wall/playlists/empty/control",
              {"action": "goto", "position": "1"}, "official"),
    send_json("wall-control-nul-action", "POST", "/api/wall/playlists/empty/control", {"action": "\u0000"}, "official"),
    send_json("wall-control-nested", "POST", "/api/wall/playlists/empty/control", nested(5000), "official"),
    send_json("wall-control-not-json", "POST", "/api/wall/playlists/empty/control", b"pause", "official"),
    get("wall-bad-token", "/wall/?token=not-a-token"),
    get("wall-nul-token", "/wall/?token=%00"),
    get("wall-nul-scene", "/wall/?scene=%00"),
    get("wall-control-page-bad-utf8", "/wall/control/?playlist=%ff"),
    # Health, language, sign-in, schema, unknown addresses
    get("healthz-nul", "/healthz?%00"),
    get("healthz-bad-utf8", "/healthz?x=%ff"),
    form("setlang-nul", "/i18n/setlang/", b"language=%00"),
    form("setlang-bad-utf8", "/i18n/setlang/", b"language=vi&next=%ff"),
    form("login-nul-in-username", "/accounts/login/", b"username=a%00&password=b"),
    form("login-nul-in-key", "/accounts/login/", b"%00=a"),
    get("login-nul-in-next", "/accounts/login/?next=%00"),
    get("schema-nul", "/api/schema/?format=%00"),
    # Rasters as data (schools is a vector layer: the point is checked before the kind)
    get("value-lon-missing", "/api/layers/schools/value?lat=10.5"),
    get("value-lon-nan", "/api/layers/schools/value?lon=nan&lat=10.5"),
    get("value-lon-infinite", "/api/layers/schools/value?lon=1e400&lat=10.5"),
    get("value-lat-out-of-range", "/api/layers/schools/value?lon=106.4&lat=90.5"),
    get("value-lon-nul", "/api/layers/schools/value?lon=%00&lat=10.5"),
    get("value-unknown-parameter", "/api/layers/schools/value?lon=106.4&lat=10.5&band=1"),
    get("value-of-a-vector-layer", "/api/layers/schools/value?lon=106.4&lat=10.5"),
    get("raster-of-a-vector-layer", "/api/layers/schools/raster.tif", HTTP_RANGE="bytes=zz"),
    get("schema-bad-utf8", "/api/schema/?lang=%ff"),
    get("docs-nul", "/api/docs/?%00"),
    get("unknown-address", "/no/such/page/"),
    get("unknown-address-nul", "/no/such/%00/"),
    get("path-escape-char", "/api/layers/%1b/"),
    # The request line and headers
    get("url-too-long", "/api/layers/?domain=" + "x" * 5000),
    get("header-too-large", "/api/layers/", HTTP_X_PADDING="x" * 9000),
    Bad("too-many-headers", "GET", "/api/layers/", headers={f"HTTP_X_H{i}": "1" for i in range(120)}),
    get("host-not-allowed", "/api/layers/", HTTP_HOST="evil.example"),
    get("host-with-nul", "/api/layers/", HTTP_HOST="localhost\x00"),
    # Monitoring: services, indicators, values, units, submissions
    get("services-unknown-param", "/api/monitoring/services/?x=1"),
    get("indicators-unknown-param", "/api/indicators/?bbox=1,2,3,4"),
    get("indicator-unknown", "/api/indicators/no-such-indicator/"),
    get("indicator-nul-in-slug", "/api/indicators/bad%00input/"),
    get("values-bad-period", INDICATOR_VALUES + "?period=2025-13"),
    get("values-period-of-another-type", INDICATOR_VALUES + "?period=2025-Q3"),
    get("values-nul-in-period", INDICATOR_VALUES + "?period=%00"),
    get("values-bad-utf8-in-from", INDICATOR_VALUES + "?from=%ff"),
    get("values-unknown-boundary", INDICATOR_VALUES + "?boundary=1999"),
    get("values-unit-not-a-code", INDICATOR_VALUES + "?unit=Ph%C6%B0%E1%BB%9Dng%205"),
    get("values-unit-sql", INDICATOR_VALUES + "?unit=1%27%3B%20DROP%20TABLE%20x"),
    get("values-unknown-param", INDICATOR_VALUES + "?datetime=2025-01-01"),
    get("units-bad-day", "/api/units/?at=2025-02-30"),
    get("units-unknown-level", "/api/units/?level=province"),
    get("units-unknown-boundary", "/api/units/?boundary=%ff"),
    get("unit-profile-unknown", "/api/units/00000/profile/"),
    get("unit-profile-unknown-param", "/api/units/00000/profile/?bbox=1"),
    get("ledger-anonymous", "/api/indicators/submissions/"),
    get("ledger-bad-limit", "/api/indicators/submissions/?limit=many", "steward"),
    get("ledger-unknown-param", "/api/indicators/submissions/?q=1", "steward"),
    get("submission-unknown", "/api/indicators/submissions/2000000000/", "steward"),
    Bad("submission-publish-unknown", "POST", "/api/indicators/submissions/2000000000/publish", "steward"),
    Bad("submission-publish-anonymous", "POST", "/api/indicators/submissions/1/publish"),
    Bad("submission-discard-by-get", "GET", "/api/indicators/submissions/1/discard", "steward"),
    send_json("submit-anonymous", "POST", SUBMISSIONS, {"indicator": "bad-input-rate", "rows": []}),
    send_json("submit-no-indicator", "POST", SUBMISSIONS, {"rows": [{"unit": "1", "period": "2025-01", "value": 1}]},
              "steward"),
    send_json("submit-indicator-a-number", "POST", SUBMISSIONS, {"indicator": 5, "rows": []}, "steward"),
    send_json("submit-unknown-indicator", "POST", SUBMISSIONS, {"indicator": "no-such", "rows": []}, "steward"),
    send_json("submit-not-the-department-s", "POST", SUBMISSIONS, {"indicator": "bad-input-rate", "rows": []},
              "planner"),
    send_json("submit-rows-not-a-list", "POST", SUBMISSIONS, {"indicator": "bad-input-rate", "rows": "all"}, "steward"),
    send_json("submit-rows-empty", "POST", SUBMISSIONS, {"indicator": "bad-input-rate", "rows": []}, "steward"),
    send_json("submit-row-not-an-object", "POST", SUBMISSIONS, {"indicator": "bad-input-rate", "rows": [[1, 2, 3]]},
              "steward"),
    send_json("submit-unknown-boundary", "POST", SUBMISSIONS,
              {"indicator": "bad-input-rate", "boundary": "1999", "rows": [{"unit": "1"}]}, "steward"),
    send_json("submit-neither-file-nor-rows", "POST", SUBMISSIONS, {"indicator": "bad-input-rate"}, "steward"),
    send_json("submit-body-a-list", "POST", SUBMISSIONS, [1, 2], "steward"),
    submit("submit-pdf", "values.pdf", b"%PDF-1.4"),
    submit("submit-empty-csv", "values.csv", b""),
    submit("submit-csv-without-columns", "values.csv", b"a,b\n1,2\n"),
    submit("submit-csv-utf16", "values.csv", "unit,period,value\n1,2025-01,1\n".encode("utf-16")),
    submit("submit-csv-binary", "values.csv", b"\x00\x01\x02unit,period,value"),
    submit("submit-broken-xlsx", "values.xlsx", b"PK\x03\x04garbage"),
    submit("submit-xlsx-that-is-text", "values.xlsx", b"unit,period,value\n"),
]


@pytest.fixture(scope="module")
def clients() -> dict[str, APIClient]:
    """One client per actor for the whole module: each new client loads the middleware again, and
    WhiteNoise's scan of the static files is most of a request's time in a test."""
    return {name: APIClient() for name in ("anonymous", "official", "planner", "steward", "outsider")}


@pytest.fixture
def callers(clients, planner, official, schools) -> dict[str, APIClient]:
    # A real steward (of the department owning `schools`), so import cases reach the checks of their
    # input rather than stopping at "you may not import".
    steward = User.objects.create_user("steward", is_staff=True)
    make_department("edu", stewards=(steward,), owns=(schools,))
    users = {"anonymous": None, "official": official, "planner": planner, "steward": steward,
             "outsider": User.objects.create_user("outsider")}
    for name, user in users.items():
        clients[name].force_authenticate(user)
    return clients


@pytest.fixture
def places(import_dir, schools, incidents, zones, districts):
    Playlist.objects.create(slug="empty", title_vi="Trống", title_en="Empty")
    feedback_layer()  # internal: the official reaches the checks of the KPIs' parameters


@pytest.fixture
def indicator(callers):
    """A public indicator of the steward's department (so submissions reach the checks of their input)."""
    service = Service.objects.create(slug="bad-input", title_vi="Dịch vụ", title_en="Service",
                                     department=Department.objects.get(code="edu"))
    sync_layer(Indicator.objects.create(slug="bad-input-rate", service=service, title_vi="Tỷ lệ", title_en="Rate",
                                        unit="%", access="public"))


def send(client: Client, case: Bad):
    if isinstance(case.body, dict):  # multipart
        data = {k: SimpleUploadedFile(*v) if isinstance(v, tuple) else v for k, v in case.body.items()}
        return client.generic(case.method, case.path, **case.headers) if not data else client.post(
            case.path, data, format="multipart", **case.headers)
    return client.generic(case.method, case.path, case.body or b"", content_type=case.content_type, **case.headers)


def assert_error_shape(response) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    if isinstance(body, list) and response.wsgi_request.path.startswith("/open311/"):
        # Open311 GeoReport v2's error list (feedback.open311.errors): the spec's code (the HTTP
        # status) and description, our registry's code as `error`, the refused fields named.
        assert len(body) == 1 and body[0]["code"] == response.status_code, body
        body = {"detail": body[0]["description"], "code": body[0]["error"],
                **({"fields": dict.fromkeys(body[0]["fields"].split(", "), [])} if "fields" in body[0] else {})}
    assert isinstance(body, dict) and set(body) <= {"detail", "code", "fields"}, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert isinstance(body["code"], str) and body["code"], body
    assert "fields" not in body or isinstance(body["fields"], dict), body
    assert "Traceback" not in body["detail"] and "SELECT" not in body["detail"] and "/work" not in body["detail"]
    return body


def test_the_table_has_at_least_a_hundred_distinct_requests():
    assert len(CASES) >= 100
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_it_answers_a_malformed_request_with_a_4xx_in_the_error_shape(case, callers, places, indicator):
    assert_error_shape(send(callers[case.actor], case))
