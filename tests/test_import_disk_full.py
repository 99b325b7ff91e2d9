"""The disk holding the import directory fills up during an import (a small tmpfs of the test's own):
the job fails with a message the steward can act on, the layer keeps its version, and the job's
unpacked files are removed (its upload stays, to import again once there is space)."""

import json
import subprocess
import zipfile

import pytest
from django.db import connection

from layers.models import Feature, Layer
from tests.import_files import import_now, point_feature, write_geojson

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_disk(tmp_path, settings):
    mount = tmp_path / "imports-disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    settings.LAYERS_IMPORT_DIR = mount
    settings.LAYERS_IMPORT_MAX_COMPRESSION_RATIO = 10_000
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def zipped_geojson(directory, count: int):
    """A zipped GeoJSON that packs small and unpacks to several megabytes."""
    features = [point_feature(f"p{i}", 106.4 + (i % 100) / 1000, 10.5, note="Chợ nổi Cái Răng " * 20)
                for i in range(count)]
    path = directory / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.geojson", json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def test_a_full_import_disk_fails_the_job_cleanly_and_keeps_the_old_version(small_disk, tmp_path, steward):
    first = import_now(write_geojson(tmp_path, [point_feature("a", 106.41, 10.54)]), user=steward, layer="cho",
                       department="environment")
    assert first.status == "succeeded", first.report
    before = Layer.objects.get(slug="cho")

    big = zipped_geojson(tmp_path, 8000)
    assert big.stat().st_size < 1_000_000
    job = import_now(big, user=steward, layer="cho", department="environment")

    assert job.status == "failed"
    assert [e["code"] for e in job.report["errors"]] == ["storage_full"]
    assert "full" in job.report["errors"][0]["en"] and "đầy" in job.report["errors"][0]["vi"]
    after = Layer.objects.get(slug="cho")
    assert after.version == before.version
    assert list(Feature.objects.filter(layer=after).values_list("source_id", flat=True)) == ["a"]
    job_dir = small_disk / str(job.pk)
    assert sorted(p.name for p in job_dir.iterdir()) == ["upload.zip"]
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", [f"layers_feature_import_{job.pk}"])
        assert cur.fetchone()[0] == 0
