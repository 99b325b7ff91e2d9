"""GDAL (ogrinfo, as QGIS and apps use it) reads our FeatureCollections over HTTP with the right counts."""

import re
import shutil
import subprocess

import pytest

from tests.conftest import add_features, make_layer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is installed by make"),
]


def ogrinfo_summary(url: str) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", url], capture_output=True, text=True, timeout=60,
        env={"GDAL_HTTP_TIMEOUT": "30", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": "", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_ogrinfo_reads_a_layer_with_its_count_fields_and_crs(live_server):
    layer = make_layer("truong-hoc")
    add_features(layer, [
        (f"s{i}", f"POINT({106 + i / 1000} {10.5 + i / 1000})",
         {"name": f"Trường số {i}", "level": "thcs", "pupils": i, "public": i % 2 == 0})
        for i in range(250)
    ])
    out = ogrinfo_summary(f"{live_server.url}/api/layers/truong-hoc/features/")
    assert re.search(r"Feature Count: 250\b", out), out
    assert "Geometry: Point" in out
    assert re.search(r"name: String", out) and re.search(r"pupils: Integer", out)
    assert "WGS 84" in out


def test_ogrinfo_reads_a_filtered_page(live_server):
    layer = make_layer("loc")
    add_features(layer, [
        (f"p{i}", f"POINT({106 + i / 100} 10.5)", {"name": f"Điểm {i}", "level": "thpt" if i < 5 else "thcs",
                                                     "pupils": i, "public": True})
        for i in range(20)
    ])
    out = ogrinfo_summary(f"{live_server.url}/api/layers/loc/features/?level=thpt")
    assert re.search(r"Feature Count: 5\b", out), out
