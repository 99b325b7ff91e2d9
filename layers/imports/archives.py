"""Unpacking an uploaded zip (zipped shapefile, KMZ) into the job's own directory, refusing bombs,
path tricks and links before a byte is written."""

import stat
import zlib
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

from layers.imports.problems import ImportProblem

_CHUNK = 1024 * 1024
# Small members (a .cpg, a .prj) may compress extremely well and still be harmless.
_RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Unpacked:
    files: list[Path]
    skipped: list[str]  # member names we did not extract (not part of any format we read)


def unpack(archive: Path, dest: Path, *, suffixes: frozenset[str]) -> Unpacked:
    """Extract the members of `archive` whose suffix is in `suffixes` into `dest`, flat.

    Every member is checked before anything is written; sizes are enforced while inflating too,
    because a zip's declared sizes may lie.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise ImportProblem("bad_archive") from None
    with zf:
        members = [info for info in zf.infolist() if not info.is_dir()]
        _check_members(members)
        dest.mkdir(parents=True, exist_ok=True)
        files, skipped, seen = [], [], set()
        budget = settings.LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES
        for info in members:
            name = PurePosixPath(info.filename).name
            if name.startswith(".") or Path(name).suffix.lower() not in suffixes:
                skipped.append(info.filename)
                continue
            if name.lower() in seen:
                raise ImportProblem("archive_duplicate_member", name=name)
            seen.add(name.lower())
            target = dest / name
            budget -= _inflate(zf, info, target, budget)
            files.append(target)
    return Unpacked(files, skipped)


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > settings.LAYERS_IMPORT_MAX_ARCHIVE_MEMBERS:
        raise ImportProblem("archive_too_many_members", count=len(members),
                            limit=settings.LAYERS_IMPORT_MAX_ARCHIVE_MEMBERS)
    if sum(info.file_size for info in members) > settings.LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise ImportProblem("archive_too_big", limit=settings.LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES)
    for info in members:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
            raise ImportProblem("archive_unsafe_path", name=name)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ImportProblem("archive_link", name=name)
        if info.flag_bits & 0x1:
            raise ImportProblem("archive_encrypted", name=name)
        if info.file_size > _RATIO_FLOOR_BYTES and \
                info.file_size > settings.LAYERS_IMPORT_MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise ImportProblem("archive_ratio", name=name, limit=settings.LAYERS_IMPORT_MAX_COMPRESSION_RATIO)


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Write one member; stop as soon as it outgrows its declared size or the archive's budget."""
    limit = min(info.file_size, budget)
    written = 0
    try:
        with zf.open(info) as src, open(target, "xb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise ImportProblem("archive_too_big", limit=settings.LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES)
                out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError):
        raise ImportProblem("bad_archive") from None
    except ImportProblem:
        target.unlink(missing_ok=True)
        raise
    return written
