"""Backups of the whole platform, and their restore into a fresh database: `make backup`,
`make restore FROM=…` (the management commands `backup` and `restore` call these functions).

A backup is a directory:
- `database.dump`: `pg_dump -Fc` of the database;
- `media.tar`: the files under MEDIA_ROOT (COGs, uploads, built exports);
- `manifest.json`: when, the PostgreSQL version, each file's size and SHA-256, and every layer's id,
  slug, version, feature count and a checksum of its features.
The layers of the manifest and the dump come from ONE snapshot (`pg_export_snapshot`, then
`pg_dump --snapshot`): a backup taken while imports and edits run describes exactly what it holds,
so a restore can prove it got every layer back (`restore` compares them, and fails if one differs).

A restore refuses a damaged backup (a checksum that does not match) and a database that is not
empty, runs `pg_restore`, unpacks the media, then checks every layer against the manifest.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

_DUMP = "database.dump"
_MEDIA = "media.tar"
_MANIFEST = "manifest.json"

# One checksum per layer: the MD5 of its features in source-id order (the id is unique per layer),
# each as its source id, EWKB, properties and times. The same statement on the backup's snapshot and on
# the restored database.
_LAYER_CHECKSUMS = """
SELECT l.id, l.slug, l.version, l.feature_count,
       (SELECT md5(coalesce(string_agg(md5(concat_ws('|', f.source_id, encode(ST_AsEWKB(f.geom), 'hex'),
                                                     f.properties::text, f.time_start::text, f.time_end::text)),
                                       '' ORDER BY f.source_id), ''))
          FROM layers_feature AS f WHERE f.layer_id = l.id)
  FROM layers_layer AS l ORDER BY l.id
"""


class BackupError(Exception):
    """A backup cannot be taken or restored; the message says why, for the operator."""


@dataclass(frozen=True)
class Database:
    """Where to connect (libpq keywords)."""

    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def of_settings(cls, alias_settings: dict[str, Any]) -> "Database":
        return cls(alias_settings["HOST"] or "127.0.0.1", int(alias_settings["PORT"] or 5432),
                   alias_settings["USER"] or "postgres", alias_settings.get("PASSWORD") or "", alias_settings["NAME"])

    def args(self) -> list[str]:
        return ["-h", self.host, "-p", str(self.port), "-U", self.user]

    def env(self) -> dict[str, str]:
        return os.environ | ({"PGPASSWORD": self.password} if self.password else {})

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(host=self.host, port=self.port, user=self.user, password=self.password or None,
                               dbname=self.name)


def _tool(name: str, server_version: int) -> str:
    """The pg_dump/pg_restore of the server's major version when it is installed (an older one refuses
    a newer server), else the first on PATH."""
    versioned = Path(f"/usr/lib/postgresql/{server_version // 10000}/bin/{name}")
    return str(versioned) if versioned.exists() else name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def layer_checksums(cur) -> list[dict[str, Any]]:
    cur.execute(_LAYER_CHECKSUMS)
    return [{"id": i, "slug": s, "version": v, "feature_count": n, "checksum": c} for i, s, v, n, c in cur.fetchall()]


def backup(*, to: Path, database: Database | None = None, media_root: Path | None = None) -> Path:
    """Write a backup into a new directory under `to`; its path."""
    database = database or Database.of_settings(connection.settings_dict)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = Path(to) / f"geo-ioc-{stamp}"
    target.mkdir(parents=True)
    with database.connect() as conn:
        # The snapshot the manifest and pg_dump share: open until the dump is done.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        server_version = conn.info.server_version
        with conn.cursor() as cur:
            layers = layer_checksums(cur)
        done = subprocess.run(
            [_tool("pg_dump", server_version), "-Fc", "--snapshot", snapshot, *database.args(),
             "-f", str(target / _DUMP), database.name],
            env=database.env(), capture_output=True, text=True,
        )
        conn.rollback()
    if done.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-2000:]}")
    files = _pack_media(media_root, target / _MEDIA)
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "postgresql": server_version,
        "database": {"file": _DUMP, "bytes": (target / _DUMP).stat().st_size, "sha256": _sha256(target / _DUMP)},
        "media": {"file": _MEDIA, "files": files, "bytes": (target / _MEDIA).stat().st_size,
                  "sha256": _sha256(target / _MEDIA)},
        "layers": layers,
    }
    (target / _MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return target


def _pack_media(root: Path, tar_path: Path) -> int:
    """Every regular file under `root` (an import's unpacked work files apart: the upload stays) into
    an uncompressed tar (COGs are compressed already); how many."""
    count = 0
    with tarfile.open(tar_path, "w") as tar:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                relative = path.relative_to(root)
                if not path.is_file() or path.is_symlink() or "work" in relative.parts[2:3]:
                    continue
                tar.add(path, arcname=str(relative), recursive=False)
                count += 1
    return count


def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest, once each file's size and SHA-256 match it."""
    path = Path(source) / _MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a backup: it has no {_MANIFEST}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for part in ("database", "media"):
        entry = manifest[part]
        file = Path(source) / entry["file"]
        if not file.is_file() or file.stat().st_size != entry["bytes"] or _sha256(file) != entry["sha256"]:
            raise BackupError(f"{file.name} does not match the manifest: the backup is damaged or incomplete")
    return manifest


def restore(*, source: Path, database: Database | None = None, media_root: Path | None = None) -> dict[str, Any]:
    """Restore a backup into an empty database and MEDIA_ROOT; the manifest, once every layer of it is
    back with its version, feature count and checksum."""
    manifest = read_manifest(source)
    database = database or Database.of_settings(connection.settings_dict)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with database.connect() as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        server_version = conn.info.server_version
    if tables:
        raise BackupError(f"the database {database.name} is not empty ({tables} tables): restore into a fresh one")
    done = subprocess.run(
        [_tool("pg_restore", server_version), "--no-owner", "--exit-on-error", *database.args(),
         "-d", database.name, str(Path(source) / _DUMP)],
        env=database.env(), capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-2000:]}")
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(Path(source) / _MEDIA) as tar:
        tar.extractall(media_root, filter="data")  # no absolute paths, links out or devices
    with database.connect() as conn, conn.cursor() as cur:
        restored = layer_checksums(cur)
    if restored != manifest["layers"]:
        differ = sorted({a["slug"] for a in manifest["layers"]} ^ {b["slug"] for b in restored}
                        | {a["slug"] for a, b in zip(manifest["layers"], restored) if a != b})
        raise BackupError(f"the restored layers differ from the manifest: {', '.join(differ)}")
    return manifest
