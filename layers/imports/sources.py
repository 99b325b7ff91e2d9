"""Turning an uploaded file into something GDAL may open: a regular file inside the job's directory,
of a format we recognised from its bytes, with the one driver that format allows.

Nothing here ever hands GDAL a name a person wrote: no /vsicurl/, no PG:, no VRT. The upload is
saved under a name we choose, archives are unpacked by our own code (layers.imports.archives), and
after GDAL opens a file the driver it used is checked against the allowed one.
"""

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from layers.imports.archives import unpack
from layers.imports.problems import ImportProblem

# format → (suffixes of an upload, drivers allowed to open it)
FORMATS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "geojson": ((".geojson", ".json"), frozenset({"GeoJSON"})),
    "shapefile": ((".zip",), frozenset({"ESRI Shapefile"})),
    "gpkg": ((".gpkg",), frozenset({"GPKG"})),
    "kml": ((".kml", ".kmz"), frozenset({"LIBKML", "KML"})),
    "csv": ((".csv",), frozenset({"CSV"})),
    "geotiff": ((".tif", ".tiff"), frozenset({"GTiff"})),
}
UPLOAD_SUFFIXES = frozenset(s for suffixes, _drivers in FORMATS.values() for s in suffixes)
_SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg"})
_IN_ZIP = _SHAPEFILE_PARTS | {".gpkg", ".geojson", ".json", ".kml", ".csv", ".tif", ".tiff"}
_SNIFF = 64 * 1024


@dataclass(frozen=True)
class Source:
    path: Path
    format: str
    cpg: str | None = None  # the shapefile's declared code page, when it came with a .cpg
    skipped: list[str] = field(default_factory=list)

    @property
    def drivers(self) -> frozenset[str]:
        return FORMATS[self.format][1]

    @property
    def legacy_text(self) -> bool:
        """Formats whose text may be in any 8-bit encoding (GeoJSON, GPKG and KML are UTF-8 by spec)."""
        return self.format in ("shapefile", "csv")


def upload_suffix(file_name: str) -> str:
    """The suffix of an upload's name, if it is one we read; ImportProblem otherwise."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ImportProblem("unsupported_format")
    return suffix


def prepare(upload: Path, work: Path) -> Source:
    """Recognise `upload` (a file in the job's directory) and unpack it into `work` when zipped.

    `work` is emptied first, so a retried job starts from the upload again.
    """
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    suffix = upload.suffix.lower()
    if suffix in (".zip", ".kmz"):
        allowed = frozenset({".kml"}) if suffix == ".kmz" else _IN_ZIP
        unpacked = unpack(upload, work, suffixes=allowed)
        return _from_unpacked(unpacked.files, unpacked.skipped)
    return _recognise(upload, suffix)


def _from_unpacked(files: list[Path], skipped: list[str]) -> Source:
    shps = [f for f in files if f.suffix.lower() == ".shp"]
    others = [f for f in files if f.suffix.lower() in _IN_ZIP - _SHAPEFILE_PARTS]
    datasets = [f.name for f in shps + others]
    if not datasets:
        raise ImportProblem("archive_no_dataset")
    if len(datasets) > 1:
        raise ImportProblem("archive_many_datasets", names=", ".join(sorted(datasets)))
    if others:
        source = _recognise(others[0], others[0].suffix.lower())
        return Source(source.path, source.format, None, skipped)
    shp = shps[0]
    by_suffix = {f.suffix.lower(): f for f in files if f.stem.lower() == shp.stem.lower()}
    missing = [s for s in (".dbf", ".shx") if s not in by_suffix]
    if missing:
        raise ImportProblem("shapefile_incomplete", name=shp.name, missing=", ".join(missing))
    with open(shp, "rb") as fh:
        if fh.read(4) != b"\x00\x00\x27\x0a":
            raise ImportProblem("content_mismatch", format="Shapefile")
    cpg = None
    if ".cpg" in by_suffix:
        cpg = by_suffix[".cpg"].read_bytes()[:100].decode("ascii", "replace").strip()
        # We decode the text ourselves (layers.encodings): GDAL must hand us the raw bytes.
        by_suffix[".cpg"].unlink()
    return Source(shp, "shapefile", cpg, skipped)


def _recognise(path: Path, suffix: str) -> Source:
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in (".geojson", ".json"):
        if not stripped.startswith(b"{"):
            raise ImportProblem("content_mismatch", format="GeoJSON")
        return Source(path, "geojson")
    if suffix == ".gpkg":
        if not head.startswith(b"SQLite format 3\x00"):
            raise ImportProblem("content_mismatch", format="GeoPackage")
        return Source(path, "gpkg")
    if suffix == ".kml":
        if not stripped.startswith((b"<?xml", b"<kml")):
            raise ImportProblem("content_mismatch", format="KML")
        _refuse_doctype(path)
        return Source(path, "kml")
    if suffix == ".csv":
        if b"\x00" in head:
            raise ImportProblem("content_mismatch", format="CSV")
        return Source(path, "csv")
    if suffix in (".tif", ".tiff"):
        if head[:4] not in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
            raise ImportProblem("content_mismatch", format="GeoTIFF")
        return Source(path, "geotiff")
    raise ImportProblem("unsupported_format")


def _refuse_doctype(path: Path) -> None:
    """No DTD, no entities: they are how XML files reach for other files or explode in size."""
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            window = (tail + chunk).upper()
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise ImportProblem("xml_doctype")
            tail = chunk[-16:]
