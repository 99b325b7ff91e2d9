"""The feature store keeps each layer in a partition of its own (layers.storage): created with the
layer, swapped whole by a replace, dropped with the layer; readers see the old version or the new one."""

import threading

import numpy as np
import psycopg
import pytest
import shapely
from django.db import connection
from pyogrio import raw

from layers import storage
from layers.models import Feature, Layer
from tests.conftest import feature_count_sql, make_layer, other_session, wait_for
from tests.import_files import import_now, point_feature, write_geojson


def _partition_of(layer_id: int) -> str | None:
    with connection.cursor() as cur:
        cur.execute(
            """SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'layers_feature'::regclass
                  AND pg_get_expr(c.relpartbound, c.oid) = %s""",
            [f"FOR VALUES IN ('{int(layer_id)}')"],
        )
        row = cur.fetchone()
    return row[0] if row else None


def _index_count(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_index WHERE indrelid = to_regclass(%s)", [table])
        return cur.fetchone()[0]


def _import_tables() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT relname FROM pg_class WHERE relname LIKE 'layers\\_feature\\_import\\_%%' AND relkind = 'r'")
        return [name for (name,) in cur.fetchall()]


def _attached_indexes(table: str) -> int:
    """Indexes of `table` that are partitions of an index of the store (ATTACH adopted them)."""
    with connection.cursor() as cur:
        cur.execute("""SELECT count(*) FROM pg_index AS i JOIN pg_inherits AS h ON h.inhrelid = i.indexrelid
                        WHERE i.indrelid = to_regclass(%s)""", [table])
        return cur.fetchone()[0]


def _points_gpkg(path, n: int, prefix: str):
    rng = np.random.default_rng(n)
    xy = np.column_stack([105.5 + rng.random(n) * 1.2, 10.4 + rng.random(n) * 0.6])
    ids = np.array([f"{prefix}{i}" for i in range(n)], dtype=object)
    raw.write(str(path), shapely.to_wkb(shapely.points(xy)), [ids], ["id"], driver="GPKG", geometry_type="Point",
              crs="EPSG:4326")
    return path


@pytest.mark.django_db
def test_a_layer_created_through_the_orm_holds_its_features_in_its_own_partition():
    layer = make_layer("truong")
    Feature.objects.create(layer=layer, source_id="a", geom="SRID=4326;POINT(106.4 10.5)", properties={"name": "A"})
    assert _partition_of(layer.pk) == storage.partition_name(layer.pk)
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM layers_feature WHERE layer_id = %s", [layer.pk])
        assert cur.fetchall() == [(storage.partition_name(layer.pk),)]
    # Every index of the store exists on the partition.
    assert _index_count(storage.partition_name(layer.pk)) == _index_count("layers_feature") > 0


@pytest.mark.django_db
def test_deleting_a_layer_drops_its_partition():
    layer = make_layer("truong")
    Feature.objects.create(layer=layer, source_id="a", geom="SRID=4326;POINT(106.4 10.5)", properties={})
    layer_id = layer.pk
    layer.delete()
    assert _partition_of(layer_id) is None
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [storage.partition_name(layer_id)])
        assert cur.fetchone()[0] is None


@pytest.mark.django_db
def test_a_replace_swaps_in_a_new_partition_with_every_index(import_dir, tmp_path):
    first = import_now(write_geojson(tmp_path, [point_feature("a", 106.4, 10.5), point_feature("b", 106.5, 10.6)]),
                       layer="diem")
    layer = Layer.objects.get(slug="diem")
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)::oid", [storage.partition_name(layer.pk)])
        before = cur.fetchone()[0]
    second = import_now(_points_gpkg(tmp_path / "diem.gpkg", 500, "p"), layer="diem")
    assert second.status == "succeeded", second.report
    layer.refresh_from_db()
    assert layer.version == first.layer_version + 1 and layer.feature_count == 500 == feature_count_sql(layer)
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)::oid, to_regclass(%s)",
                    [storage.partition_name(layer.pk), storage.partition_name(layer.pk) + "_next"])
        after, leftover = cur.fetchone()
    assert after != before and leftover is None  # a new table, under the partition's name
    assert _partition_of(layer.pk) == storage.partition_name(layer.pk)
    assert _index_count(storage.partition_name(layer.pk)) == _index_count("layers_feature")
    assert set(Feature.objects.filter(layer=layer).values_list("source_id", flat=True)[:3]) <= {
        f"p{i}" for i in range(500)}


# Inside a transaction (a test's, a shell's) everything is written in it; outside, the job's own
# table is committed before publication and must be dropped when the import fails.
@pytest.mark.parametrize("where", [pytest.param("inside a transaction", marks=pytest.mark.django_db),
                                   pytest.param("outside", marks=pytest.mark.django_db(transaction=True))])
def test_a_failed_replace_leaves_the_old_partition_and_no_table(import_dir, tmp_path, where):
    first = import_now(write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]), layer="diem")
    layer = Layer.objects.get(slug="diem")
    bad = write_geojson(tmp_path, [point_feature("x", 500.0, 10.5)], name="bad.geojson")  # out of range
    failed = import_now(bad, layer="diem")
    assert failed.status == "failed"
    layer.refresh_from_db()
    assert layer.version == first.layer_version and feature_count_sql(layer) == 1
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [storage.partition_name(layer.pk) + "_next"])
        assert cur.fetchone()[0] is None
    assert _import_tables() == []


