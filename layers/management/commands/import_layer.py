"""python manage.py import_layer FILE --layer SLUG [--crs EPSG:…] [--mode …] [--encoding …] [--department CODE]

Runs the same job as the API, in this process, with a progress bar on the terminal. Whoever runs it
administers the server: the write rule is not asked, and a new layer is owned by --department (or by
no department: then only superusers may write it until the admin gives it an owner)."""

import sys
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from layers.imports import jobs
from layers.imports.submit import BadOption, Options, UploadTooLarge, submit
from layers.imports.problems import ImportProblem, render
from layers.models import ImportJob, ImportMode


class Command(BaseCommand):
    help = "Import a spatial file into a layer (GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV, GeoTIFF)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--layer", required=True)
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.REPLACE)
        parser.add_argument("--crs", default="")
        parser.add_argument("--encoding", default="")
        parser.add_argument("--source-layer", default="")
        parser.add_argument("--id-field", default="")
        parser.add_argument("--title", default="")
        parser.add_argument("--domain", default="")
        parser.add_argument("--department", default="", help="Code of the department that owns a new layer")
        parser.add_argument("--lang", choices=["vi", "en"], default="vi")

    def handle(self, *args, **opts):
        path: Path = opts["file"]
        # A regular local file only: never a GDAL virtual path or connection string.
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        options = Options(layer=opts["layer"], mode=opts["mode"], title=opts["title"], domain=opts["domain"],
                          crs=opts["crs"], encoding=opts["encoding"], source_layer=opts["source_layer"],
                          id_field=opts["id_field"], department=opts["department"])
        lang = opts["lang"]
        try:
            with open(path, "rb") as fh:
                job = submit(user=None, file_name=path.name, chunks=iter(lambda: fh.read(1 << 20), b""),
                             options=options, queue=False)
        except BadOption as exc:
            raise CommandError(render(exc.code, exc.params)[lang]) from None
        except ImportProblem as problem:
            raise CommandError(problem.message()[lang]) from None
        except UploadTooLarge:
            raise CommandError(render("upload_too_large", {"limit": "LAYERS_IMPORT_MAX_UPLOAD_BYTES"})[lang]) from None
        worker = threading.Thread(target=self._run, args=(job.pk,))
        worker.start()
        while worker.is_alive():
            self._bar(ImportJob.objects.get(pk=job.pk))
            worker.join(0.5)
        job = ImportJob.objects.get(pk=job.pk)
        self._bar(job)
        self.stdout.write("")
        self._summary(job, lang)
        if job.status == "failed":
            raise CommandError(job.report["errors"][-1][lang])
        if job.status == "needs_input":
            raise CommandError(f"import {job.pk} waits for: {', '.join(job.report['needs'])} "
                               f"(choices: {job.report['choices']}); run again with the option set.")

    def _run(self, job_id: int) -> None:
        try:
            jobs.run(job_id)
        finally:
            connection.close()

    def _bar(self, job: ImportJob) -> None:
        width = 40
        done = int(width * job.progress / 100)
        sys.stdout.write(f"\r[{'#' * done}{'.' * (width - done)}] {job.progress:3d}% {job.stage or job.status:<12}")
        sys.stdout.flush()

    def _summary(self, job: ImportJob, lang: str) -> None:
        counts = job.report.get("counts", {})
        self.stdout.write(f"import {job.pk}: {job.status} · " + ", ".join(f"{k} {v}" for k, v in counts.items())
                          + (f" · layer {job.layer_slug} v{job.layer_version}" if job.layer_version else ""))
        for warning in job.report.get("warnings", []):
            self.stdout.write(f"  ! {warning[lang]}")
        for row in job.report.get("rows", [])[:20]:
            self.stdout.write(f"  row {row['row']}: {row[lang]}")
        if job.report.get("rows_total", 0) > 20:
            self.stdout.write(f"  … {job.report['rows_total'] - 20} more rows in GET /api/imports/{job.pk}/")
