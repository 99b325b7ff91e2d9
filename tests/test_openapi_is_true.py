"""The OpenAPI schema is true: a client generated from /api/schema/ (openapi-python-client) calls every
GET and parses what comes back, and schemathesis finds no server error and no response that violates
the schema on any GET. Both talk to the real WSGI application (geo_ioc.wsgi, the tile edge included)
in this process, on this test's rows. Every JSON body of a success is described (no generic object, however deep),
and the operations that change things (POSTs) answer, called for real, what the schema says: nothing
missing, nothing undeclared."""

import importlib
import inspect
import json
import subprocess
import sys
import typing
from contextlib import contextmanager
from datetime import timedelta
from enum import Enum
from pathlib import Path

import httpx
import numpy as np
import pytest
import rasterio
import schemathesis
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rasterio.transform import from_origin
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from analysis.models import ComplianceCheck, ComplianceRule
from dashboard.models import Bookmark
from feedback import workflow
from geo_ioc.wsgi import application
from layers.models import Access, ExportJob, Feature, ImportJob, JobStatus, Layer
from layers.tokens import create_token
from monitoring.models import (
    AdminUnit,
    AlertEvent,
    AlertRule,
    AlertState,
    Indicator,
    NotificationChannel,
    Silence,
    Submission,
)
from wall.models import Playlist, Scene

pytestmark = pytest.mark.django_db

# Bounded: a few examples per operation keep the run under a minute or so.
EXAMPLES_PER_OPERATION = 8


def no_unannounced_server_error(ctx, response, case):
    """Schemathesis's not_a_server_error, but for a 5xx the operation documents as one of its answers
    (/healthz's 503 "unhealthy": no Celery worker runs beside this test)."""
    if str(response.status_code) in case.operation.definition.raw.get("responses", {}):
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_unannounced_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def api_world(schools, incidents, zones, demo_wall, monitoring_world, superuser, settings, tmp_path) -> dict[str, object]:
    """A vector layer, a raster layer with its COG, a built export, a zone, a wall, the monitoring
    services with their units and submissions: something real behind every GET."""
    settings.MEDIA_ROOT = tmp_path
    settings.LAYERS_EXPORT_DIR = tmp_path / "exports"
    settings.HEALTHZ_CELERY_TIMEOUT = 0.1  # no worker here: /healthz answers 503 quickly
    settings.TILES_CACHE = "none"
    cog = tmp_path / "rasters" / "flood.tif"
    cog.parent.mkdir()
    with rasterio.open(cog, "w", driver="COG", width=64, height=64, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(106.3, 10.7, 0.002, 0.002), nodata=-1) as dst:
        dst.write(np.linspace(0, 2, 64 * 64, dtype="float32").reshape(64, 64), 1)
    Layer.objects.create(slug="flood-depth", title_vi="Độ sâu ngập", title_en="Flood depth", domain="water",
                         kind="raster", geometry_type="", access=Access.PUBLIC, raster_path="rasters/flood.tif",
                         style={"type": "raster", "rescale": [0, 2]},
                         extent="SRID=4326;POLYGON((106.3 10.572,106.428 10.572,106.428 10.7,106.3 10.7,106.3 10.572))")
    export = tmp_path / "exports" / "schools.csv"
    export.parent.mkdir()
    export.write_text("source_id\ns1\n", encoding="utf-8")
    job = ExportJob.objects.create(layer=schools, layer_version=schools.version, fmt="csv", crs="EPSG:4326",
                                   status=JobStatus.SUCCEEDED, file_path=str(export))
    zone = Feature.objects.filter(layer=zones).first()
    # The caller of the generated client (the superuser) has a bookmark: its list is not empty.
    Bookmark.objects.create(user=superuser, name="Tân An", lon=106.41, lat=10.54, zoom=12, layers=["schools"])
    waiting = ImportJob.objects.create(layer_slug="schools", file_name="truong.geojson", status=JobStatus.NEEDS_INPUT,
                                       report={"needs": ["crs"], "counts": {"read": 3}})
    # Held for publishing, with its preview: what GET /api/imports/{id}/style/ draws.
    station = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.41, 10.54]}, "properties": {"ten": "A"}}
    held = ImportJob.objects.create(layer_slug="tram", file_name="tram.geojson", status=JobStatus.NEEDS_INPUT,
                                    report={"needs": ["publish"], "counts": {"read": 1}, "choices": {"preview": {
                                        "features": {"type": "FeatureCollection", "features": [station]},
                                        "style": {"type": "circle", "color": "#1f78b4"}}}})
    rule = alert_with_history(incidents)
    return {"feature": Feature.objects.filter(layer=schools).order_by("id").first().pk, "export": job.pk,
            "rule": rule.pk,
            "import": waiting.pk, "held_import": held.pk,
            "zone": zone.pk if zone else 1, "scene": Scene.objects.order_by("slug").first().slug,
            "playlist": Playlist.objects.order_by("slug").first().slug,
            "indicator": Indicator.objects.order_by("slug").first().slug,
            "unit": AdminUnit.objects.order_by("code").first().code,
            "submission": Submission.objects.order_by("id").first().pk}


