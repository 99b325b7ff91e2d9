"""Clients this project did not write read the OGC API over HTTP: the OGC's own checks (ogctests, Part 1
core), GDAL's OAPIF driver (ogrinfo, ogr2ogr over many pages, -where sent to the server) and OWSLib
(collections, bbox, a CQL2 filter, a token header). A restricted collection stays invisible to the
caller who may not see it, whichever client asks."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from django.contrib.auth.models import Group, User
from owslib.ogcapi import REQUEST_HEADERS
from owslib.ogcapi.features import Features

from layers.models import Access
from layers.tokens import create_token
from tests.conftest import add_features, make_layer

pytestmark = pytest.mark.django_db(transaction=True)
needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's tools are installed by make")

SCHOOLS = 250


@pytest.fixture
def open_world(db):
    """250 public schools, and dengue cases restricted to the health group; a health officer's token."""
    schools = make_layer("truong-hoc")
    add_features(schools, [
        (f"s{i}", f"POINT({106 + i / 1000} {10.5 + i / 1000})",
         {"name": f"Trường số {i}", "level": "thcs" if i % 2 else "thpt", "pupils": i * 4, "public": i % 3 == 0})
        for i in range(SCHOOLS)
    ])
    health = Group.objects.create(name="health-ogc")
    dengue = make_layer("sot-xuat-huyet", access=Access.RESTRICTED, groups=[health], domain="health",
                        property_schema=[{"name": "cases", "type": "integer", "label_vi": "Số ca", "label_en": "Cases"}])
    add_features(dengue, [("d1", "POINT(106.41 10.54)", {"cases": 7}), ("d2", "POINT(106.42 10.55)", {"cases": 3})])
    officer = User.objects.create_user("officer-ogc")
    officer.groups.add(health)
    return {"token": create_token(officer)}


def gdal(*args: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "ON"}
    if token:
        env["GDAL_HTTP_HEADERS"] = f"Authorization: Token {token}"
    result = subprocess.run(list(args), check=False, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def fetched(result: subprocess.CompletedProcess) -> list[str]:
    """The URLs GDAL asked for (its HTTP debug lines)."""
    return re.findall(r"HTTP: Fetch\((.*)\)$", result.stderr, re.MULTILINE)


@needs_gdal
def test_ogrinfo_lists_the_collections_the_caller_may_see(live_server, open_world):
    anonymous = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{live_server.url}/ogc/").stdout
    assert "truong-hoc" in anonymous and "sot-xuat-huyet" not in anonymous
    officer = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{live_server.url}/ogc/", token=open_world["token"]).stdout
    assert "truong-hoc" in officer and "sot-xuat-huyet" in officer


@needs_gdal
def test_ogr2ogr_copies_a_multi_page_collection_with_exactly_number_matched_features(live_server, open_world,
                                                                                      tmp_path):
    out = tmp_path / "schools.geojson"
    result = gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{live_server.url}/ogc/collections/truong-hoc",
                  "-oo", "PAGE_SIZE=100")
    copied = json.loads(out.read_text())["features"]
    assert len(copied) == SCHOOLS
    assert len({f["properties"]["name"] for f in copied}) == SCHOOLS
    pages = [url for url in fetched(result) if "/items" in url and "after=" in url]
    assert len(pages) >= 2  # followed `next` beyond the first page


@needs_gdal
def test_ogr2ogr_where_is_sent_to_the_server_as_a_filter(live_server, open_world, tmp_path):
    out = tmp_path / "big.geojson"
    result = gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{live_server.url}/ogc/collections/truong-hoc",
                  "-where", "pupils >= 800 AND level = 'thcs'")
    copied = json.loads(out.read_text())["features"]
    expected = [i for i in range(SCHOOLS) if i * 4 >= 800 and i % 2]
    assert sorted(f["properties"]["pupils"] for f in copied) == [i * 4 for i in expected]
    # The first, unfiltered page only tells GDAL the schema; every page it copies is filtered by the server.
    filtered = [url for url in fetched(result) if "/items" in url and "filter=" in url]
    assert filtered and all("filter-lang=cql-text" in url for url in filtered), fetched(result)
    assert len(filtered) <= len(copied) // 10 + 2  # pages of the matches only, not of the whole collection


@needs_gdal
def test_gdal_cannot_read_a_hidden_collection_without_the_token(live_server, open_world, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "GDAL_HTTP_TIMEOUT": "60"}
    url = f"OAPIF:{live_server.url}/ogc/collections/sot-xuat-huyet"
    refused = subprocess.run(["ogrinfo", "-ro", "-so", "-al", url], check=False, capture_output=True, text=True, timeout=120,
                             env=env)
    assert refused.returncode != 0 and "cases" not in refused.stdout
    allowed = gdal("ogrinfo", "-ro", "-so", "-al", url, token=open_world["token"]).stdout
    assert re.search(r"Feature Count: 2\b", allowed), allowed


def features_client(server: str, token: str | None = None) -> Features:
    """OWSLib's client, with headers of its own: OWSLib 0.35 adds an instance's headers to one module-wide
    dict, so without this a later anonymous client would still send an earlier one's token."""
    shared = dict(REQUEST_HEADERS)
    own = shared | ({"Authorization": f"Token {token}"} if token else {})
    try:
        client = Features(f"{server}/ogc/", headers=own)
    finally:
        REQUEST_HEADERS.clear()
        REQUEST_HEADERS.update(shared)
    client.headers = own
    return client


def test_owslib_reads_collections_items_a_bbox_and_a_cql2_filter(live_server, open_world):
    api = features_client(live_server.url)
    assert [c["id"] for c in api.collections()["collections"]] == ["truong-hoc"]
    boxed = api.collection_items("truong-hoc", bbox=[106.0, 10.5, 106.0095, 10.5095], limit=50)
    assert boxed["numberMatched"] == 10
    filtered = api.collection_items("truong-hoc", filter="pupils BETWEEN 100 AND 119 AND level = 'thcs'",
                                    **{"filter-lang": "cql2-text"})
    assert sorted(f["properties"]["pupils"] for f in filtered["features"]) == [100, 108, 116]
    assert "sot-xuat-huyet" not in json.dumps(api.collections())


def test_owslib_with_a_token_header_sees_the_restricted_collection(live_server, open_world):
    api = features_client(live_server.url, open_world["token"])
    assert {c["id"] for c in api.collections()["collections"]} == {"truong-hoc", "sot-xuat-huyet"}
    cases = api.collection_items("sot-xuat-huyet", filter="cases > 5")
    assert [f["properties"]["cases"] for f in cases["features"]] == [7]
    anonymous = features_client(live_server.url)
    with pytest.raises(RuntimeError, match="layer_not_found"):
        anonymous.collection_items("sot-xuat-huyet")


def test_the_ogc_checks_of_part_1_core_all_pass(live_server, open_world, tmp_path):
    """ogctests runs its own pytest session against the live server, in a clean directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST"))}
    script = ("import sys; from ogctests.main import run_ogctests; "
              f"sys.exit(run_ogctests('features/core', {live_server.url + '/ogc'!r}, "
              "['-q', '-p', 'no:cacheprovider', '-p', 'no:django', '--tb=short', '-rfE']))")
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=600,
                            cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout[-4000:]
    assert re.search(r"\b29 passed\b", result.stdout), result.stdout[-2000:]
    assert "failed" not in result.stdout
