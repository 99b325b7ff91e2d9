import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_ioc.settings")

app = Celery("geo_ioc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def _jobs_statement_timeout(**kwargs) -> None:
    # Before the pool forks: every worker process inherits the jobs' statement timeout.
    from geo_ioc.statement_timeouts import use_jobs_timeout

    use_jobs_timeout()