def alert_with_history(layer: Layer) -> AlertRule:
    """A rule over `layer` with an area firing (acknowledged), a resolved event, a silence and a webhook."""
    owner = User.objects.create_user("alert-owner", is_staff=True)
    rule = AlertRule.objects.create(slug="incidents-24h", title_vi="Sự cố trong 24 giờ", title_en="Incidents in 24 h",
                                    metric="layer", layer=layer, aggregate="count", area_kind="zones", threshold=5,
                                    recovery=3, window_hours=24, severity="critical", owner=owner)
    now = timezone.now()
    event = AlertEvent.objects.create(rule=rule, area_key="zone-1", area_name="Vùng 1", severity="critical",
                                      fired_at=now, fired_value=7, peak_value=9, acknowledged_by=owner,
                                      acknowledged_at=now, acknowledge_note="Đã xử lý")
    AlertEvent.objects.create(rule=rule, area_key="zone-2", area_name="Vùng 2", severity="critical", fired_at=now,
                              fired_value=6, peak_value=6, resolved_at=now)
    AlertState.objects.create(rule=rule, area_key="zone-1", area_name="Vùng 1", status="firing", value=9, since=now,
                              event=event, evaluated_at=now)
    AlertState.objects.create(rule=rule, area_key="zone-2", area_name="Vùng 2", status="resolved", value=1, since=now)
    Silence.objects.create(rule=rule, area_key="zone-2", ends_at=now + timedelta(hours=1), reason="Bảo trì",
                           created_by=owner)
    NotificationChannel.objects.create(name="Trực ban", url="http://127.0.0.1:9/hook", secret="s3cret-key", owner=owner)
    return rule


