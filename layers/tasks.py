"""Celery tasks: thin edges that take ids and call one function. Queued with transaction.on_commit,
so a worker never looks for a job row that is not committed yet."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from layers import history
from layers.imports import jobs

log = logging.getLogger(__name__)


# No result kept: a job's outcome is its row. (Keeping one also has the sender subscribe to the result
# backend, which fails, not the broker's way, while Redis is down.)
@shared_task(bind=True, name="layers.import_file", max_retries=None, ignore_result=True)
def import_file(self, job_id: int) -> str:
    status = jobs.run(job_id)
    if status == "locked":
        # A second delivery while another worker runs the job (the broker's visibility timeout ran
        # out): look again later instead of dropping the message, so the job is not lost if that
        # worker dies after all.
        raise self.retry(countdown=60)
    return status


@shared_task(name="layers.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    return history.sweep()


@shared_task(bind=True, name="layers.build_export", max_retries=None)
def build_export(self, export_id: int) -> str:
    from layers import exports

    status = exports.build(export_id)
    if status == "locked":  # another worker builds it: look again later, as for imports
        raise self.retry(countdown=60)
    return status


def queue_import(job_id: int) -> None:
    transaction.on_commit(lambda: _send_import(job_id))


def _send_import(job_id: int) -> None:
    """Send the job to the broker. The job's row is committed and queued already: when the broker
    cannot be reached (Redis restarting), the upload is still accepted and `requeue_imports` sends
    it once the broker is back, so no accepted job is lost."""
    try:
        import_file.delay(job_id)
    except (KombuOperationalError, RedisError, OSError) as error:
        log.warning("import job %s not sent (broker unreachable: %s); it waits for requeue_imports", job_id, error)


@shared_task(name="layers.requeue_imports", ignore_result=True)
def requeue_imports() -> int:
    """Send again the import jobs queued for longer than LAYERS_REQUEUE_AFTER_S that no worker runs
    (their message never reached the broker, or was lost with it). A job sent twice runs once: its
    advisory lock and conditional claim (layers.imports.jobs) see to that."""
    stale = jobs.stale_queued(older_than=timedelta(seconds=settings.LAYERS_REQUEUE_AFTER_S))
    for job_id in stale:
        import_file.delay(job_id)
    return len(stale)


def queue_export(export_id: int) -> None:
    transaction.on_commit(lambda: build_export.delay(export_id))


@shared_task(name="layers.publish_observations")
def publish_observations(layer_id: int, version: int | None = None, recount: bool = True) -> bool:
    from layers import observations

    return observations.publish_deferred(layer_id, version, recount)
