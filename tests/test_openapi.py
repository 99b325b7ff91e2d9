"""The whole API is described by an OpenAPI 3 schema, and its docs page needs no internet."""

import re

import pytest
import yaml
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_and_names_every_endpoint():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {"/api/layers/", "/api/layers/{slug}/", "/api/layers/{slug}/features/",
            "/api/layers/{slug}/features/{feature_id}/"} <= paths
    params = {p["name"] for p in schema["paths"]["/api/layers/{slug}/features/"]["get"]["parameters"]}
    assert {"bbox", "datetime", "limit", "properties", "after"} <= params
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_the_docs_page_loads_its_assets_from_this_server_only():
    page = Client().get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r'"(https?://[^"]+)"', page)
    assert any("swagger-ui-dist" in a for a in assets)
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))]
