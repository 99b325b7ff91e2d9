"""Named actors and small, deliberately awkward layers, on the real PostGIS."""

import os
import subprocess
import sys
import time
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from rest_framework.test import APIClient

from layers.catalog import publish_changes
from layers.models import Access, Feature, Layer, TimeKind
from layers.tokens import create_token
from tests.browser import close_shared_browser
from tests.departments import make_department

# Every shared fixture is one of this conftest's or of these modules': no test module imports fixtures.
pytest_plugins = ["tests.province", "tests.wall_world", "tests.demo_world", "tests.monitoring_world",
                  "tests.feedback_world", "tests.alert_world"]

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

SCHOOL_SCHEMA = [
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "level", "type": "string", "label_vi": "Cấp học", "label_en": "Level"},
    {"name": "pupils", "type": "integer", "unit": "pupils", "label_vi": "Số học sinh", "label_en": "Pupils"},
    {"name": "public", "type": "boolean", "label_vi": "Công lập", "label_en": "Public"},
]


def pytest_addoption(parser):
    parser.addoption("--serial", choices=("include", "exclude", "only"), default="include",
                     help="tests marked serial: run them too (default), leave them out, or run only them "
                          "(scripts/test.sh: the parallel phase, then the serial one)")


def pytest_collection_modifyitems(config, items):
    serial = config.getoption("serial")
    if serial != "include":
        keep = [(item.get_closest_marker("serial") is not None) == (serial == "only") for item in items]
        config.hook.pytest_deselected(items=[item for item, kept in zip(items, keep) if not kept])
        items[:] = [item for item, kept in zip(items, keep) if kept]


def pytest_itemcollected(item):
    # Under `pytest-xdist --dist loadgroup` a group runs on one worker: a module's tests stay together
    # (module-scoped fixtures such as the demo world are set up once), and every browser test goes to
    # the same worker, so that only one Chromium draws at a time (two fight over the two cores and
    # time out; scripts/test.sh). Marked as each item is collected, before xdist reads the groups.
    if item.config.pluginmanager.hasplugin("xdist") and item.get_closest_marker("xdist_group") is None:
        group = "browser" if item.get_closest_marker("browser") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


def make_layer(slug: str, *, access: str = Access.PUBLIC, groups=(), time_kind=TimeKind.NONE, **fields) -> Layer:
    defaults = dict(
        title_vi=f"Lớp {slug}", title_en=f"Layer {slug}", domain="education", geometry_type="Point",
        property_schema=SCHOOL_SCHEMA, style={"type": "circle", "color": "#1f78b4"},
        source_department="Sở Giáo dục và Đào tạo",
    )
    layer = Layer.objects.create(slug=slug, access=access, time_kind=time_kind, **(defaults | fields))
    layer.groups.set(groups)
    return layer


def add_features(layer: Layer, rows: list[tuple]) -> Layer:
    """rows: (source_id, wkt, properties[, time_start[, time_end]])."""
    Feature.objects.bulk_create(
        Feature(
            layer=layer, source_id=row[0], geom=GEOSGeometry(row[1], srid=4326), properties=row[2],
            time_start=row[3] if len(row) > 3 else None,
            time_end=(row[4] if len(row) > 4 else row[3]) if len(row) > 3 else None,
        )
        for row in rows
    )
    return publish_changes(layer)


@pytest.fixture
def health_group(db) -> Group:
    return Group.objects.create(name="health")


@pytest.fixture
def official(db) -> User:
    """Provincial staff: sees public and internal layers."""
    return User.objects.create_user("official", password="pw-official", is_staff=True)


@pytest.fixture
def health_officer(db, health_group) -> User:
    """Not staff, but in the health group: public + health-restricted layers."""
    user = User.objects.create_user("health", password="pw-health")
    user.groups.add(health_group)
    return user


@pytest.fixture
def outsider(db) -> User:
    """Signed in, no group, not staff: public layers only."""
    return User.objects.create_user("outsider", password="pw-outsider")


@pytest.fixture
def steward(db) -> User:
    """Staff, a steward of the environment department: imports into and writes the layers it owns."""
    user = User.objects.create_user("steward", password="pw-steward", is_staff=True)
    make_department("environment", name="Sở Tài nguyên và Môi trường", stewards=(user,))
    return user


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", password="pw-root")


