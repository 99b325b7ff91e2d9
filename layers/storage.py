"""Where a layer's features live: layers_feature is LIST-partitioned by layer_id, one partition per
layer (migration layers/0003), named by `partition_name`.

A database trigger gives every new layer an empty partition and drops it with the layer. Writing a
whole new version of a layer (a replace import, the demo world loader) does not go through the shared
table's indexes row by row: `next_version` creates a standalone table shaped like the store (with its
GIN indexes, which absorb inserts in bulk), the caller COPYs the rows into it, `build_indexes` builds
the other indexes once, and `swap` exchanges it for the layer's partition. Call all of them inside
the one transaction that also bumps the layer's version: readers see the old partition until it
commits, then the new one.

Locks: the table being built is private to the transaction. `swap` takes ACCESS EXCLUSIVE on
layers_feature (DETACH PARTITION needs it) until commit, so it comes last and does no scan: the
indexes are in place and a CHECK (layer_id = N) spares ATTACH its validation. While it waits for
that lock every new reader queues behind it, so it waits a second at a time and lets the queue go
between tries: a long reader (an export streaming a big layer) delays the swap, not the platform.
It locks nothing else: the store has no foreign key (migration layers/0003 says why), so
layers_layer, which every request reads, is not locked beyond the layer's own row.
"""

import re
import time

import psycopg
from django.db import OperationalError, connection, transaction
from psycopg import sql

_STORE = "layers_feature"
# pg_get_indexdef of a partitioned index: "CREATE [UNIQUE] INDEX name ON ONLY public.layers_feature USING …"
_INDEX_HEAD = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ USING ")


def partition_name(layer_id: int) -> str:
    """The name of the layer's partition (the SQL function layers_feature_partition_name agrees)."""
    return f"{_STORE}_{int(layer_id)}"


def next_version(layer_id: int) -> str:
    """Create an empty standalone table for the layer's next version; its name. It has the store's
    GIN indexes already (see build_indexes), none of the others."""
    name = f"{partition_name(layer_id)}_next"
    with connection.cursor() as cur:
        cur.execute("SELECT layers_feature_create_table(%s, %s)", [name, int(layer_id)])
        # GIN gathers the rows COPY inserts in its pending list and merges them a few megabytes at
        # a time: that work runs in the database while the importing process prepares the next rows.
        cur.execute("SET LOCAL gin_pending_list_limit = '32MB'")
        for statement in _index_statements(cur, name, gin=True):
            cur.execute(statement)
    return name


def build_indexes(table: str) -> None:
    """Give `table` the primary key, the unique constraints and the other indexes of the feature store,
    read from the catalog so that ATTACH PARTITION adopts them instead of building its own. Built
    once on the loaded rows: a sorted GiST or B-tree build beats a million insertions."""
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # What is still in the GIN pending lists is merged now, not by the next reader's scan.
        cur.execute(
            """SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index AS i
                 JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS am ON am.oid = c.relam
                WHERE i.indrelid = to_regclass(%s) AND am.amname = 'gin'""",
            [table],
        )
        for statement in _constraint_statements(cur, table, "pu") + _index_statements(cur, table, gin=False):
            cur.execute(statement)


def _constraint_statements(cur, table: str, kinds: str) -> list[str]:
    target = sql.Identifier(table).as_string(cur.connection)
    cur.execute(
        """
        SELECT pg_get_constraintdef(c.oid) FROM pg_constraint AS c
         WHERE c.conrelid = %s::regclass AND c.contype::text = ANY(%s)
         ORDER BY c.contype DESC, c.conname
        """,
        [_STORE, list(kinds)],
    )
    return [f"ALTER TABLE {target} ADD {definition}" for (definition,) in cur.fetchall()]


def _index_statements(cur, table: str, *, gin: bool) -> list[str]:
    target = sql.Identifier(table).as_string(cur.connection)
    statements = []
    cur.execute(
        """
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index AS i
          JOIN pg_class AS c ON c.oid = i.indexrelid
          JOIN pg_am AS am ON am.oid = c.relam
         WHERE i.indrelid = %s::regclass AND (am.amname = 'gin') = %s
           AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid)
         ORDER BY i.indexrelid
        """,
        [_STORE, gin],
    )
    for (definition,) in cur.fetchall():
        # Unnamed: PostgreSQL picks a free name from the table's, so versions never collide.
        statement, found = _INDEX_HEAD.subn(lambda m: f"CREATE {m.group(1) or ''}INDEX ON {target} USING ",
                                            definition)
        if not found:
            raise RuntimeError(f"unexpected index definition: {definition}")
        statements.append(statement)
    return statements


def swap(layer_id: int, table: str) -> None:
    """Make `table` the layer's partition: detach and drop the current one, attach `table`, give it
    the partition's name. Run last in the publishing transaction (see the module's note on locks)."""
    current = partition_name(layer_id)
    _lock_store()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s) AND inhparent = %s::regclass",
            [current, _STORE],
        )
        attached = cur.fetchone() is not None
        store, old, new = (sql.Identifier(n) for n in (_STORE, current, table))
        statements = [
            sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(store, old) if attached else None,
            sql.SQL("DROP TABLE IF EXISTS {}").format(old),
            sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
                store, new, sql.Literal(int(layer_id))),
            sql.SQL("ALTER TABLE {} RENAME TO {}").format(new, old),
        ]
        for statement in filter(None, statements):
            cur.execute(statement.as_string(cur.connection))


def _lock_store(*, wait: str = "1s", tries: int = 10) -> None:
    """ACCESS EXCLUSIVE on the store, waiting at most `wait` per try, then rolled back to a savepoint
    and tried again after a pause in which the queued readers run; the last try waits as long as it
    takes."""
    lock = sql.SQL("LOCK TABLE ONLY {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(_STORE))
    for attempt in range(tries):
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT current_setting('lock_timeout')")
                usual = cur.fetchone()[0]
                cur.execute("SELECT set_config('lock_timeout', %s, true)", [wait if attempt < tries - 1 else usual])
                cur.execute(lock.as_string(cur.connection))
                cur.execute("SELECT set_config('lock_timeout', %s, true)", [usual])
            return
        except OperationalError as error:
            if not isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
                raise
            time.sleep(0.2)


def geometry_index(layer_id: int) -> str | None:
    """The name of the GiST index on the geometries of the layer's partition (None: no partition)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname FROM pg_index AS i
              JOIN pg_class AS c ON c.oid = i.indexrelid
              JOIN pg_am AS am ON am.oid = c.relam
             WHERE i.indrelid = to_regclass(%s) AND am.amname = 'gist'
            """,
            [partition_name(layer_id)],
        )
        row = cur.fetchone()
    return row[0] if row else None
