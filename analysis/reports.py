"""A printable report of a zone: what lies inside it (analysis.summaries, rasters included), and with an
intended use its plan-compliance check (analysis.compliance), over the layers the caller may see.

Two renderings of one template: HTML with a folium (Leaflet) map, its Leaflet files served by the app
(/static/vendor/leaflet, from npm) and its script under the page's CSP nonce; and PDF by WeasyPrint,
where the map is drawn as SVG (WeasyPrint runs no script). Raster histograms are SVG bar charts in
both. The report says who asked, when, the time window and every layer version it read, so it can be
reproduced; it is written in the language asked for (vi or en).
"""

import json
import math
from dataclasses import dataclass, field
from datetime import datetime

import folium
from django.db import connection
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone, translation
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from analysis import compliance, summaries
from analysis.models import ComplianceCheck
from layers import query as features
from layers.access import Caller
from layers.query import Sql

SVG_WIDTH, SVG_HEIGHT = 640, 400
COLORS = {"conflict": "#d7301f", "condition": "#fc8d59"}


@dataclass(frozen=True)
class Report:
    title: str
    author: str
    created: datetime
    lang: str
    zone: BaseGeometry
    summary: summaries.Summary
    check: compliance.Check | None
    involved: list[dict]  # GeoJSON Features of the features the findings name, with their severity
    kept: ComplianceCheck | None = None  # the kept check this report prints, if it was asked by id
    changed_since: list[str] = field(default_factory=list)  # layers whose data changed since that check


def build_report(user: Caller, zone: BaseGeometry, *, title: str, lang: str, use: str | None = None,
                 start: datetime | None = None, end: datetime | None = None,
                 kept: ComplianceCheck | None = None) -> Report:
    """The report of a zone, checked for `use` if given. A report of a kept check (`kept`) checks its
    zone again over today's data and the caller's access, and names the layers whose version changed
    since the check was answered, so a meeting knows whether the printed verdict is the one on record."""
    summary = summaries.summarize_polygon(user, zone, start=start, end=end)
    check = compliance.check_zone(user, zone, use=use) if use else None
    changed = sorted(slug for slug, version in (kept.versions if kept else {}).items()
                     if check is not None and slug in check.versions and check.versions[slug] != version)
    return Report(
        title=title, author=user.get_username() if user.is_authenticated else "", created=timezone.localtime(),
        lang=lang, zone=zone, summary=summary, check=check, involved=_involved(check, zone) if check else [],
        kept=kept, changed_since=changed,
    )


def _involved(check: compliance.Check, zone: BaseGeometry) -> list[dict]:
    """The geometries of the features the fired findings name (the layers were asked of layers.access
    by the check), one statement per finding."""
    found = []
    for finding in check.findings:
        ids = [f["id"] for f in finding.features]
        if not finding.fired or not ids:
            continue
        # Polygons are drawn as their part inside the zone: the area the finding measured.
        statement = features.select(
            Sql("f.id, ST_AsGeoJSON(CASE WHEN ST_Dimension(f.geom) = 2"
                " THEN ST_Intersection(f.geom, ST_GeomFromWKB(%s, 4326)) ELSE f.geom END, 6)", [zone.wkb]),
            features.where([features.in_layer(finding.layer.pk), Sql("f.id = ANY(%s)", [ids])]),
        )
        with connection.cursor() as cur:
            cur.execute(statement.text, statement.params)
            for fid, geometry in cur.fetchall():
                found.append({"type": "Feature", "id": fid, "geometry": json.loads(geometry),
                              "properties": {"severity": finding.rule.severity, "rule": finding.rule.code}})
    return found


def _context(report: Report, *, for_print: bool) -> dict:
    pick = (lambda vi, en: en) if report.lang == "en" else (lambda vi, en: vi)
    layers = [layer for layer in report.summary.layers if layer.count]
    versions = {layer.slug: layer.version for layer in report.summary.layers}
    versions |= {raster.slug: raster.version for raster in report.summary.rasters}
    if report.check:
        versions |= report.check.versions
    return {
        "report": report, "pick": pick, "for_print": for_print,
        "layers": [{"title": pick(s.title_vi, s.title_en), "count": s.count, "area_ha": s.area_ha,
                    "length_km": s.length_km, "measures": [(pick(m.label_vi, m.label_en), m.value, m.unit, m.aggregate)
                                                           for m in s.measures if m.value is not None],
                    "categories": [(pick(c.label_vi, c.label_en), c.count, c.area_ha) for c in s.categories]}
                   for s in layers],
        "rasters": [{"title": pick(r.title_vi, r.title_en), "stats": r,
                     "chart": histogram_svg([(pick(c.label_vi, c.label_en), c.area_ha, c.color) for c in r.classes])}
                    for r in report.summary.rasters if r.valid_share],
        "findings": [{"title": pick(f.rule.title_vi, f.rule.title_en), "layer": pick(f.layer.title_vi, f.layer.title_en),
                      "finding": f} for f in (report.check.findings if report.check else [])],
        "versions": sorted(versions.items()),
        "map_svg": map_svg(report.zone, report.involved) if for_print else None,
        "window": (report.summary.start, report.summary.end),
    }


