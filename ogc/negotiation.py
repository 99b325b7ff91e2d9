"""Which representation an OGC API resource answers with: `f` first (as OGC API - Features wants, so a
link can name its format), then the Accept header; JSON when the client states no preference. Asking
for something the resource does not offer is a 406."""

from django.http import HttpRequest
from django.utils.translation import gettext as _

from layers.errors import ApiError

# f value -> the media types that choose it through Accept.
MEDIA = {
    "json": ("application/json",),
    "geojson": ("application/geo+json",),
    "html": ("text/html", "application/xhtml+xml"),
    "oas30": ("application/vnd.oai.openapi+json;version=3.0", "application/vnd.oai.openapi+json"),
    "mvt": ("application/vnd.mapbox-vector-tile",),
    "png": ("image/png",),
}


class NotAcceptable(ApiError):
    code = "not_acceptable"


def choose(request: HttpRequest, offered: tuple[str, ...]) -> str:
    """One of `offered` (f values; the first is the default)."""
    asked = request.GET.get("f")
    if asked is not None:
        if asked in offered:
            return asked
        # A GeoJSON resource also answers f=json: GDAL and browsers' JSON viewers ask that way.
        if asked == "json" and "geojson" in offered:
            return "geojson"
        raise NotAcceptable(_("f=%(asked)s is not offered here; use one of: %(offered)s.")
                            % {"asked": asked[:20], "offered": ", ".join(offered)}, fields={"f": list(offered)})
    accept = request.headers.get("Accept", "").strip()
    if not accept:
        return offered[0]
    ranked = sorted(_ranges(accept), key=lambda item: -item[1])
    for media_range, quality in ranked:
        if quality <= 0:
            continue
        if media_range in ("*/*", "application/*"):
            return offered[0]
        for f in offered:
            if media_range in MEDIA[f] or media_range.split(";")[0] in (m.split(";")[0] for m in MEDIA[f]):
                return f
        if media_range == "application/json" and "geojson" in offered:
            return "geojson"
    raise NotAcceptable(fields={"Accept": [", ".join(m for f in offered for m in MEDIA[f][:1])]})


def _ranges(accept: str) -> list[tuple[str, float]]:
    """(media range, q) in header order; an unreadable q counts as 0."""
    found = []
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        quality, params = 1.0, []
        for piece in pieces[1:]:
            if piece.startswith("q="):
                try:
                    quality = float(piece[2:])
                except ValueError:
                    quality = 0.0
            elif piece:
                params.append(piece.replace(" ", ""))
        media = ";".join([pieces[0].lower(), *params])
        found.append((media, quality))  # header order breaks ties: sorted() is stable
    return found
