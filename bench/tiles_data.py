"""Bench data for tiles, generated once and kept in the bench database: 1,000,000 points, 200,000
parcels and 50,000 road lines over Long An (public layers in the generic feature store, loaded with
COPY), views of them for tipg, and a ~20,000 × 16,000 COG of the province for the raster bench."""

import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from django.conf import settings
from django.db import connection, transaction
from psycopg import sql
from rasterio.transform import from_origin

from layers import storage
from layers.catalog import publish_changes
from layers.models import Access, Layer
from tiles import generalize

BOX = (105.50, 10.40, 106.75, 11.03)  # the province's bounding box, WGS 84
NAME = {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"}


@dataclass(frozen=True)
class VectorSet:
    slug: str
    view: str  # what tipg serves: the same rows of layers_feature
    count: int
    geometry_type: str
    schema: list
    style: dict


POINTS = VectorSet("tiles-points", "tiles_bench_points", 1_000_000, "Point",
                   [NAME, {"name": "kind", "type": "string", "label_vi": "Loại", "label_en": "Kind"},
                    {"name": "value", "type": "number", "label_vi": "Giá trị", "label_en": "Value"}],
                   {"type": "circle", "color": "#e31a1c"})
PARCELS = VectorSet("tiles-parcels", "tiles_bench_parcels", 200_000, "Polygon",
                    [{"name": "land_class", "type": "string", "label_vi": "Loại đất", "label_en": "Land class"},
                     {"name": "area_ha", "type": "number", "label_vi": "Diện tích", "label_en": "Area", "unit": "ha"}],
                    {"type": "fill", "color": "#b2df8a"})
ROADS = VectorSet("tiles-roads", "tiles_bench_roads", 50_000, "LineString",
                  [NAME, {"name": "road_class", "type": "string", "label_vi": "Cấp", "label_en": "Class"},
                   {"name": "lanes", "type": "integer", "label_vi": "Số làn", "label_en": "Lanes"}],
                  {"type": "line", "color": "#ff7f00"})
VECTOR_SETS = (POINTS, PARCELS, ROADS)
COG_SLUG = "tiles-cog"
COG_SIZE = (20_000, 16_000)  # width, height: ~6.3 m × 4.4 m pixels over the box


def _rows(spec: VectorSet, rng: random.Random):
    west, south, east, north = BOX
    for i in range(spec.count):
        lon, lat = west + rng.random() * (east - west), south + rng.random() * (north - south)
        if spec is POINTS:
            yield f"SRID=4326;POINT({lon:.6f} {lat:.6f})", (
                f'{{"name": "Điểm {i}", "kind": "{"abcd"[i % 4]}", "value": {rng.random() * 100:.2f}}}')
        elif spec is PARCELS:
            w, h = 0.0006 + rng.random() * 0.0012, 0.0005 + rng.random() * 0.001  # ~65–200 m
            skew = rng.random() * 0.0003
            ring = (f"{lon:.6f} {lat:.6f},{lon + w:.6f} {lat + skew:.6f},{lon + w - skew:.6f} {lat + h:.6f},"
                    f"{lon - skew:.6f} {lat + h - skew:.6f},{lon:.6f} {lat:.6f}")
            yield f"SRID=4326;POLYGON(({ring}))", (
                f'{{"land_class": "{("lua", "cay_lau_nam", "dat_o", "thuy_san")[i % 4]}",'
                f' "area_ha": {w * h * 1.2e6:.3f}}}')
        else:
            points, heading = [(lon, lat)], rng.random() * 6.283
            for _ in range(rng.randint(2, 6)):
                heading += rng.uniform(-0.5, 0.5)
                step = 0.002 + rng.random() * 0.004
                lon, lat = lon + step * np.cos(heading), lat + step * np.sin(heading)
                points.append((lon, lat))
            yield "SRID=4326;LINESTRING(" + ",".join(f"{x:.6f} {y:.6f}" for x, y in points) + ")", (
                f'{{"name": "Đường {i}", "road_class": "{("provincial", "district", "commune")[i % 3]}",'
                f' "lanes": {1 + i % 4}}}')


def ensure_vector_sets() -> dict[str, Layer]:
    """The bench layers by slug: loaded with COPY the first time (each into its next version, indexed
    once and swapped in, as imports do: layers.storage), each with its tipg view and its clusters."""
    return {spec.slug: ensure_vector_set(spec) for spec in VECTOR_SETS}


def ensure_vector_set(spec: VectorSet) -> Layer:
    """One bench layer (what benches of one kind of layer need, e.g. the counts bench's POINTS)."""
    layer = Layer.objects.filter(slug=spec.slug).first()
    if layer is None or layer.feature_count != spec.count:
        started = time.perf_counter()
        with transaction.atomic():
            layer = _load(spec)
        with connection.cursor() as cur:
            cur.execute("ANALYZE layers_feature")
        print(f"loaded {spec.slug} in {time.perf_counter() - started:.1f} s", flush=True)
    _ensure_view(spec, layer)
    if not generalize.has_clusters(layer):
        started = time.perf_counter()
        cells = generalize.build_clusters(layer)
        print(f"clusters of {spec.slug}: {cells:,} cells in {time.perf_counter() - started:.1f} s", flush=True)
    return layer


def _load(spec: VectorSet) -> Layer:
    layer, _ = Layer.objects.update_or_create(slug=spec.slug, defaults=dict(
        title_vi=spec.slug, title_en=spec.slug, domain="environment", geometry_type=spec.geometry_type,
        property_schema=spec.schema, style=spec.style, access=Access.PUBLIC))
    table = storage.next_version(layer.pk)
    with connection.cursor() as cur:
        statement = sql.SQL("COPY {} (layer_id, source_id, geom, properties) FROM STDIN").format(
            sql.Identifier(table)).as_string(cur.connection)
        with cur.copy(statement) as copy:
            for i, (geom, props) in enumerate(_rows(spec, random.Random(spec.count))):
                copy.write_row((layer.pk, str(i), geom, props))
    storage.build_indexes(table)
    layer = publish_changes(layer, table=table)
    storage.swap(layer.pk, table)
    return layer


def _ensure_view(spec: VectorSet, layer: Layer) -> None:
    """A view tipg can serve: the same rows, properties as columns (what tipg puts in its tiles)."""
    columns = sql.SQL(", ").join(
        sql.SQL("(f.properties ->> {})" + ("::float8" if p["type"] in ("number", "integer") else "") + " AS {}")
        .format(sql.Literal(p["name"]), sql.Identifier(p["name"]))
        for p in spec.schema
    )
    statement = sql.SQL(
        "CREATE OR REPLACE VIEW {} AS SELECT f.id, f.geom, {} FROM layers_feature AS f WHERE f.layer_id = {}"
    ).format(sql.Identifier(spec.view), columns, sql.Literal(layer.pk))
    with connection.cursor() as cur:
        cur.execute(statement.as_string(cur.connection))


def cog_path() -> Path:
    return Path(settings.MEDIA_ROOT) / "bench" / f"{COG_SLUG}.tif"


def ensure_cog() -> Layer:
    """A uint8 COG of COG_SIZE over BOX (written block by block, then copied as a COG with
    overviews), registered as a public raster layer."""
    path = cog_path()
    if not path.is_file():
        started = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        width, height = COG_SIZE
        west, south, east, north = BOX
        transform = from_origin(west, north, (east - west) / width, (north - south) / height)
        tmp = path.with_suffix(".tmp.tif")
        profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8", crs="EPSG:4326",
                       transform=transform, nodata=0, tiled=True, blockxsize=512, blockysize=512)
        x = np.linspace(0, 40, width, dtype="float32")
        with rasterio.open(tmp, "w", **profile) as dst:
            for row in range(0, height, 512):
                rows = min(512, height - row)
                y = np.linspace(row / height * 32, (row + rows) / height * 32, rows, dtype="float32")[:, None]
                block = (np.sin(x[None, :] + np.cos(y * 1.3)) * np.cos(y + 0.5 * x[None, :] / 7) + 1) * 120 + 10
                dst.write(block.astype("uint8"), 1, window=((row, row + rows), (0, width)))
        with rasterio.open(tmp) as src:
            rasterio.shutil.copy(src, path, driver="COG", compress="DEFLATE", blocksize=512,
                                 overview_resampling="average", num_threads="ALL_CPUS")
        tmp.unlink()
        print(f"wrote the {width:,} × {height:,} bench COG in {time.perf_counter() - started:.1f} s", flush=True)
    west, south, east, north = BOX
    layer, _ = Layer.objects.update_or_create(slug=COG_SLUG, defaults=dict(
        title_vi=COG_SLUG, title_en=COG_SLUG, domain="agriculture", kind="raster", geometry_type="",
        access=Access.PUBLIC, raster_path=str(path.relative_to(settings.MEDIA_ROOT)),
        style={"type": "raster", "colormap": "rdylgn", "rescale": [0, 255]},
        extent=f"SRID=4326;POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"))
    return layer