@pytest.fixture
def import_dir(settings, tmp_path) -> Path:
    """The import jobs' working directory (settings.LAYERS_IMPORT_DIR), private to the test."""
    settings.LAYERS_IMPORT_DIR = tmp_path / "imports"
    return settings.LAYERS_IMPORT_DIR


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + create_token(user))
    return client


@pytest.fixture
def schools(db) -> Layer:
    layer = make_layer("schools")
    return add_features(layer, [
        ("s1", "POINT(106.4027 10.5327)", {"name": "Trường THPT Tân An", "level": "thpt", "pupils": 1200, "public": True}),
        ("s2", "POINT(106.6685 10.5830)", {"name": "Trường Tiểu học Cần Giuộc", "level": "tieu_hoc", "pupils": 640, "public": True}),
        ("s3", "POINT(105.6865 10.8332)", {"name": "Trường Mầm non Tân Hưng", "level": "mam_non", "pupils": 210, "public": False}),
        ("s4", "POINT(106.4512 10.6918)", {"name": "Trường THCS Bến Lức", "level": "thcs", "pupils": 980, "public": True}),
    ])


@pytest.fixture
def incidents(db) -> Layer:
    layer = make_layer("incidents", access=Access.INTERNAL, time_kind=TimeKind.INSTANT, domain="traffic",
                       property_schema=[{"name": "kind", "type": "string", "label_vi": "Loại", "label_en": "Kind"}])
    t = lambda *a: datetime(*a, tzinfo=dt_timezone.utc)  # noqa: E731
    return add_features(layer, [
        ("i1", "POINT(106.40 10.55)", {"kind": "va chạm"}, t(2022, 3, 1, 2, 0)),
        ("i2", "POINT(106.48 10.64)", {"kind": "ùn tắc"}, t(2022, 6, 15, 10, 30)),
        ("i3", "POINT(106.60 10.51)", {"kind": "va chạm"}, t(2022, 12, 31, 16, 0)),
    ])


@pytest.fixture
def dengue(db, health_group) -> Layer:
    layer = make_layer("dengue", access=Access.RESTRICTED, groups=[health_group], domain="health",
                       property_schema=[{"name": "cases", "type": "integer", "label_vi": "Số ca", "label_en": "Cases"}])
    return add_features(layer, [("d1", "POINT(106.41 10.54)", {"cases": 7})])


@pytest.fixture
def world(schools, incidents, dengue) -> dict[str, Layer]:
    """One layer of each access level."""
    return {"public": schools, "internal": incidents, "restricted": dengue}


@pytest.fixture(scope="module", autouse=True)
def _shared_browser():
    """A module's browser tests share one Chromium (tests/browser.py); it goes at the module's end."""
    yield
    close_shared_browser()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test broker and the test database."""
    db = settings.DATABASES["default"]
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgis://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    # var/test/<xdist worker>/celery.log (tests/settings.py), beside the worker's media.
    log_dir = Path(settings.TEST_VAR_DIR)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / "celery.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "geo_ioc", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--hostname", f"test-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    from geo_ioc.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"The test Celery worker exited; see {log_dir / 'celery.log'}")
        if app.control.ping(timeout=0.5):
            break
    else:
        proc.terminate()
        raise RuntimeError("The test Celery worker did not answer within 60 s")
    yield proc
    proc.terminate()
    proc.wait(timeout=30)


def wait_for(predicate, timeout: float, what: str, every: float = 0.1):
    """Polls predicate() until it returns something true (returned) or raises AssertionError after
    `timeout` seconds: a wait on state, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def worker_idle() -> bool:
    """Whether the test Celery worker holds no task (running, reserved or waiting for its countdown):
    a transactional test waits on it before its tables are flushed under a task's feet."""
    from geo_ioc.celery import app

    inspect = app.control.inspect(timeout=1)
    answers = [inspect.active(), inspect.reserved(), inspect.scheduled()]
    return all(answer is not None and not any(answer.values()) for answer in answers)


def other_session(**options) -> psycopg.Connection:
    """A connection of its own to the test database: another session than Django's."""
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None,
                           dbname=db["NAME"], **options)


def feature_count_sql(layer: Layer) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM layers_feature WHERE layer_id = %s", [layer.pk])
        return cur.fetchone()[0]
