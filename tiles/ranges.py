"""A file served with HTTP range requests (RFC 9110 §14), so GDAL's /vsicurl/, QGIS and browsers read
a Cloud-Optimized GeoTIFF a few blocks at a time instead of downloading it whole.

One range per request, as /vsicurl/ asks; a request for several ranges gets the whole file (which
RFC 9110 allows), a range past the end 416 `range_not_satisfiable` with `Content-Range: bytes */size`.
`If-Range` with another validator than the current ETag gets the whole file; `If-None-Match`
answers 304 (layers.conditional).
"""

import re
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse

from layers.conditional import not_modified, request_matches
from layers.errors import ApiError

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ApiError):
    code = "range_not_satisfiable"


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte, both included, of a single `Range: bytes=…`; None for the whole file (no
    range, several, or one we ignore as the RFC says: another unit, a malformed or inverted one)."""
    match = _RANGE.match(header.strip())
    if not match or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last n bytes
        suffix = int(match[2])
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - suffix), size - 1
    first = int(match[1])
    last = int(match[2]) if match[2] else size - 1
    if match[2] and last < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable()
    return first, min(last, size - 1)


def ranged_file_response(request: HttpRequest, path: Path, *, content_type: str, etag: str) -> HttpResponse:
    """The file, whole (200) or one range of it (206), with Accept-Ranges and the ETag."""
    if request_matches(request, etag):
        return not_modified(etag)
    size = path.stat().st_size
    wanted = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    try:
        span = byte_range(wanted, size) if wanted and (if_range is None or if_range == etag) else None
    except RangeNotSatisfiable:
        raise RangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"}) from None
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
        response["Content-Length"] = str(size)
    elif span is None:
        response = FileResponse(path.open("rb"), content_type=content_type)
    else:
        first, last = span
        with path.open("rb") as file:
            file.seek(first)
            response = HttpResponse(file.read(last - first + 1), content_type=content_type, status=206)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    return response
