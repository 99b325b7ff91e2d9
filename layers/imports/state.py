"""Where a job's files live and how its row records the end of an attempt."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from layers.imports import sources
from layers.imports.report import Report
from layers.models import ImportJob, JobStatus


class NeedsInput(Exception):
    """The file leaves a choice to the steward (its CRS, text encoding or layer); the job waits for
    POST /api/imports/{id}/confirm/."""

    def __init__(self, need: str, **choices: Any):
        self.need = need
        self.choices = choices
        super().__init__(need)


def job_dir(job_id: int) -> Path:
    return Path(settings.LAYERS_IMPORT_DIR) / str(job_id)


def upload_path(job: ImportJob) -> Path:
    return job_dir(job.pk) / ("upload" + sources.upload_suffix(job.file_name))


def work_dir(job: ImportJob) -> Path:
    """Where the upload is unpacked and converted; emptied at each attempt."""
    return job_dir(job.pk) / "work"


def finish(job: ImportJob, status: str, report: Report, *, error: dict | None = None,
           version: int | None = None) -> None:
    if error is not None:
        report.error(error)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, report=report.data, stage="", layer_version=version,
        finished_at=None if status == JobStatus.NEEDS_INPUT else timezone.now(),
        progress=100 if status == JobStatus.SUCCEEDED else job.progress,
    )


def wait(job: ImportJob, report: Report, waiting: NeedsInput) -> None:
    report.set(needs=[waiting.need], choices=waiting.choices)
    finish(job, JobStatus.NEEDS_INPUT, report)
