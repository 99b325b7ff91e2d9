"""layers_feature becomes LIST-partitioned by layer_id: one partition per layer (layers.storage).

Measured on 1,000,000 points (bench/imports_bench.py): keeping the shared table's seven indexes up
to date row by row cost more than reading, checking and copying the rows together. With a partition
per layer, a replace builds the layer's next version as a table of its own, builds its indexes once,
and swaps it in (layers.storage.swap).

- The ids come from a sequence default: a partitioned table cannot have an identity column (PG 15).
- The primary key is (id, layer_id), as a partitioned table's must include the partition key; ids stay
  unique through the sequence, and Django keeps `id` as the model's primary key.
- A trigger gives every new layer its partition (an empty table attached with SHARE UPDATE EXCLUSIVE,
  which neither readers nor writers wait for) and drops it with the layer, whoever writes the row:
  the import, the demo world loader, the admin, a test through the ORM.
- With no DEFAULT partition, a row can only enter the partition of an existing layer, and the
  partition goes with the layer: that is the integrity the foreign key to layers_layer gave, so the
  key is dropped. It would cost more than its scan: attaching, detaching or dropping a partition
  with a foreign key adds or removes triggers on layers_layer, which locks the catalog that every
  request reads until the import commits, and deadlocked a reader in a test.
- The plain index on layer_id is gone: the partitions are that index.

The existing features are copied into the partitions and every index is built once, with the rows
in place.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE layers_feature RENAME TO layers_feature_unpartitioned;

CREATE SEQUENCE layers_feature_id_partitioned_seq;
CREATE TABLE layers_feature (
    id bigint NOT NULL DEFAULT nextval('layers_feature_id_partitioned_seq'),
    source_id varchar(200) NOT NULL,
    geom geometry(Geometry, 4326) NOT NULL,
    properties jsonb NOT NULL,
    time_start timestamp with time zone NULL,
    time_end timestamp with time zone NULL,
    layer_id bigint NOT NULL,
    CONSTRAINT feature_time_ordered
        CHECK (time_start IS NULL OR time_end IS NULL OR time_end >= time_start)
) PARTITION BY LIST (layer_id);
ALTER SEQUENCE layers_feature_id_partitioned_seq OWNED BY layers_feature.id;

-- The partition of a layer is named for it; layers.storage.partition_name says the same.
CREATE FUNCTION layers_feature_partition_name(layer bigint) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT 'layers_feature_' || layer $$;

-- A standalone table shaped like the feature store (columns, id default, CHECK constraints) that may
-- hold only `layer`'s rows: the CHECK lets ATTACH PARTITION skip its validation scan.
CREATE FUNCTION layers_feature_create_table(name text, layer bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I (LIKE layers_feature INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (layer_id = %s)', name, name || '_layer', layer);
END $$;

-- An empty partition for a layer. ATTACH builds its indexes (instant on an empty table). A partition
-- left behind by a TRUNCATE of the catalog (a test database's flush) is empty: it is used as it is.
CREATE FUNCTION layers_feature_add_partition(layer bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    name text := layers_feature_partition_name(layer);
BEGIN
    IF to_regclass(quote_ident(name)) IS NOT NULL THEN
        RETURN;
    END IF;
    PERFORM layers_feature_create_table(name, layer);
    EXECUTE format('ALTER TABLE layers_feature ATTACH PARTITION %I FOR VALUES IN (%s)', name, layer);
END $$;

CREATE FUNCTION layers_layer_partition() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM layers_feature_add_partition(NEW.id);
        RETURN NEW;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS %I', layers_feature_partition_name(OLD.id));
    RETURN OLD;
END $$;

SELECT layers_feature_add_partition(id) FROM layers_layer;
INSERT INTO layers_feature (id, source_id, geom, properties, time_start, time_end, layer_id)
    SELECT id, source_id, geom, properties, time_start, time_end, layer_id FROM layers_feature_unpartitioned;
SELECT setval('layers_feature_id_partitioned_seq',
              coalesce((SELECT max(id) FROM layers_feature_unpartitioned), 0) + 1, false);
-- With it go its indexes, its identity sequence and the tiles app's partial per-layer indexes.
DROP TABLE layers_feature_unpartitioned;
ALTER SEQUENCE layers_feature_id_partitioned_seq RENAME TO layers_feature_id_seq;

SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE layers_feature ADD CONSTRAINT layers_feature_pkey PRIMARY KEY (id, layer_id);
ALTER TABLE layers_feature ADD CONSTRAINT feature_source_id_unique_in_layer UNIQUE (layer_id, source_id);
CREATE INDEX layers_feature_geom_144a77d7_id ON layers_feature USING gist (geom);
CREATE INDEX feature_properties_gin ON layers_feature USING gin (properties jsonb_path_ops);
CREATE INDEX feature_layer_time ON layers_feature (layer_id, time_start);
CREATE INDEX feature_search_text_trgm ON layers_feature USING gin (layers_search_text(properties) gin_trgm_ops);

CREATE TRIGGER layers_layer_partition AFTER INSERT OR DELETE ON layers_layer
    FOR EACH ROW EXECUTE FUNCTION layers_layer_partition();
ANALYZE layers_feature;
"""


class Migration(migrations.Migration):
    # ALTER TABLE … ATTACH and the copy want one transaction; a failure leaves the table as it was.
    atomic = True
    dependencies = [("layers", "0002_imports_exports"), ("dashboard", "0002_search_text_inlined")]

    operations = [migrations.RunSQL(FORWARD)]
