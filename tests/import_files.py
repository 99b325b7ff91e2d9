"""Real files for the import tests, written with GDAL (pyogrio, rasterio) and zipfile into a tmp dir.

Control points: Long An places whose WGS 84 position is known; the VN-2000 TM-3 coordinates of the
files are computed here from the decree's parameters with an explicit PROJ pipeline, independently
of layers.crs.
"""

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import rasterio
import shapely
from pyogrio import raw
from pyproj import Transformer
from rasterio.transform import from_origin

from layers import encodings

# name, lon, lat (WGS 84)
PLACES = [
    ("Mường Khương", 106.4027, 10.5327),
    ("Thành phố Tân An", 106.4100, 10.5400),
    ("Huyện Cần Giuộc", 106.6685, 10.5830),
    ("Đồng Tháp Mười", 105.9089, 10.7838),
    ("Bến Lức", 106.4512, 10.6918),
]
# WGS 84 → VN-2000 / TM-3 105°45′ (EPSG:9210) spelled out: Decision 05/2007 parameters, coordinate
# frame convention (EPSG:6960), then the TM projection. Not layers.crs: the truth it is tested against.
DECREE_TO_TM3 = (
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=push +v_3"
    " +step +proj=cart +ellps=WGS84"
    " +step +inv +proj=helmert +x=-191.90441429 +y=-39.30318279 +z=-111.45032835"
    " +rx=-0.00928836 +ry=0.01975479 +rz=-0.00427372 +s=0.252906278 +convention=coordinate_frame"
    " +step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3"
    " +step +proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84"
)


def wgs84_to_tm3(lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_pipeline(DECREE_TO_TM3).transform(lon, lat)


def write_shapefile_zip(directory: Path, *, encoding: str = "tcvn3", cpg: str | None = None, crs: str = "EPSG:9210",
                        places=PLACES, extra_members: dict[str, bytes] | None = None, name: str = "thua_dat",
                        prj: str | None = None) -> Path:
    """A zipped shapefile of points in VN-2000 TM-3 whose DBF text is in `encoding` and whose .cpg
    (when given) says `cpg`."""
    work = directory / f"{name}-parts"
    work.mkdir(parents=True, exist_ok=True)
    coords = [wgs84_to_tm3(lon, lat) if crs != "EPSG:4326" else (lon, lat) for _n, lon, lat in places]
    names = np.array([encodings.encode(n, encoding).decode("latin-1") for n, _x, _y in places], dtype=object)
    ids = np.array([f"T{i + 1:03d}" for i in range(len(places))], dtype=object)
    raw.write(str(work / f"{name}.shp"), shapely.to_wkb(shapely.points(coords)), [ids, names, np.arange(len(places))],
              ["ma", "ten", "so_thua"], driver="ESRI Shapefile", geometry_type="Point",
              crs=crs or None, encoding="ISO-8859-1")
    (work / f"{name}.cpg").unlink(missing_ok=True)
    if cpg is not None:
        (work / f"{name}.cpg").write_text(cpg)
    if not crs:
        (work / f"{name}.prj").unlink(missing_ok=True)
    if prj is not None:
        (work / f"{name}.prj").write_text(prj)
    target = directory / f"{name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(work.iterdir()):
            zf.write(part, f"{name}/{part.name}")
        for member, data in (extra_members or {}).items():
            zf.writestr(member, data)
    return target


def write_geojson(directory: Path, features: list[dict], name: str = "data.geojson") -> Path:
    path = directory / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def point_feature(fid, lon, lat, **props) -> dict:
    return {"type": "Feature", "properties": {"id": fid, **props},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def write_gpkg(directory: Path, layers: dict[str, list[tuple[str, float, float]]], *, crs: str = "EPSG:4326") -> Path:
    path = directory / "nong_nghiep.gpkg"
    for layer, rows in layers.items():
        raw.write(str(path), shapely.to_wkb(shapely.points([(x, y) for _n, x, y in rows])),
                  [np.array([n for n, _x, _y in rows], dtype=object)], ["ten"], layer=layer, driver="GPKG",
                  geometry_type="Point", crs=crs, append=path.exists())
    return path


def write_tif(path: Path, *, width: int = 64, height: int = 48, bands: int = 1, crs: str | None = "EPSG:9210",
              origin: tuple[float, float] = (560_000, 1_170_000), pixel: float = 100.0) -> Path:
    data = (np.arange(width * height * bands, dtype="float32") % 97).reshape(bands, height, width)
    profile = dict(driver="GTiff", width=width, height=height, count=bands, dtype="float32",
                   transform=from_origin(*origin, pixel, pixel))
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
    return path


def zip_bytes(members: list[tuple[zipfile.ZipInfo | str, bytes]], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return buffer.getvalue()


def symlink_member(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    info.create_system = 3
    return info


def files_under(root: Path) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), root) for d, _dirs, names in os.walk(root) for f in names}


def import_now(path: Path, *, user=None, **options):
    """Submit `path` as an upload and run the job in this process (the worker's code, no broker)."""
    from layers.imports import jobs
    from layers.imports.submit import Options, submit
    from layers.models import ImportJob

    options.setdefault("title", "Lớp nhập thử")
    options.setdefault("domain", "admin")
    with open(path, "rb") as fh:
        job = submit(user=user, file_name=path.name, chunks=iter(lambda: fh.read(65536), b""),
                     options=Options(**options), queue=False)
    jobs.run(job.pk)
    return ImportJob.objects.get(pk=job.pk)