@contextmanager
def in_process():
    """The WSGI application is called in this thread, on this test's connection and transaction: as
    Django's test client does (which connects the receivers again after each of its requests),
    requests must not close that connection when they end."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def schema_document() -> dict:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


# -- a generated client calls every GET -------------------------------------------------------------


def only_gets(schema: dict) -> dict:
    """The schema with its GET operations only: those are what this test calls."""
    paths = {path: {m: op for m, op in item.items() if m == "get"} for path, item in schema["paths"].items()}
    return schema | {"paths": {path: item for path, item in paths.items() if item}}


def generate_client(schema: dict, directory: Path):
    directory.mkdir()
    (directory / "schema.json").write_text(json.dumps(only_gets(schema)), encoding="utf-8")
    # The generator knows JSON, text and octet-stream; our files' own media types are bytes to it.
    binary = ["application/geopackage+sqlite3", "application/zip", "application/vnd.google-earth.kml+xml",
              "application/vnd.mapbox-vector-tile", "image/png", "image/webp",
              "image/tiff; application=geotiff; profile=cloud-optimized"]
    overrides = "".join(f'  "{media}": application/octet-stream\n' for media in binary)
    (directory / "config.yml").write_text("post_hooks: []\ncontent_type_overrides:\n" + overrides, encoding="utf-8")
    generator = Path(sys.executable).parent / "openapi-python-client"
    done = subprocess.run(
        [str(generator), "generate", "--path", "schema.json", "--output-path", "geo_ioc_client", "--meta", "none",
         "--config", "config.yml"], cwd=directory, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module("geo_ioc_client")
    finally:
        sys.path.remove(str(directory))


def get_operations(client_package) -> dict[str, typing.Callable]:
    """{operation module name: its sync_detailed} for every GET operation the client has."""
    found = {}
    root = Path(client_package.__file__).parent / "api"
    for path in sorted(root.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        module = importlib.import_module(f"{client_package.__name__}.api.{path.parent.name}.{path.stem}")
        if '"method": "get"' in inspect.getsource(module._get_kwargs):
            found[path.stem] = module.sync_detailed
    return found


def arguments(function, values: dict[str, object]) -> dict[str, object]:
    """The required arguments of a generated operation, from `values` by name (enums converted)."""
    hints = typing.get_type_hints(function)
    chosen = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "client" or parameter.default is not inspect.Parameter.empty:
            continue
        value = values[name]
        kind = hints.get(name)
        if isinstance(kind, type) and issubclass(kind, Enum):
            value = kind(value)
        chosen[name] = value
    return chosen


def test_a_generated_client_calls_every_get_and_parses_its_answer(api_world, superuser, tmp_path):
    schema = schema_document()
    gets = {op["operationId"] for item in schema["paths"].values() for method, op in item.items() if method == "get"}
    package = generate_client(schema, tmp_path / "client")
    operations = get_operations(package)
    assert set(operations) == gets  # every GET of the schema became a function of the client
    client_module = importlib.import_module(f"{package.__name__}.client")
    answers: list[httpx.Response] = []

    def keep(response: httpx.Response) -> None:
        response.read()
        answers.append(response)

    client = client_module.AuthenticatedClient(
        base_url="http://testserver", token=create_token(superuser), prefix="Token",
        httpx_args={"transport": httpx.WSGITransport(app=application), "event_hooks": {"response": [keep]}},
        raise_on_unexpected_status=True)
    vector = {"slug": "schools", "slugs": "schools", "feature_id": str(api_world["feature"]), "fmt": "geojson"}
    # A compliance check is read again by its author only: the superuser's own.
    kept = ComplianceCheck.objects.create(author=superuser, use="industrial", area_ha=1.0, verdict="compatible",
                                          zone="SRID=4326;POLYGON((106.4 10.53,106.42 10.53,106.42 10.55,106.4 10.53))")
    values = {
        "check_id": kept.pk,
        "export_id": api_world["export"], "job_id": api_world["import"], "zone_id": api_world["zone"],
        "lon": 106.35, "lat": 10.65, "q": "Tân An", "id": "schools", "z": 7, "x": 101, "y": 60,
        "rule_id": api_world["rule"],
    }
    by_operation = {
        "layers_raster": {"slug": "flood-depth"}, "layers_value": {"slug": "flood-depth"},
        "tiles_tile": {"fmt": "pbf"}, "wall_scenes_data_retrieve": {"slug": api_world["scene"]},
        "wall_playlists_state_retrieve": {"slug": api_world["playlist"]},
        "layers_features_summary_retrieve": {"slug": "planning-zones", "feature_id": str(api_world["zone"])},
        "indicators_retrieve_2": {"slug": api_world["indicator"]},
        "indicators_values_retrieve": {"slug": api_world["indicator"]},
        "units_profile_retrieve": {"code": api_world["unit"]},
        "indicators_submissions_retrieve_2": {"submission_id": api_world["submission"]},
    }
    # The only GET that may not answer 200 here: /healthz, without a Celery worker.
    expected = {"healthz": {200, 503}}
    with in_process():
        check_every_get(operations, client, values | vector, by_operation, expected)
        catalog = operations["layers_list"](client=client).parsed
    assert {layer.slug for layer in catalog.layers} >= {"schools", "incidents", "flood-depth"}
    assert catalog.count == len(catalog.layers)
    # The superuser's answers, nested members included, against the schema (schemathesis's own GET
    # walk is mostly anonymous: a layer's history or an import is only read signed in).
    checked = validate_json_answers(schemathesis.openapi.from_dict(schema), answers)
    assert {"/api/layers/{slug}/history/", "/api/monitoring/services/", "/api/indicators/{slug}/values/",
            "/api/zones/", "/api/imports/{job_id}/", "/api/wall/scenes/{slug}/data"} <= checked


def validate_json_answers(schema, answers: list[httpx.Response]) -> set[str]:
    """Each JSON answer of a success checked by schemathesis against its operation's schema (its
    nested members too); the path templates checked. A file its operation documents as bytes (an
    export's GeoJSON download) is a file, not an answer to check."""
    checked = set()
    for response in answers:
        media = response.headers.get("content-type", "").split(";")[0]
        if not (200 <= response.status_code < 300 and media.endswith("json")):
            continue
        operation = schema.find_operation_by_path(response.request.method, response.request.url.path)
        assert operation is not None, response.request.url
        documented = operation.definition.raw["responses"][str(response.status_code)]["content"][media]["schema"]
        if documented.get("format") == "binary":
            continue
        operation.validate_response(response)
        checked.add(operation.path)
    return checked


def check_every_get(operations: dict, client, values: dict, by_operation: dict, expected: dict) -> None:
    for name, call in operations.items():
        response = call(client=client, **arguments(call, values | by_operation.get(name, {})))
        assert response.status_code in expected.get(name, {200}), (name, response.status_code, response.content[:300])
        if response.headers.get("content-type", "").startswith(("application/json", "application/geo+json",
                                                                 "application/ld+json")):
            assert response.parsed is not None, name  # the generated models read the real answer


# -- schemathesis over every GET --------------------------------------------------------------------


def test_schemathesis_finds_no_server_error_and_no_schema_violation_on_any_get(api_world):
    schema = schemathesis.openapi.from_dict(schema_document())
    schema.app = application
    operations = [result.ok() for result in schema.get_all_operations()]
    gets = [op for op in operations if op.method.upper() == "GET"]
    assert len(gets) >= 25
    with in_process():
        for operation in gets:
            run_operation(operation)


def run_operation(operation) -> None:
    @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case) -> None:
        response = case.call(app=application)
        case.validate_response(response, checks=CHECKS)

    check()


