"""The demo world (fixtures/world.py) for the browser tests of the dashboard: generated and loaded once
per module, and after each test the database goes back to that loaded state. Registered for every
test module by tests/conftest.py.

Loading the world takes seconds; a module has a dozen tests. So the module loads it once and records
it (`Baseline`: a copy of every table in a schema of its own), and each test's database teardown —
the flush of pytest-django's transactional tests, which the live server needs — is replaced, for the
module's tests, by a return to that copy: rows the test added are deleted, rows it changed or deleted
are written back, and the features of every layer it changed are restored. Nothing is left to a test's
own tidying, so the tests stay independent and their order does not matter. At the end of the module
the database is flushed as usual, for the modules after it."""

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TransactionTestCase, override_settings
from psycopg import sql

from fixtures.load import load_world
from fixtures.world import World, generate_world
from layers.catalog import layer_changed
from layers.models import Layer

SCHEMA = "demo_baseline"
FEATURES = "layers_feature"  # LIST-partitioned per layer (layers.storage): restored per layer, never whole


@pytest.fixture(scope="module")
def long_an() -> World:
    """The demo world, generated once for the module (it takes seconds)."""
    return generate_world()


@pytest.fixture(scope="module")
def demo_baseline(long_an, django_db_setup, django_db_blocker):
    """The demo world loaded into the test database once for the module; every transactional test
    of the module ends by returning the database to it (see the module's docstring)."""
    with loaded_for_the_module(django_db_blocker, lambda: load_world(long_an)) as baseline:
        yield baseline


