"""The printed map: one page (A4 or A3, portrait or landscape) composed by WeasyPrint around the map
image the browser drew at the paper's size, with the title, the time window, a legend of the layers
shown, a scale bar, a north arrow, the sources and licences, the author and the date.

Text is vector text in the PDF (WeasyPrint, Noto Sans); the PNG is that page rasterised by PDFium
(pypdfium2), so both say the same. The legend and the sources are read from the catalog under the
one access rule: a layer the caller may not see is dropped unnamed, whatever the browser sent.
"""

import base64
import io
import math
from dataclasses import dataclass, field
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dashboard.legends import raster_ramps
from layers.access import Caller, visible_layers
from layers.errors import ApiError
from layers.models import Kind, Layer
from layers.styles import effective_style

# Paper sizes in millimetres (ISO 216), portrait.
PAPERS = {"A4": (210, 297), "A3": (297, 420)}
ORIENTATIONS = ("portrait", "landscape")
FORMATS = ("pdf", "png", "html")
MARGIN_MM = 10
HEADER_MM = 18  # title and time window above the map
SIDE_MM = {"A4": 68, "A3": 80}  # landscape: the legend column right of the map
BAND_MM = {"A4": 74, "A3": 92}  # portrait: the legend band under the map
GAP_MM = 5
# The browser draws the map at this resolution (CSS pixels are 1/96 inch); the PNG page too.
PRINT_DPI = 150
PNG_DPI = 150
EARTH_METRES_PER_DEGREE = 6378137 * math.pi / 180  # Web Mercator's sphere, as the map draws it


@dataclass(frozen=True)
class Sheet:
    paper: str
    orientation: str
    width_mm: int
    height_mm: int
    map_width_mm: float
    map_height_mm: float
    side: bool  # the legend beside the map (landscape) or under it (portrait)

    @property
    def panel_left_mm(self) -> float:
        return self.map_width_mm + GAP_MM if self.side else 0

    @property
    def panel_top_mm(self) -> float:
        return 0 if self.side else self.map_height_mm + GAP_MM

    @property
    def panel_height_mm(self) -> float:
        return self.map_height_mm if self.side else BAND_MM[self.paper]

    @property
    def panel_width_mm(self) -> float:
        inner = self.width_mm - 2 * MARGIN_MM
        return inner - self.map_width_mm - GAP_MM if self.side else inner


def sheet(paper: str, orientation: str) -> Sheet:
    if paper not in PAPERS or orientation not in ORIENTATIONS:
        raise ApiError(code="invalid_paper")
    short, long = PAPERS[paper]
    width, height = (long, short) if orientation == "landscape" else (short, long)
    inner_w, inner_h = width - 2 * MARGIN_MM, height - 2 * MARGIN_MM - HEADER_MM
    if orientation == "landscape":
        return Sheet(paper, orientation, width, height, inner_w - SIDE_MM[paper] - GAP_MM, inner_h, True)
    return Sheet(paper, orientation, width, height, inner_w, inner_h - BAND_MM[paper] - GAP_MM, False)


def map_frames() -> dict:
    """paper → orientation → [width, height] of the map in mm, and the dpi to draw it at: the page's
    config, so the browser renders exactly the frame the page has."""
    frames = {paper: {o: [sheet(paper, o).map_width_mm, sheet(paper, o).map_height_mm] for o in ORIENTATIONS}
              for paper in PAPERS}
    return {"frames": frames, "dpi": PRINT_DPI}


@dataclass(frozen=True)
class Scale:
    denominator: int  # 1:N at the map's centre
    bar_mm: float
    bar_metres: int


def scale_for(bbox: tuple[float, float, float, float], map_width_mm: float) -> Scale:
    """The scale at the map's central latitude (Web Mercator is true along a parallel), and a bar of a
    round length (1, 2 or 5 × 10ⁿ m) at most 45 mm long."""
    west, south, east, north = bbox
    latitude = math.radians((south + north) / 2)
    metres_per_mm = (east - west) * EARTH_METRES_PER_DEGREE * math.cos(latitude) / map_width_mm
    denominator = metres_per_mm * 1000
    digits = 10 ** max(0, int(math.log10(denominator)) - 1)  # two significant figures
    length = 1
    for exponent in range(8):
        for step in (1, 2, 5):
            if step * 10 ** exponent / metres_per_mm <= 45:
                length = step * 10 ** exponent
    return Scale(round(denominator / digits) * digits, length / metres_per_mm, length)


def distance_label(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


@dataclass(frozen=True)
class Entry:
    kind: str  # circle, line, fill, size, ramp
    color: str
    outline: str
    label: str
    size_px: float = 0


def legend_entries(layer: Layer, style: dict, pick, ramp: list[str] | None) -> list[Entry]:
    """The same swatches as the dashboard's legend (dashboard/static/dashboard/js/legend.js)."""
    kind = style.get("type") or ("raster" if layer.kind == Kind.RASTER else "fill")
    if layer.kind == Kind.RASTER:
        low, high = (style.get("rescale") or [None, None])[:2]
        gradient = ", ".join(ramp or ["#ffffff", "#000000"])
        return [Entry("ramp", gradient, "", f"{_number(low)} – {_number(high)}" if low is not None else "")]
    outline = style.get("outline_color") or ""
    stops = (style.get("categories") or {}).get("stops") or (style.get("graduated") or {}).get("classes") or []
    if stops:
        return [Entry(kind, stop.get("color", "#3388ff"), outline or stop.get("color", "#3388ff"),
                      pick(stop.get("label_vi"), stop.get("label_en")) or str(stop.get("value", stop.get("min", ""))))
                for stop in stops]
    if style.get("size"):
        size = style["size"]
        return [Entry("size", style.get("color", "#3388ff"), outline, _number(size.get(f"{end}_value")),
                      2 * float(size.get(f"{end}_radius") or 4)) for end in ("min", "max")]
    color = style.get("color") or "#3388ff"
    return [Entry(kind, color, outline or color, pick(layer.title_vi, layer.title_en))]


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:,.10g}".replace(",", " ")


