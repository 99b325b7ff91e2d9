"""How long one SQL statement may run, by kind of work. Past it PostgreSQL cancels the statement
itself (the backend is free at once, the connection stays usable) and the request answers 503
`query_timeout` (layers.errors.bounded_work_error).

- Web requests (API, pages): DB_STATEMENT_TIMEOUT_MS, given to every connection when it is opened
  (`-c statement_timeout` in DATABASES' OPTIONS). Connections live CONN_MAX_AGE seconds across many
  requests, so a per-request `SET` would leak into the next request on the same connection and a
  `SET LOCAL` needs a transaction a request does not have; a session default costs no round trip.
- Tiles and summaries: their own, tighter limits with `SET LOCAL` inside the statement's own
  transaction (tiles.mvt, analysis.summaries), which ends with it.
- Background jobs (Celery workers: imports, exports, seeding) and `manage.py` commands:
  DB_JOBS_STATEMENT_TIMEOUT_MS, set on each connection as it is opened (threads that build indexes
  open their own), since a million-row COPY or index build rightly takes minutes.
"""

from django.conf import settings
from django.db.backends.signals import connection_created


def use_jobs_timeout() -> None:
    """From now on, every database connection this process opens gets the jobs' timeout. Called
    before any is opened: by manage.py, and by a Celery worker as it starts (celeryd_init), before
    its pool forks (Celery's Django fixup closes inherited connections in each child anyway)."""
    connection_created.connect(_set_jobs_timeout, dispatch_uid="geo_ioc.statement_timeouts.jobs")


def _set_jobs_timeout(sender, connection, **kwargs) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('statement_timeout', %s, false)",
                    [str(settings.DB_JOBS_STATEMENT_TIMEOUT_MS)])
