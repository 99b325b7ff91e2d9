"""A backup taken while a layer is being written restores into a fresh database with every layer's
version, feature count and checksum as the backup's manifest says, and the media files byte for byte;
a damaged backup and a database that is not empty are refused."""

import threading
import uuid

import pytest
from django.db import connection

from layers.backups import BackupError, Database, backup, layer_checksums, restore
from tests.conftest import add_features, make_layer, other_session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(tmp_path):
    root = tmp_path / "media"
    (root / "rasters" / "ndvi").mkdir(parents=True)
    (root / "rasters" / "ndvi" / "import-7.tif").write_bytes(bytes(range(256)) * 64)
    (root / "imports" / "7").mkdir(parents=True)
    (root / "imports" / "7" / "upload.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (root / "imports" / "7" / "work").mkdir()
    (root / "imports" / "7" / "work" / "unpacked.shp").write_bytes(b"scratch")  # not kept
    return root


@pytest.fixture
def fresh_database():
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with other_session(autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield Database.of_settings(connection.settings_dict | {"NAME": name})
    with other_session(autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Writer(threading.Thread):
    """Observations arriving all the time: a feature and a version bump per transaction, committed."""

    def __init__(self, layer_id: int):
        super().__init__(daemon=True)
        self.layer_id, self.stop, self.written = layer_id, threading.Event(), 0

    def run(self):
        with other_session() as conn:
            while not self.stop.is_set():
                with conn.transaction():
                    conn.execute("INSERT INTO layers_feature (layer_id, source_id, geom, properties) VALUES"
                                 " (%s, %s, ST_SetSRID(ST_MakePoint(106.4, 10.5), 4326), '{\"pm25\": 31}')",
                                 [self.layer_id, f"obs-{self.written}"])
                    conn.execute("UPDATE layers_layer SET version = version + 1, feature_count = feature_count + 1"
                                 " WHERE id = %s", [self.layer_id])
                self.written += 1


def test_a_backup_taken_under_load_restores_every_layer_exactly(tmp_path, media, fresh_database):
    schools = add_features(make_layer("truong-hoc-sao-luu"), [
        ("s1", "POINT(106.4027 10.5327)", {"name": "Trường THPT Tân An"}),
        ("s2", "POINT(106.6685 10.5830)", {"name": "Trường Tiểu học Cần Giuộc"}),
    ])
    air = make_layer("khong-khi-sao-luu", geometry_type="Point")
    writer = Writer(air.pk)
    writer.start()
    try:
        while writer.written < 20:  # the load is on before the backup starts
            writer.stop.wait(0.01)
        path = backup(to=tmp_path / "backups", media_root=media)
        written_during = writer.written
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert written_during > 20

    restored_media = tmp_path / "restored-media"
    manifest = restore(source=path, database=fresh_database, media_root=restored_media)
    by_slug = {layer["slug"]: layer for layer in manifest["layers"]}
    # The backup holds one moment of the stream: a version the layer really had, its count with it.
    assert 20 <= by_slug["khong-khi-sao-luu"]["feature_count"] <= writer.written
    assert by_slug["khong-khi-sao-luu"]["version"] - by_slug["khong-khi-sao-luu"]["feature_count"] == air.version
    assert by_slug["truong-hoc-sao-luu"]["version"] == schools.version
    with fresh_database.connect() as conn, conn.cursor() as cur:
        assert layer_checksums(cur) == manifest["layers"]
        cur.execute("SELECT count(*) FROM layers_feature WHERE layer_id = %s", [air.pk])
        assert cur.fetchone()[0] == by_slug["khong-khi-sao-luu"]["feature_count"]
    for relative in ("rasters/ndvi/import-7.tif", "imports/7/upload.geojson"):
        assert (restored_media / relative).read_bytes() == (media / relative).read_bytes()
    assert not (restored_media / "imports" / "7" / "work").exists()

    # Once more into the same database: refused, it is not empty any more.
    with pytest.raises(BackupError, match="not empty"):
        restore(source=path, database=fresh_database, media_root=restored_media)


def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path, media, fresh_database):
    make_layer("truong-hoc-sao-luu")
    path = backup(to=tmp_path / "backups", media_root=media)
    data = bytearray((path / "media.tar").read_bytes())
    data[600] ^= 0xFF
    (path / "media.tar").write_bytes(bytes(data))
    with pytest.raises(BackupError, match="media.tar does not match"):
        restore(source=path, database=fresh_database, media_root=tmp_path / "restored")
    with fresh_database.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