@dataclass(frozen=True)
class Job:
    sheet: Sheet
    title: str
    lang: str
    author: str
    image: bytes
    image_type: str  # image/png or image/jpeg
    image_size: tuple[int, int]  # pixels
    bbox: tuple[float, float, float, float]
    layers: list[str]  # slugs, top of the drawing first, as the browser sent them
    start: datetime | None
    end: datetime | None
    # The attribute filters the map was drawn with ({slug: {property: value}}): the legend says them,
    # since the map then shows only part of a layer.
    filters: dict[str, dict[str, str]] = field(default_factory=dict)


def filter_texts(layer: Layer, values: dict[str, str], pick) -> list[str]:
    """"Level = Lower secondary" for each filter of `layer` on a property of its schema, with the
    property's label and the value's name (its choice, or its style category), as the dashboard shows
    them; a name outside the schema is no filter the tiles could have drawn, and is left out."""
    schema = {p["name"]: p for p in layer.property_schema}
    categories = effective_style(layer).get("categories") or {}
    texts = []
    for name, value in values.items():
        prop = schema.get(name)
        if prop is None:
            continue
        named = {str(c["value"]): pick(c.get("label_vi"), c.get("label_en")) for c in prop.get("choices") or []}
        if categories.get("property") == name:
            named = {str(s["value"]): pick(s.get("label_vi"), s.get("label_en")) for s in categories.get("stops") or []} | named
        if prop.get("type") == "boolean":
            named = {"true": _("Yes"), "false": _("No")}
        texts.append(f"{pick(prop.get('label_vi'), prop.get('label_en')) or name} = {named.get(str(value)) or value}")
    return texts


def render_html(user: Caller, job: Job) -> str:
    pick = (lambda vi, en: en or vi) if job.lang == "en" else (lambda vi, en: vi or en)
    # The access rule decides which of the asked layers are printed; the browser's order is kept.
    seen = {layer.slug: layer for layer in visible_layers(user).filter(slug__in=job.layers)}
    shown = [seen[slug] for slug in dict.fromkeys(job.layers) if slug in seen]
    ramps = raster_ramps(user) if any(layer.kind == Kind.RASTER for layer in shown) else {}
    # The image is fitted into the frame whole (object-fit: contain): its printed width sets the scale.
    width_px, height_px = job.image_size
    printed_width = min(job.sheet.map_width_mm, job.sheet.map_height_mm * width_px / height_px)
    scale = scale_for(job.bbox, printed_width)
    created = timezone.localtime()
    with translation.override(job.lang):
        context = {
            "job": job, "sheet": job.sheet, "lang": job.lang,
            "image_url": f"data:{job.image_type};base64,{base64.b64encode(job.image).decode()}",
            "legend": [{"title": pick(layer.title_vi, layer.title_en),
                        "entries": legend_entries(layer, effective_style(layer), pick, ramps.get(layer.slug)),
                        "filters": filter_texts(layer, job.filters.get(layer.slug) or {}, pick)}
                       for layer in shown],
            "sources": [{"title": pick(layer.title_vi, layer.title_en), "source": layer.source_department,
                         "license": layer.license} for layer in shown],
            "scale": scale,
            "scale_text": f"1:{scale.denominator:,}".replace(",", " " if job.lang == "vi" else ","),
            "bar": [(i * scale.bar_mm / 4, scale.bar_mm / 4) for i in range(4)],
            "bar_labels": [(0, "0"), (scale.bar_mm / 2, distance_label(scale.bar_metres / 2)),
                           (scale.bar_mm, distance_label(scale.bar_metres))],
            "window": _window_text(job.start, job.end),
            "created": created.strftime("%d/%m/%Y %H:%M"),
            "author": job.author,
            "page_size": f"{job.sheet.paper} {job.sheet.orientation}",
        }
        return render_to_string("dashboard/print.html", context)


def _window_text(start: datetime | None, end: datetime | None) -> str:
    def local(moment: datetime) -> str:
        return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")
    if start is None and end is None:
        return _("All time")
    if start is None:
        return _("until %(end)s") % {"end": local(end)}
    if end is None:
        return _("from %(start)s") % {"start": local(start)}
    return f"{local(start)} – {local(end)}"


def _fetch_inline_only(url: str, *args, **kwargs):
    # The page holds everything inline (the map as a data: URL); nothing is fetched from a network or
    # the disk, whatever text a title carries.
    if not url.startswith("data:"):
        raise ValueError(f"a printed map fetches nothing ({url[:40]})")
    from weasyprint import default_url_fetcher

    return default_url_fetcher(url, *args, **kwargs)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # loads pango: only a PDF needs it

    return HTML(string=html, url_fetcher=_fetch_inline_only).write_pdf()


def render_png(pdf: bytes, dpi: int = PNG_DPI) -> bytes:
    """The page of `pdf` as a PNG (PDFium, the PDF renderer of Chromium)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=dpi / 72)
        out = io.BytesIO()
        bitmap.to_pil().save(out, format="PNG", optimize=False)
        return out.getvalue()
    finally:
        document.close()