def render_html(report: Report, *, nonce: str) -> str:
    leaflet_map = folium_map(report.zone, report.involved)
    figure = leaflet_map.get_root()
    figure.render()
    with translation.override(report.lang):
        return render_to_string("analysis/report.html", _context(report, for_print=False) | {
            "nonce": nonce, "map_header": figure.header.render(), "map_html": figure.html.render(),
            "map_script": figure.script.render(),
        })


def _no_fetch(url: str, *args, **kwargs):
    # The print template holds everything inline; nothing is fetched, from the internet or the disk.
    raise ValueError(f"a report fetches nothing ({url[:40]})")


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML  # loads pango: only a PDF needs it

    with translation.override(report.lang):
        html = render_to_string("analysis/report.html", _context(report, for_print=True))
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def folium_map(zone: BaseGeometry, involved: list[dict]) -> folium.Map:
    """The zone and the features its findings name, on no basemap (nothing from the internet); the
    Leaflet files come from the app."""
    minx, miny, maxx, maxy = zone.bounds
    leaflet_map = folium.Map(tiles=None, control_scale=True, zoom_control=True)
    leaflet_map.default_js = [("leaflet", static("vendor/leaflet/dist/leaflet.js"))]
    leaflet_map.default_css = [("leaflet_css", static("vendor/leaflet/dist/leaflet.css"))]
    folium.GeoJson(mapping(zone), name="zone", style_function=lambda _f: {
        "color": "#1f78b4", "weight": 3, "fillOpacity": 0.1}).add_to(leaflet_map)
    if involved:
        folium.GeoJson({"type": "FeatureCollection", "features": involved}, name="findings",
                       style_function=lambda f: {"color": COLORS.get(f["properties"]["severity"], "#333333"),
                                                 "weight": 2, "fillOpacity": 0.4},
                       marker=folium.CircleMarker(radius=6, fill=True)).add_to(leaflet_map)
    leaflet_map.fit_bounds([[miny, minx], [maxy, maxx]])
    return leaflet_map


def map_svg(zone: BaseGeometry, involved: list[dict]) -> str:
    """The zone and the involved features as SVG, longitudes shrunk by cos(latitude) so the shapes
    keep their proportions."""
    shapes = [(zone, "#1f78b4", 0.1)] + [(shape(f["geometry"]), COLORS.get(f["properties"]["severity"], "#333333"), 0.4)
                                         for f in involved]
    minx, miny, maxx, maxy = zone.bounds
    for geometry, *_ in shapes[1:]:
        bx = geometry.bounds
        minx, miny, maxx, maxy = min(minx, bx[0]), min(miny, bx[1]), max(maxx, bx[2]), max(maxy, bx[3])
    shrink = math.cos(math.radians((miny + maxy) / 2))
    width, height = max((maxx - minx) * shrink, 1e-9), max(maxy - miny, 1e-9)
    scale = 0.9 * min(SVG_WIDTH / width, SVG_HEIGHT / height)
    dx = (SVG_WIDTH - width * scale) / 2
    dy = (SVG_HEIGHT - height * scale) / 2

    def xy(lon: float, lat: float) -> str:
        return f"{dx + (lon - minx) * shrink * scale:.1f},{dy + (maxy - lat) * scale:.1f}"

    parts = []
    for geometry, color, opacity in shapes:
        for part in getattr(geometry, "geoms", [geometry]):
            if part.geom_type == "Point":
                x, y = xy(part.x, part.y).split(",")
                parts.append(f'<circle cx="{x}" cy="{y}" r="5" fill="{color}" stroke="#ffffff"/>')
            elif part.geom_type == "Polygon":
                rings = [part.exterior, *part.interiors]
                d = " ".join("M" + " L".join(xy(x, y) for x, y in ring.coords) + " Z" for ring in rings)
                parts.append(f'<path d="{d}" fill="{color}" fill-opacity="{opacity}" stroke="{color}" '
                             f'stroke-width="2" fill-rule="evenodd"/>')
            elif part.geom_type == "LineString":
                d = "M" + " L".join(xy(x, y) for x, y in part.coords)
                parts.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" class="map-svg">'
            f'<rect width="100%" height="100%" fill="#f7f9fb"/>{"".join(parts)}</svg>')


def histogram_svg(bars: list[tuple[str, float, str | None]]) -> str:
    """Horizontal bars, one per class: its label, its hectares."""
    from django.utils.html import escape

    top = max((value for _label, value, _color in bars), default=0) or 1
    row, label_w, bar_w = 26, 170, 330
    parts = []
    for i, (label, value, color) in enumerate(bars):
        y = i * row
        width = bar_w * value / top
        parts.append(
            f'<text x="0" y="{y + 17}" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{width:.1f}" height="18" fill="{color or "#6baed6"}" stroke="#555"/>'
            f'<text x="{label_w + width + 6:.1f}" y="{y + 17}" font-size="12">{value:,.2f} ha</text>'
        )
    height = max(row * len(bars), row)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_w + bar_w + 110} {height}" '
            f'class="chart">{"".join(parts)}</svg>')