@pytest.mark.django_db
def test_search_and_tile_filters_use_the_indexes_of_the_layers_partition():
    layer = make_layer("truong")
    Feature.objects.bulk_create(
        Feature(layer=layer, source_id=str(i), geom=f"SRID=4326;POINT({106 + i / 3000} {10.5 + (i % 50) / 100})",
                properties={"name": "Tân An" if i == 1234 else f"Điểm {i}"})
        for i in range(3000)
    )
    part = storage.partition_name(layer.pk)
    with connection.cursor() as cur:
        cur.execute("ANALYZE " + part)
        cur.execute("""EXPLAIN SELECT id FROM layers_feature
                        WHERE layer_id = ANY(%s) AND layers_search_text(properties) LIKE '%%tan an%%'""", [[layer.pk]])
        search_plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("""EXPLAIN SELECT id FROM layers_feature
                        WHERE layer_id = %s AND geom && ST_MakeEnvelope(106.1, 10.5, 106.11, 10.51, 4326)""", [layer.pk])
        tile_plan = "\n".join(r[0] for r in cur.fetchall())
    assert f"on {part}" in search_plan and "Bitmap Index Scan on " + part in search_plan
    assert "search_text" in search_plan.split("Bitmap Index Scan on ")[1]
    assert storage.geometry_index(layer.pk) in tile_plan


@pytest.mark.django_db(transaction=True)
def test_a_reader_during_a_replace_sees_the_old_version_or_the_new_never_a_mix(import_dir, tmp_path):
    import_now(_points_gpkg(tmp_path / "old.gpkg", 3000, "old"), layer="diem")
    layer = Layer.objects.get(slug="diem")
    old = (layer.version, 3000)
    seen: set[tuple[int, int]] = set()
    errors: list[Exception] = []
    stop = threading.Event()

    def read() -> None:
        try:
            _read()
        except psycopg.Error as error:  # a deadlock with the swap, for one
            errors.append(error)

    def _read() -> None:
        with other_session(autocommit=True) as conn:
            while not stop.is_set():
                # One statement, one snapshot: the catalog's version and the rows it describes.
                seen.add(conn.execute(
                    "SELECT l.version, (SELECT count(*) FROM layers_feature AS f WHERE f.layer_id = l.id)"
                    "  FROM layers_layer AS l WHERE l.id = %s", [layer.pk]).fetchone())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        done = import_now(_points_gpkg(tmp_path / "new.gpkg", 20000, "new"), layer="diem")
    finally:
        stop.set()
        reader.join(timeout=60)
    assert done.status == "succeeded", done.report
    new = (done.layer_version, 20000)
    assert not errors, errors
    assert seen and seen <= {old, new}, seen
    assert Feature.objects.filter(layer=layer, source_id__startswith="old").count() == 0


def swap_is_waiting(session: psycopg.Connection) -> bool:
    """Whether a session is queued for ACCESS EXCLUSIVE on the feature store (a swap's lock)."""
    return session.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'layers_feature'::regclass"
        " AND mode = 'AccessExclusiveLock' AND NOT granted)").fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_swap_waiting_for_a_long_reader_does_not_hold_up_the_other_readers(import_dir, tmp_path):
    import_now(write_geojson(tmp_path, [point_feature("a", 106.4, 10.5)]), layer="diem")
    other = make_layer("truong")

    # An export streaming a big layer, say: it holds its lock on the store for seconds.
    with other_session() as long_reader, other_session() as reader, other_session(autocommit=True) as watcher:
        long_reader.execute("SELECT count(*) FROM layers_feature").fetchone()
        result: dict = {}

        def run_import() -> None:
            try:
                result["job"] = import_now(_points_gpkg(tmp_path / "diem.gpkg", 200, "p"), layer="diem")
            finally:
                connection.close()  # this thread's own

        importer = threading.Thread(target=run_import)
        importer.start()
        reader.execute("SET statement_timeout = '4s'")
        reader.commit()
        for _ in range(8):
            # Each read comes while the swap is asking for its lock (the swap tries 10 times), so it
            # queues behind that request; it raises QueryCanceled if it had to stay queued for 4 s.
            wait_for(lambda: swap_is_waiting(watcher), 60, "the swap to ask for its lock", every=0.02)
            reader.execute("SELECT count(*) FROM layers_feature WHERE layer_id = %s", [other.pk]).fetchone()
            reader.commit()
        assert importer.is_alive()  # still waiting for the long reader
        long_reader.commit()
        importer.join(timeout=120)
    assert result["job"].status == "succeeded", result["job"].report
    assert feature_count_sql(Layer.objects.get(slug="diem")) == 200


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_next_version_is_indexed_on_two_connections_and_swapped_in(import_dir, tmp_path, settings):
    settings.LAYERS_IMPORT_INDEX_BUILDERS = 2
    multi = {"type": "Feature", "properties": {"id": "m"},
             "geometry": {"type": "MultiPoint", "coordinates": [[106.4, 10.5], [106.5, 10.6]]}}
    first = import_now(write_geojson(tmp_path, [point_feature("a", 106.4, 10.5), multi]), layer="diem")
    assert first.status == "succeeded", first.report
    layer = Layer.objects.get(slug="diem")
    assert layer.geometry_type == "MultiPoint"  # promoted in the job's table, before its indexes
    second = import_now(_points_gpkg(tmp_path / "diem.gpkg", 500, "p"), layer="diem")
    assert second.status == "succeeded", second.report
    layer.refresh_from_db()
    assert layer.version == first.layer_version + 1 and layer.feature_count == 500 == feature_count_sql(layer)
    part = storage.partition_name(layer.pk)
    assert _partition_of(layer.pk) == part and _import_tables() == []
    assert _index_count(part) == _attached_indexes(part) == _index_count("layers_feature")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
                    [part])
        assert cur.fetchone()[0] == 2
