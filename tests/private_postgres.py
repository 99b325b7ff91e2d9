"""PostgreSQL clusters of a test's own: a primary started from initdb on a free port, and a streaming
replica of it made with `pg_basebackup -R`, each with its data directory in a temporary directory.
For tests that stop, lag or lose a database server without touching the shared test cluster.

Under root a cluster belongs to the `postgres` OS user (PostgreSQL refuses root), as in
scripts/postgres.sh; the directories are made in /tmp, which that user can reach.
"""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings

from tests.gunicorn_server import free_port

DATABASE = "geo_ioc"


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], **kwargs) -> None:
    subprocess.run(_as_owner(command), check=True, cwd="/", capture_output=True, timeout=300, **kwargs)


def _owned_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="geo-ioc-pg-"))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


@dataclass
class Cluster:
    base: Path  # owned by the cluster's OS user: data/ and server.log
    port: int

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def url(self) -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def connect(self, dbname: str = DATABASE) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True)

    def start(self) -> None:
        _run([str(_bindir() / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120",
              "-o", f"-p {self.port}", "start"])

    def stop(self) -> None:
        _run([str(_bindir() / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "stop"])

    def running(self) -> bool:
        return subprocess.run(_as_owner([str(_bindir() / "pg_ctl"), "-D", str(self.data), "status"]),
                              cwd="/", capture_output=True).returncode == 0

    def remove(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def _configure(data: Path, lines: list[str]) -> None:
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("\n# tests/private_postgres.py\n" + "\n".join(lines) + "\n")


def start_primary() -> Cluster:
    """A new cluster ready to stream to replicas, holding a copy of the test database (its schema and
    committed rows: pg_dump of the shared test cluster's, restored)."""
    cluster = Cluster(_owned_dir(), free_port())
    _run([str(_bindir() / "initdb"), "-D", str(cluster.data), "--auth=trust", "--username=postgres",
          "--encoding=UTF8", "--locale=C.UTF-8"])
    _configure(cluster.data, ["listen_addresses = '127.0.0.1'", "unix_socket_directories = ''",
                              "wal_level = replica", "max_wal_senders = 4", "fsync = off"])
    cluster.start()
    with cluster.connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    db = settings.DATABASES["default"]
    dump = subprocess.run(
        [str(_bindir() / "pg_dump"), "-Fc", "--no-owner", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"],
         db["NAME"]], check=True, capture_output=True, timeout=300,
        env=os.environ | ({"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {}),
    ).stdout
    subprocess.run([str(_bindir() / "pg_restore"), "--no-owner", "-h", "127.0.0.1", "-p", str(cluster.port),
                    "-U", "postgres", "-d", DATABASE], input=dump, check=True, capture_output=True, timeout=300)
    return cluster


def start_replica(primary: Cluster) -> Cluster:
    """A hot standby of `primary` (pg_basebackup -R: it streams from it), logging every statement so
    that a test can tell which queries reached it."""
    replica = Cluster(_owned_dir(), free_port())
    _run([str(_bindir() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
          "-D", str(replica.data), "-R", "-X", "stream", "--checkpoint=fast"])
    _configure(replica.data, ["hot_standby = on", "log_statement = 'all'", "log_min_duration_statement = -1"])
    replica.start()
    return replica
