"""Progress of a running import, written on a connection of its own.

The import's features are written in one long transaction; its progress must be visible to the
page polling GET /api/imports/{id}/ while that transaction is still open, so it cannot share it.
"""

import time

import psycopg
from django.conf import settings

_EVERY_SECONDS = 0.5


class Progress:
    def __init__(self, job_id: int):
        self.job_id = job_id
        self._conn: psycopg.Connection | None = None
        self._last = 0.0

    def __call__(self, stage: str, percent: float, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < _EVERY_SECONDS:
            return
        self._last = now
        try:
            self._connection().execute(
                "UPDATE layers_importjob SET stage = %s, progress = %s WHERE id = %s AND status = 'running'",
                [stage, max(0, min(99, int(percent))), self.job_id],
            )
        except psycopg.errors.LockNotAvailable:
            # The job row is locked by the publishing transaction: progress is moot by then.
            pass

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            db = settings.DATABASES["default"]
            self._conn = psycopg.connect(
                host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True,
                options="-c lock_timeout=200ms",
                prepare_threshold=None,  # no prepared statement: safe behind PgBouncer's transaction pooling
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
