"""Where a layer's features live: layers_feature is LIST-partitioned by layer_id, one partition per
layer (migration layers/0003), named by `partition_name`.

A database trigger gives every new layer an empty partition and drops it with the layer. Writing a
whole new version of a layer (a replace import, the demo world loader) does not go through the shared
table's indexes row by row: `next_version` creates a standalone table shaped like the store, without
indexes, the caller COPYs the rows into it, `build_indexes` builds every index of the store once on
the loaded rows, and `swap` exchanges it for the layer's partition inside the transaction that also
bumps the layer's version: readers see the old partition until it commits, then the new one.

Measured on 1,000,000 points: the GIN index on properties costs about 10 s to build, as much as all
the other indexes together; fed through pending lists during the COPY it costs more (200,000
points: 4.8 s for all indexes against 3.7 s built after the load). `build_indexes(table, builders=2)` builds them on two connections at
once, which needs the table and its rows committed first: an import job (layers.imports.jobs) does
so in a table named for the job, which no reader sees (it is not a partition until `swap`) and which
a retry of the job drops before starting again. Inside a caller's transaction (the demo world loader,
a test) everything stays in that transaction and the indexes are built one after the other.

Locks: the table being built is private to the transaction, or (an import job's) committed but
reached by no reader. `swap` takes ACCESS EXCLUSIVE on
layers_feature (DETACH PARTITION needs it) until commit, so it comes last and does no scan: the
indexes are in place and a CHECK (layer_id = N) spares ATTACH its validation. While it waits for
that lock every new reader queues behind it, so it waits a second at a time and lets the queue go
between tries: a long reader (an export streaming a big layer) delays the swap, not the platform.
It locks nothing else: the store has no foreign key (migration layers/0003 says why), so
layers_layer, which every request reads, is not locked beyond the layer's own row.
"""

import queue
import re
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
from django.db import OperationalError, connection, transaction
from psycopg import sql

_STORE = "layers_feature"
# pg_get_indexdef of a partitioned index: "CREATE [UNIQUE] INDEX name ON ONLY public.layers_feature USING …"
_INDEX_HEAD = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ USING ")
# maintenance_work_mem of an index build (of each, with builders > 1): enough for a B-tree's or a
# GiST's sort in memory. Except a jsonb_path_ops GIN, whose keys are hashes of each property's value,
# most of them distinct (ids, names, measures): its build inserts them in a red-black tree in memory,
# which stalls on cache misses once it outgrows the CPU's caches. 1,000,000 points, interleaved runs:
# 9.9 s with 4 MB against 11.7 s with 256 MB (medians of 3).
_BUILD_MEMORY = "256MB"
_HASHED_GIN_MEMORY = "4MB"


def partition_name(layer_id: int) -> str:
    """The name of the layer's partition (the SQL function layers_feature_partition_name agrees)."""
    return f"{_STORE}_{int(layer_id)}"


def next_version(layer_id: int, *, job_id: int | None = None) -> str:
    """Create an empty standalone table for the layer's next version, without indexes; its name. An
    import job's is named for the job (see the module's note), any other the layer's partition's
    name + "_next". A table of that name left by an earlier attempt is dropped first."""
    name = f"{_STORE}_import_{int(job_id)}" if job_id is not None else f"{partition_name(layer_id)}_next"
    with connection.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)).as_string(cur.connection))
        cur.execute("SELECT layers_feature_create_table(%s, %s)", [name, int(layer_id)])
    return name


def discard(table: str) -> None:
    """Drop a next version that will not be published (its import failed)."""
    with connection.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)).as_string(cur.connection))


def build_indexes(table: str, *, builders: int = 1) -> None:
    """Give `table` the primary key, the unique constraints and the other indexes of the feature store,
    read from the catalog so that ATTACH PARTITION adopts them instead of building its own. Built
    once on the loaded rows: a sorted GiST or B-tree build beats a million insertions.

    With builders > 1 the indexes are built by that many connections of their own at once (CREATE
    INDEX takes a SHARE lock, which lets the others build), the costly GIN ones first; `table` must
    be committed. The constraints are then made from their unique indexes (ADD … USING INDEX, no
    scan) on this connection."""
    with connection.cursor() as cur:
        constraints = _constraint_indexes(cur, table)
        statements = [create for create, _add in constraints] + _index_statements(cur, table)
    # GIN first: the longest builds start at once, the short ones fill in behind them.
    statements.sort(key=lambda statement: " USING gin " not in statement)
    if builders > 1:
        _run_on_connections(statements, builders)
    else:
        with connection.cursor() as cur:
            for statement in statements:
                _build(cur, statement, local=True)
    with connection.cursor() as cur:
        for _create, add in constraints:
            cur.execute(add)


def _run_on_connections(statements: list[str], builders: int) -> None:
    """Run `statements` on `builders` connections of their own, each taking the next one left."""
    waiting: queue.SimpleQueue[str] = queue.SimpleQueue()
    for statement in statements:
        waiting.put(statement)

    def build() -> None:
        try:  # a thread's own Django connection, in autocommit: each index is committed when built
            with connection.cursor() as cur:
                while True:
                    try:
                        statement = waiting.get_nowait()
                    except queue.Empty:
                        return
                    _build(cur, statement, local=False)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=builders, thread_name_prefix="import-index") as pool:
        for future in [pool.submit(build) for _ in range(builders)]:
            future.result()


