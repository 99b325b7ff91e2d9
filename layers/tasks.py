"""Celery tasks: thin edges that take ids and call one function. Queued with transaction.on_commit,
so a worker never looks for a job row that is not committed yet."""

from celery import shared_task
from django.db import transaction

from layers.imports import jobs


@shared_task(bind=True, name="layers.import_file", max_retries=None)
def import_file(self, job_id: int) -> str:
    status = jobs.run(job_id)
    if status == "locked":
        # A second delivery while another worker runs the job (the broker's visibility timeout ran
        # out): look again later instead of dropping the message, so the job is not lost if that
        # worker dies after all.
        raise self.retry(countdown=60)
    return status


@shared_task(name="layers.build_export")
def build_export(export_id: int) -> str:
    from layers import exports

    return exports.build(export_id)


def queue_import(job_id: int) -> None:
    transaction.on_commit(lambda: import_file.delay(job_id))


def queue_export(export_id: int) -> None:
    transaction.on_commit(lambda: build_export.delay(export_id))


@shared_task(name="layers.publish_observations")
def publish_observations(layer_id: int, version: int | None = None) -> bool:
    from layers import observations

    return observations.publish_deferred(layer_id, version)