# -- every JSON body of a success is described ------------------------------------------------------


def resolved(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def generic_object(node: dict) -> bool:
    """An object that says nothing of its members: no properties, and no explicit free-form map
    (additionalProperties true or a schema of its values; drf-spectacular's `{}` is its generic object).
    A choice of values (`enum`, drf-spectacular's BlankEnum and NullEnum) is no object."""
    if any(key in node for key in ("allOf", "oneOf", "anyOf", "enum")) or node.get("type") not in (None, "object"):
        return False
    free = node.get("additionalProperties")
    return not node.get("properties") and not (free is True or (isinstance(free, dict) and free))


def json_bodies_of_successes(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                for media, content in (response.get("content") or {}).items():
                    if status.startswith("2") and media.split(";")[0].endswith(("json", "+json")):
                        yield f"{method.upper()} {path} {status} {media}", content.get("schema", {})


def generic_members(schema: dict, node: dict, where: str, seen: frozenset = frozenset()) -> list[str]:
    """Where, inside `node`, an object says nothing of its members: followed through $refs (each
    component once along a path: a schema may contain itself), allOf/oneOf/anyOf, properties, items
    and the schema of a map's values."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return generic_members(schema, schema["components"]["schemas"][name], f"{where}<{name}>", seen | {name})
    found = [where] if generic_object(node) else []
    for key in ("allOf", "oneOf", "anyOf"):
        for i, part in enumerate(node.get(key, [])):
            found += generic_members(schema, part, f"{where}/{key}[{i}]", seen)
    for name, member in (node.get("properties") or {}).items():
        found += generic_members(schema, member, f"{where}.{name}", seen)
    if isinstance(node.get("items"), dict):
        found += generic_members(schema, node["items"], f"{where}[]", seen)
    if isinstance(node.get("additionalProperties"), dict):
        found += generic_members(schema, node["additionalProperties"], f"{where}{{*}}", seen)
    return found


def test_every_json_body_of_a_success_is_described_all_the_way_down():
    schema = schema_document()
    bodies = dict(json_bodies_of_successes(schema))
    assert len(bodies) >= 60
    assert [where for where, body in bodies.items() if generic_object(resolved(schema, body))] == []
    nested = [found for where, body in bodies.items() for found in generic_members(schema, body, where)]
    assert nested == []


def test_a_generic_object_is_told_from_a_declared_map():
    assert generic_object({"type": "object", "additionalProperties": {}})
    assert generic_object({"type": "object"}) and generic_object({})
    assert not generic_object({"type": "object", "additionalProperties": True})
    assert not generic_object({"type": "object", "additionalProperties": {"type": "integer"}})
    assert not generic_object({"type": "object", "properties": {"a": {"type": "string"}}})
    assert not generic_object({"type": "array", "items": {}})
    assert not generic_object({"enum": [""]}) and not generic_object({"enum": [None]})


def test_the_walk_finds_a_generic_object_however_deep_and_ends_on_a_cycle():
    components = {"Tree": {"type": "object", "properties": {"children": {"type": "array", "items": {
        "$ref": "#/components/schemas/Tree"}}, "meta": {"$ref": "#/components/schemas/Meta"}}},
        "Meta": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {
            "tags": {"type": "object", "additionalProperties": {"type": "object"}}}}]}}
    schema = {"components": {"schemas": components}}
    assert generic_members(schema, {"$ref": "#/components/schemas/Tree"}, "T") == [
        "T<Tree>.meta<Meta>/oneOf[1].tags{*}"]
    components["Meta"] = {"type": "object", "additionalProperties": True}
    assert generic_members(schema, {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}, "T") == []
    assert generic_members(schema, {"type": "object", "properties": {"a": {"type": "array", "items": {}}}}, "T") == [
        "T.a[]"]


# -- the POSTs, called for real, answer what the schema says --------------------------------------


def undeclared(schema: dict, node: dict, value: object, where: str = "") -> list[str]:
    """The members of `value` its schema `node` does not declare (where it lists its properties and
    allows no others), however deep: an answer that says more than its documentation."""
    node = resolved(schema, node)
    found = []
    for part in node.get("allOf", []):
        found += undeclared(schema, part, value, where)
    if isinstance(value, dict) and node.get("properties"):
        properties = node["properties"]
        if not node.get("additionalProperties"):
            found += [f"{where}.{key}" for key in value if key not in properties]
        for key, member in value.items():
            if key in properties:
                found += undeclared(schema, properties[key], member, f"{where}.{key}")
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            found += undeclared(schema, node["items"], item, f"{where}[{i}]")
    return found


@pytest.fixture
def compliance_rules(api_world) -> None:
    """One rule of each kind over the test's layers: a check of a zone over them has every kind of finding."""
    common = {"uses": [], "severity": "condition"}
    ComplianceRule.objects.create(code="gan-truong", title_vi="Gần trường học", title_en="Near a school",
                                  kind="distance", layer="schools", distance_m=1000, **common)
    ComplianceRule.objects.create(code="vung-nghien-cuu", title_vi="Trong vùng nghiên cứu", title_en="In a zone",
                                  kind="overlap", layer="planning-zones", max_share=0.01, **common)
    ComplianceRule.objects.create(code="ngap", title_vi="Ngập sâu", title_en="Deep flood", kind="raster_above",
                                  layer="flood-depth", threshold=0.5, uses=[], severity="conflict")


@pytest.fixture
def reports(feedback_world) -> None:
    """Two reports, one of them acknowledged: the KPIs have groups."""
    w = feedback_world
    for where in ((106.4027, 10.5327), (106.41, 10.54)):
        intake = workflow.Intake(category=next(iter(w.categories.values())), description="Đèn hỏng",
                                 location=Point(*where, srid=4326))
        report = workflow.submit(intake, account=None, now=timezone.now() - timedelta(hours=5))
    workflow.act(report, action="acknowledge", actor=w.officer, now=timezone.now())


ZONE = {"type": "Polygon", "coordinates": [[[106.39, 10.52], [106.42, 10.52], [106.42, 10.85], [106.39, 10.85],
                                            [106.39, 10.52]]]}
SCHOOL = {"type": "Feature", "id": "s9", "geometry": {"type": "Point", "coordinates": [106.41, 10.54]},
          "properties": {"name": "Trường THCS mới", "level": "thcs", "pupils": 300, "public": True}}
INDICATOR = "hand-foot-mouth-cases"  # monitoring_world: Sở Y tế's, monthly, per commune


def planned_calls(api_world: dict) -> list[tuple[str, str, dict]]:
    """(method, path, httpx arguments): every documented POST that answers JSON, each way it answers."""
    zone = api_world["zone"]
    return [
        ("POST", "/api/analysis/proximity/", {"json": {"mode": "within", "layer": "schools", "distance_m": 20000,
                                                       "near": {"zone": zone}}}),
        ("POST", "/api/analysis/proximity/", {"json": {"mode": "within", "layer": "schools", "distance_m": 5000,
                                                       "near": {"layer": "incidents"}}}),
        ("POST", "/api/analysis/proximity/", {"json": {"mode": "nearest", "layer": "schools", "n": 2,
                                                       "from": {"point": [106.41, 10.54]}}}),
        ("POST", "/api/analysis/proximity/", {"json": {"mode": "nearest", "layer": "schools", "n": 2,
                                                       "from": {"layer": "incidents"}}}),
        ("POST", "/api/analysis/proximity/", {"json": {"mode": "coverage", "layer": "schools", "distance_m": 3000,
                                                       "units": "planning-zones"}}),
        ("POST", "/api/analysis/proximity/", {"json": {"mode": "coverage", "layer": "incidents", "distance_m": 3000,
                                                       "of": "schools"}}),
        ("POST", "/api/analysis/aggregate/", {"json": {"layer": "schools", "op": "count"}}),
        ("POST", "/api/analysis/aggregate/", {"json": {"layer": "schools", "op": "sum", "property": "pupils",
                                                       "units": "planning-zones"}}),
        ("POST", "/api/analysis/compliance/", {"json": {"use": "industrial", "geometry": ZONE}}),
        ("POST", "/api/analysis/zone-file/", {"files": {"file": ("du_an.geojson", json.dumps(
            {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": ZONE, "properties": {}}]}),
            "application/geo+json")}}),
        ("POST", "/api/layers/schools/observations/", {"json": SCHOOL}),
        ("POST", "/api/layers/schools/observations/", {"json": {"type": "FeatureCollection", "features": [SCHOOL]}}),
        ("POST", f"/api/imports/{api_world['held_import']}/style/", {"json": {"style": {
            "type": "circle", "color": "#6a3d9a", "label": {"property": "ten"},
            "categories": {"property": "ten", "stops": [{"value": "A", "color": "#33a02c"}]}}}}),
        ("POST", "/api/indicators/submissions/", {"json": {"indicator": INDICATOR, "rows": [
            {"unit": "27685", "period": "2025-05", "value": 12}, {"unit": "Phường 66", "period": "2025-05", "value": 3},
            {"unit": "27703", "period": "2025-13", "value": 1}]}}),
    ]


def test_every_post_answers_what_the_schema_says(api_world, compliance_rules, reports, superuser, settings):
    # The first observation is published at once whenever the world's layers were written: without
    # this, a fast run reaches it within the coalescing second and it answers "soon".
    settings.LAYERS_OBSERVATIONS_PUBLISH_INTERVAL = 0
    schema_dict = schema_document()
    schema = schemathesis.openapi.from_dict(schema_dict)
    client = httpx.Client(base_url="http://testserver", transport=httpx.WSGITransport(app=application),
                          headers={"Authorization": "Token " + create_token(superuser), "Accept-Language": "en"})
    answers: dict[tuple[str, str], list[dict]] = {}

    def call(method: str, path: str, template: str, **arguments) -> dict:
        response = client.request(method, path, **arguments)
        assert response.status_code in (200, 201), (path, response.status_code, response.text[:500])
        operation = schema[template][method]
        operation.validate_response(response)  # schemathesis: status, media type and body against the schema
        documented = operation.definition.raw["responses"][str(response.status_code)]["content"]["application/json"]
        body = response.json()
        assert undeclared(schema_dict, documented["schema"], body) == [], (path, body)
        answers.setdefault((method, template), []).append(body)
        return body

    with in_process():
        for method, path, arguments in planned_calls(api_world):
            template = "/api/layers/{slug}/observations/" if "observations" in path else \
                "/api/imports/{job_id}/style/" if path.startswith("/api/imports/") else path
            call(method, path, template, **arguments)
        preview = answers[("POST", "/api/indicators/submissions/")][0]
        submission = "/api/indicators/submissions/{submission_id}/"
        call("POST", f"/api/indicators/submissions/{preview['id']}/publish", submission + "publish")
        again = call("POST", "/api/indicators/submissions/", "/api/indicators/submissions/",
                     json={"indicator": INDICATOR, "rows": [{"unit": "27685", "period": "2025-05", "value": 13}]})
        call("GET", f"/api/indicators/submissions/{again['id']}/", submission)
        call("POST", f"/api/indicators/submissions/{again['id']}/discard", submission + "discard")
        kept = answers[("POST", "/api/analysis/compliance/")][0]
        call("GET", f"/api/analysis/compliance/{kept['id']}/", "/api/analysis/compliance/{check_id}/")
        call("GET", "/api/feedback/kpis/", "/api/feedback/kpis/")
        call("GET", f"/api/indicators/{INDICATOR}/", "/api/indicators/{slug}/")
        call("GET", "/api/units/27685/profile/?boundary=2022&period=2025-05", "/api/units/{code}/profile/")
    # Each answer had something in it to check: the shapes were not checked on empty lists.
    proximity = answers[("POST", "/api/analysis/proximity/")]
    assert all(p["features"]["features"] for p in proximity if p["mode"] != "coverage")
    assert all(p["units"]["features"] for p in proximity if p["mode"] == "coverage")
    assert {f["rule"]["kind"] for f in kept["findings"]} == {"distance", "overlap", "raster_above"}
    assert kept["id"] is not None and any(f["features"] for f in kept["findings"])
    assert preview["problems"] and any(p.get("suggestions") for p in preview["problems"]), preview["problems"]
    assert [o["published"] for o in answers[("POST", "/api/layers/{slug}/observations/")]] == ["now", "nothing"]
    assert answers[("GET", "/api/feedback/kpis/")][0]["groups"]
    assert answers[("GET", "/api/units/{code}/profile/")][0]["indicators"]
