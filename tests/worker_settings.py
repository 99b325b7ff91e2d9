"""Settings of the Celery workers the import tests start (tests/import_workers.py): the settings of
the test run, with the broker the test chose, and the visibility timeout it chose (the killed-worker
test makes it short, so the broker hands a dead worker's job to the next worker within seconds)."""

import importlib
import os

_base = importlib.import_module(os.environ.get("GEO_IOC_TEST_BASE_SETTINGS", "tests.settings"))
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

CELERY_BROKER_URL = CELERY_RESULT_BACKEND = os.environ["GEO_IOC_TEST_BROKER"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ["CELERY_VISIBILITY_TIMEOUT"])}

