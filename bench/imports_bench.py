"""An import of 1,000,000 points against ogr2ogr loading the same GeoPackage, in one run.

ogr2ogr (Debian's GDAL, PG_USE_COPY=YES) writes a plain table with a GiST index: the floor of
"file into PostGIS". Our import does more (reads with pyogrio, validates and reprojects every
geometry, decodes text, checks ids, builds JSONB properties, swaps the layer's features and bumps its
version in one transaction); it runs as a worker would, in a child process whose peak RSS is measured.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.db import connection
from psycopg import sql
from pyogrio import raw

from bench.report import Row

SLUG = "bench-import-points"
OGR_TABLE = "bench_ogr_points"
CACHE = Path(settings.BASE_DIR) / "var" / "bench"
_CHILD = """
import json, sys, time, django
django.setup()
from layers.imports import jobs
from layers.models import ImportJob
started = time.perf_counter()
status = jobs.run(int(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - started, "status": status}))
"""


def points_file(n: int) -> Path:
    """The bench GeoPackage, generated once (seeded) and kept under var/bench/."""
    path = CACHE / f"points-{n}.gpkg"
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(42)
    xy = np.column_stack([105.5 + rng.random(n) * 1.25, 10.4 + rng.random(n) * 0.63])
    ids = np.char.add("p", np.arange(n).astype(str)).astype(object)
    names = np.char.add("Điểm đo ", np.arange(n).astype(str)).astype(object)
    kinds = rng.choice(np.array(["lúa", "thanh long", "chanh", "rau"], dtype=object), n)
    values = np.round(rng.random(n) * 100, 3)
    partial = path.with_suffix(".partial.gpkg")
    partial.unlink(missing_ok=True)
    raw.write(str(partial), shapely.to_wkb(shapely.points(xy)), [ids, names, kinds, values],
              ["id", "ten", "loai", "gia_tri"], layer="diem", driver="GPKG", geometry_type="Point", crs="EPSG:4326")
    partial.rename(path)
    return path


def _ogr2ogr(path: Path) -> float:
    db = settings.DATABASES["default"]
    pg = f"PG:host={db['HOST']} port={db['PORT']} user={db['USER']} dbname={db['NAME']}" + \
        (f" password={db['PASSWORD']}" if db.get("PASSWORD") else "")
    # A plain environment: our process hardens GDAL (GDAL_SKIP), which ogr2ogr need not inherit.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    started = time.perf_counter()
    subprocess.run(
        ["ogr2ogr", "-f", "PostgreSQL", pg, str(path), "-nln", OGR_TABLE, "-overwrite", "-lco", "GEOMETRY_NAME=geom",
         "-lco", "SPATIAL_INDEX=GIST", "-lco", "FID=fid", "-gt", "65536", "--config", "PG_USE_COPY", "YES"],
        check=True, env=env, capture_output=True,
    )
    return time.perf_counter() - started


def _our_import(path: Path) -> tuple[float, int]:
    from layers.imports.state import job_dir
    from layers.imports.submit import Options, submit
    from layers.models import Layer

    exists = Layer.objects.filter(slug=SLUG).exists()
    with connection.cursor() as cur:
        # The previous run's replaced rows are dead tuples until vacuumed: start from a clean table.
        cur.execute("VACUUM ANALYZE layers_feature")
    with open(path, "rb") as fh:
        job = submit(user=None, file_name=path.name, chunks=iter(lambda: fh.read(1 << 20), b""), queue=False,
                     options=Options(layer=SLUG, title="" if exists else "Bench import", domain="environment"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CHILD, str(job.pk)], capture_output=True, text=True,
                         cwd=settings.BASE_DIR)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError("the import process failed:\n" + out.stderr[-3000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == "succeeded", out.stderr[-2000:]
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    shutil.rmtree(job_dir(job.pk), ignore_errors=True)
    # ru_maxrss of children is the largest of any child so far; the child above is the biggest one.
    return wall, max(peak_kib, before)


def run(args) -> list[Row]:
    n = 1_000_000
    path = points_file(n)
    ogr_s = _ogr2ogr(path)
    ours_s, peak_kib = _our_import(path)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id WHERE l.slug = %s",
                    [SLUG])
        loaded = cur.fetchone()[0]
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(OGR_TABLE)))
        ogr_loaded = cur.fetchone()[0]
    assert loaded == ogr_loaded == n, (loaded, ogr_loaded)
    ogr_fps, ours_fps = n / ogr_s, n / ours_s
    return [
        Row("imports", "ogr2ogr -f PostgreSQL (PG_USE_COPY), 1M points", ogr_s * 1000, ogr_s * 1000,
            f"{ogr_fps:,.0f} features/s"),
        Row("imports", "import job (validate, reproject, swap, version++)", ours_s * 1000, ours_s * 1000,
            f"{ours_fps:,.0f} features/s, {ours_fps / ogr_fps:.0%} of ogr2ogr, worker peak RSS "
            f"{peak_kib / 1024:,.0f} MiB"),
    ]
