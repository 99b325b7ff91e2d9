"""The OpenAPI schema is true: a client generated from /api/schema/ (openapi-python-client) calls every
GET and parses what comes back, and schemathesis finds no server error and no response that violates
the schema on any GET. Both talk to the real WSGI application (geo_ioc.wsgi, the tile edge included)
in this process, on this test's rows."""

import importlib
import inspect
import json
import subprocess
import sys
import typing
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import httpx
import numpy as np
import pytest
import rasterio
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rasterio.transform import from_origin
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from geo_ioc.wsgi import application
from layers.models import Access, ExportJob, Feature, ImportJob, JobStatus, Layer
from layers.tokens import create_token
from monitoring.models import AdminUnit, Indicator, Submission
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
def api_world(schools, incidents, zones, demo_wall, monitoring_world, settings, tmp_path) -> dict[str, object]:
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
    waiting = ImportJob.objects.create(layer_slug="schools", file_name="truong.geojson", status=JobStatus.NEEDS_INPUT,
                                       report={"needs": ["crs"], "counts": {"read": 3}})
    return {"feature": Feature.objects.filter(layer=schools).order_by("id").first().pk, "export": job.pk,
            "import": waiting.pk,
            "zone": zone.pk if zone else 1, "scene": Scene.objects.order_by("slug").first().slug,
            "playlist": Playlist.objects.order_by("slug").first().slug,
            "indicator": Indicator.objects.order_by("slug").first().slug,
            "unit": AdminUnit.objects.order_by("code").first().code,
            "submission": Submission.objects.order_by("id").first().pk}


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
    client = client_module.AuthenticatedClient(
        base_url="http://testserver", token=create_token(superuser), prefix="Token",
        httpx_args={"transport": httpx.WSGITransport(app=application)}, raise_on_unexpected_status=True)
    vector = {"slug": "schools", "slugs": "schools", "feature_id": str(api_world["feature"]), "fmt": "geojson"}
    values = {
        "export_id": api_world["export"], "job_id": api_world["import"], "zone_id": api_world["zone"],
        "lon": 106.35, "lat": 10.65, "q": "Tân An", "id": "schools", "z": 7, "x": 101, "y": 60,
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
