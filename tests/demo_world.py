"""The demo world (fixtures/world.py) for the browser tests of the dashboard: generated once per
module, loaded into the live server's database for a test. Registered for every test module by
tests/conftest.py."""

import time

import pytest
from django.db import connection

from fixtures.load import load_world
from fixtures.world import World, generate_world


@pytest.fixture(scope="module")
def long_an() -> World:
    """The demo world, generated once for the module (it takes seconds); each test loads it."""
    return generate_world()


@pytest.fixture
def demo(long_an, settings, monkeypatch):
    # Tiles are rendered for each request: no entry of another test run can answer for this database.
    settings.TILES_CACHE = "none"
    # The browser keeps its HTTP connections alive, and with them the live server's threads and their
    # persistent database connections; closing each after its request lets the test database go.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    load_world(long_an)
    yield long_an
    # Tiles asked for just before the browser closed may still be rendering in the live server's
    # threads; let them finish so the database can be flushed (and dropped at the end).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.2)