def _build(cur, statement: str, *, local: bool) -> None:
    memory = _HASHED_GIN_MEMORY if " USING gin " in statement and " jsonb_path_ops" in statement else _BUILD_MEMORY
    cur.execute("SELECT set_config('maintenance_work_mem', %s, %s)", [memory, local])
    cur.execute(statement)


def _constraint_indexes(cur, table: str) -> list[tuple[str, str]]:
    """For each primary key and unique constraint of the store: the CREATE UNIQUE INDEX of its index on
    `table`, under a name free in the schema, and the ALTER TABLE that makes the constraint of it."""
    target = sql.Identifier(table).as_string(cur.connection)
    cur.execute(
        """
        SELECT c.contype = 'p', pg_get_indexdef(c.conindid) FROM pg_constraint AS c
         WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u')
         ORDER BY c.contype DESC, c.conname
        """,
        [_STORE],
    )
    pairs, taken = [], set()
    for primary, definition in cur.fetchall():
        name = _free_name(cur, f"{table}_{'pkey' if primary else 'key'}", taken)
        taken.add(name)
        index = sql.Identifier(name).as_string(cur.connection)
        pairs.append((_rewrite(definition, f"{index} ON {target}"),
                      f"ALTER TABLE {target} ADD {'PRIMARY KEY' if primary else 'UNIQUE'} USING INDEX {index}"))
    return pairs


def _free_name(cur, base: str, taken: set[str]) -> str:
    """`base`, or `base` + a number, not the name of a relation yet. (The table is new, but the demo
    world loader's reuses the name of the previous version's, whose indexes are still there.)"""
    for n in range(1000):
        name = base if n == 0 else f"{base}{n}"
        cur.execute("SELECT to_regclass(%s)", [sql.Identifier(name).as_string(cur.connection)])
        if name not in taken and cur.fetchone()[0] is None:
            return name
    raise RuntimeError(f"no free index name for {base}")


def _index_statements(cur, table: str) -> list[str]:
    """The CREATE INDEX of each index of the store that backs no constraint, on `table`, unnamed:
    PostgreSQL picks a free name from the table's, so versions never collide."""
    target = sql.Identifier(table).as_string(cur.connection)
    cur.execute(
        """
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index AS i
         WHERE i.indrelid = %s::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid)
         ORDER BY i.indexrelid
        """,
        [_STORE],
    )
    return [_rewrite(definition, f"ON {target}") for (definition,) in cur.fetchall()]


def _rewrite(definition: str, on: str) -> str:
    """A pg_get_indexdef of the store's, its "name ON ONLY public.layers_feature" replaced by `on`."""
    statement, found = _INDEX_HEAD.subn(lambda m: f"CREATE {m.group(1) or ''}INDEX {on} USING ", definition)
    if not found:
        raise RuntimeError(f"unexpected index definition: {definition}")
    return statement


def kept_name(layer_id: int, version: int) -> str:
    """The name of the table that keeps a version of a layer once it is no longer its partition
    (layers.history)."""
    return f"{_STORE}_kept_{int(layer_id)}_v{int(version)}"


def swap(layer_id: int, table: str, *, keep_as: str | None = None) -> None:
    """Make `table` the layer's partition: detach the current one, attach `table`, give it the
    partition's name. The current one is dropped, or kept under the name `keep_as` (a replaced version
    kept for a rollback). Run last in the publishing transaction (see the module's note on locks)."""
    current = partition_name(layer_id)
    _lock_store()
    attached = _detach(layer_id)
    store, old, new = (sql.Identifier(n) for n in (_STORE, current, table))
    statements = [
        sql.SQL("ALTER TABLE {} RENAME TO {}").format(old, sql.Identifier(keep_as)) if keep_as and attached
        else sql.SQL("DROP TABLE IF EXISTS {}").format(old),
        sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
            store, new, sql.Literal(int(layer_id))),
        sql.SQL("ALTER TABLE {} RENAME TO {}").format(new, old),
    ]
    with connection.cursor() as cur:
        for statement in statements:
            cur.execute(statement.as_string(cur.connection))


def detach(layer_id: int, *, keep_as: str) -> bool:
    """Take the layer's partition out of the feature store and keep it under the name `keep_as` (a
    deleted layer's features, restorable by `swap`). False if the layer had no partition."""
    _lock_store()
    if not _detach(layer_id):
        return False
    with connection.cursor() as cur:
        cur.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(
            sql.Identifier(partition_name(layer_id)), sql.Identifier(keep_as)).as_string(cur.connection))
    return True


def _detach(layer_id: int) -> bool:
    """DETACH the layer's partition if it is one (the caller holds the store's lock): whether it was."""
    current = partition_name(layer_id)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s) AND inhparent = %s::regclass",
            [current, _STORE],
        )
        if cur.fetchone() is None:
            return False
        cur.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(
            sql.Identifier(_STORE), sql.Identifier(current)).as_string(cur.connection))
    return True


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