@contextmanager
def loaded_for_the_module(django_db_blocker, load: Callable[[], object]):
    """Runs `load` once, then makes every transactional test's teardown until the block ends a return
    to what it loaded; flushes the database at the end. Yields the Baseline."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        # The browser keeps its HTTP connections alive, and with them the live server's threads and
        # their persistent database connections; closing each after its request lets the tables go.
        patch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
        # Tiles are rendered for each request: no entry of another test run can answer for this database.
        with override_settings(TILES_CACHE="none"):
            try:
                load()
                baseline = Baseline.take()
                patch.setattr(TransactionTestCase, "_fixture_teardown", lambda _case: baseline.restore())
                yield baseline
            finally:
                patch.undo()
                wait_until_the_live_server_lets_go()
                with connection.cursor() as cur:
                    cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))
                call_command("flush", verbosity=0, interactive=False)


@pytest.fixture
def demo(demo_baseline, long_an) -> World:
    """The demo world, in the database for this test; what the test writes is undone after it."""
    return long_an


@dataclass(frozen=True)
class Table:
    name: str
    pk: str
    digest: str  # of the rows as loaded: a table whose digest is unchanged needs nothing back


@dataclass(frozen=True)
class Baseline:
    """A copy of every table of the test database, taken after the world was loaded."""

    tables: tuple[Table, ...]
    features: int

    @classmethod
    def take(cls) -> "Baseline":
        tables = []
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
            for name in sorted(connection.introspection.django_table_names(only_existing=True, include_views=False)):
                cur.execute(sql.SQL("CREATE TABLE {} AS TABLE {}").format(sql.Identifier(SCHEMA, name), sql.Identifier(name)))
                if name != FEATURES:
                    pk = connection.introspection.get_primary_key_column(cur, name)
                    tables.append(Table(name, pk, _digest(cur, name, pk)))
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(FEATURES)))
            return cls(tuple(tables), cur.fetchone()[0])

    def restore(self) -> None:
        """Undo what a test wrote: the changed tables' rows, then the changed layers' features."""
        with transaction.atomic(), connection.cursor() as cur:
            # Django's foreign keys are deferred to the commit: rows go back in any table order.
            changed = [table for table in self.tables if _digest(cur, table.name, table.pk) != table.digest]
            layers = _changed_layers(cur) if any(table.name == "layers_layer" for table in changed) else []
            for table in changed:
                # Audit logs refuse deletes by trigger (layers.history, feedback's trail): their rows go
                # back with ordinary triggers off. The catalog's rows keep theirs on: its triggers make
                # and drop a layer's partition of the feature store.
                role = "origin" if table.name == "layers_layer" else "replica"
                cur.execute("SET LOCAL session_replication_role = " + role)
                _restore_rows(cur, table)
            cur.execute("SET LOCAL session_replication_role = origin")
            for layer_id in layers:
                _restore_features(cur, layer_id)
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(FEATURES)))
            features = cur.fetchone()[0]
        if layers:
            # Tell the caches of layer rows (tiles.access_memo), as every writer of layer rows does.
            layer_changed.send(sender=Layer, layer=None)
        # Features are written with their layer's version bump (layers.catalog.publish_changes): a
        # count that differs means a write that skipped it, which the restore could not see.
        assert features == self.features, f"features were changed without publishing their layer ({features} ≠ {self.features})"


def _digest(cur, table: str, pk: str) -> str:
    cur.execute(sql.SQL("SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.{}), '')) FROM {} AS t")
                .format(sql.Identifier(pk), sql.Identifier(table)))
    return cur.fetchone()[0]


def _changed_layers(cur) -> list[int]:
    """The loaded layers whose row differs now (a version bump, an update, a deletion)."""
    cur.execute(sql.SQL("""SELECT b.id FROM {} AS b LEFT JOIN layers_layer AS l ON l.id = b.id
                            WHERE l.id IS NULL OR l::text <> b::text ORDER BY b.id""").format(sql.Identifier(SCHEMA, "layers_layer")))
    return [row[0] for row in cur.fetchall()]


def _restore_rows(cur, table: Table) -> None:
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s ORDER BY ordinal_position", [table.name])
    columns = [sql.Identifier(row[0]) for row in cur.fetchall()]
    live, saved, pk = sql.Identifier(table.name), sql.Identifier(SCHEMA, table.name), sql.Identifier(table.pk)
    names = sql.SQL(", ").join(columns)
    # Rows are updated in place, not deleted and inserted again: deleting a layer row drops its
    # partition of features (the trigger of migration layers/0003).
    cur.execute(sql.SQL("DELETE FROM {live} AS t WHERE NOT EXISTS (SELECT FROM {saved} AS s WHERE s.{pk} = t.{pk})")
                .format(live=live, saved=saved, pk=pk))
    cur.execute(sql.SQL("UPDATE {live} AS t SET ({names}) = ROW({values}) FROM {saved} AS s "
                        "WHERE s.{pk} = t.{pk} AND s::text <> t::text")
                .format(live=live, saved=saved, pk=pk, names=names,
                        values=sql.SQL(", ").join(sql.SQL("s.{}").format(c) for c in columns)))
    cur.execute(sql.SQL("INSERT INTO {live} ({names}) SELECT {names} FROM {saved} AS s "
                        "WHERE NOT EXISTS (SELECT FROM {live} AS t WHERE t.{pk} = s.{pk})")
                .format(live=live, saved=saved, pk=pk, names=names))


def _restore_features(cur, layer_id: int) -> None:
    cur.execute(sql.SQL("DELETE FROM {} WHERE layer_id = %s").format(sql.Identifier(FEATURES)), [layer_id])
    cur.execute(sql.SQL("INSERT INTO {} SELECT * FROM {} WHERE layer_id = %s")
                .format(sql.Identifier(FEATURES), sql.Identifier(SCHEMA, FEATURES)), [layer_id])


def wait_until_the_live_server_lets_go(timeout: float = 30) -> None:
    """Tiles asked for just before the browser closed may still be rendering in the live server's
    threads; let them finish so the database can be flushed. (Idle sessions hold no lock: this
    process has one per storage of Django's connections, see tests/browser.py.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND state <> 'idle'")
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)

