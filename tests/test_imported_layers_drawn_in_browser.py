"""A steward imports points, lines and polygons and sees them DRAWN on the dashboard (pixels of the
map canvas, not requests), each in its default style and colour; then restyles the points in the
style editor, sees the draft on the map before saving, and every later visit draws the saved style."""

import shutil

import pytest
from django.conf import settings as django_settings
from django.test import Client

from layers.models import Layer
from tests.browser import CHROMIUM, screenshot, wait_for_drawn, wait_for_map
from tests.browser import live_server_page as browser
from tests.import_files import import_now, write_geojson

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("import_dir"),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
WAIT_MS = 240_000
POINT = (106.400, 10.530)
LINE = [(106.415, 10.520), (106.435, 10.550)]
SQUARE = [(106.445, 10.525), (106.465, 10.525), (106.465, 10.545), (106.445, 10.545), (106.445, 10.525)]
VIEW = "#map=13.00/10.5350/106.4300&layers=diem-tram,tuyen-ong,vung-bao-ve"
PURPLE = (0x6a, 0x3d, 0x9a)




def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def open_dashboard(page, live_server, fragment: str) -> None:
    page.goto(live_server.url + "/" + fragment, timeout=WAIT_MS)
    wait_for_map(page, timeout=WAIT_MS)
    wait_for_drawn(page, timeout=WAIT_MS)


def pixels_around(page, lon: float, lat: float, half: int = 4) -> list[tuple[int, int, int]]:
    """The canvas pixels of a (2·half+1)² square centred on a place, as RGB."""
    flat = page.evaluate("""([lon, lat, half]) => {
        const map = window.geoIoc.map, source = map.getCanvas(), ratio = source.width / source.clientWidth;
        const p = map.project([lon, lat]), size = 2 * half + 1;
        const canvas = document.createElement('canvas');
        canvas.width = size; canvas.height = size;
        const context = canvas.getContext('2d');
        context.drawImage(source, Math.round(p.x * ratio) - half, Math.round(p.y * ratio) - half, size, size, 0, 0, size, size);
        return Array.from(context.getImageData(0, 0, size, size).data);
    }""", [lon, lat, half])
    return [tuple(flat[i:i + 3]) for i in range(0, len(flat), 4)]


def rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def distance(a, b) -> int:
    return sum(abs(x - y) for x, y in zip(a, b))


def nearest(pixels, color) -> int:
    return min(distance(p, color) for p in pixels)


def import_layers(tmp_path, steward) -> dict[str, Layer]:
    files = {
        "diem-tram": {"type": "Point", "coordinates": list(POINT)},
        "tuyen-ong": {"type": "LineString", "coordinates": [list(c) for c in LINE]},
        "vung-bao-ve": {"type": "Polygon", "coordinates": [[list(c) for c in SQUARE]]},
    }
    for slug, geometry in files.items():
        path = write_geojson(tmp_path, [{"type": "Feature", "geometry": geometry, "properties": {"ten": slug}}],
                             name=f"{slug}.geojson")
        job = import_now(path, user=steward, layer=slug, title=f"Lớp {slug}", domain="environment",
                         department="environment")
        assert job.status == "succeeded", job.report
    return {layer.slug: layer for layer in Layer.objects.filter(slug__in=files)}


def middle(a, b) -> tuple[float, float]:
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def test_imported_points_lines_and_polygons_are_drawn_in_their_default_colours(live_server, demo, steward, tmp_path):
    layers = import_layers(tmp_path, steward)
    with browser() as (page, outside):
        sign_in(page, live_server, steward)
        open_dashboard(page, live_server, VIEW)
        point = pixels_around(page, *POINT)
        line = pixels_around(page, *middle(*LINE))
        square = pixels_around(page, 106.455, 10.535)
        screenshot(page, "imported-layers-drawn-vi-1366x768")
        for slug in layers:
            page.uncheck(f"#toggle-{slug}")
        wait_for_drawn(page, timeout=WAIT_MS)
        bare_square = pixels_around(page, 106.455, 10.535)
        assert nearest(pixels_around(page, *POINT), rgb(layers["diem-tram"].style["color"])) > 60
        assert outside == []
    # Points and lines are drawn in their colour; the polygon's fill moves the basemap toward its colour.
    assert nearest(point, rgb(layers["diem-tram"].style["color"])) < 40
    assert nearest(line, rgb(layers["tuyen-ong"].style["color"])) < 40
    fill = rgb(layers["vung-bao-ve"].style["color"])
    assert distance(square[40], fill) < distance(bare_square[40], fill) - 40


def test_the_steward_previews_and_saves_a_new_colour_for_the_points(live_server, demo, steward, tmp_path):
    layers = import_layers(tmp_path, steward)
    with browser() as (page, outside):
        sign_in(page, live_server, steward)
        open_dashboard(page, live_server, VIEW)
        page.click('button[aria-controls="details-diem-tram"]')
        page.click("#details-diem-tram .edit-style")
        page.fill("#style-color-diem-tram", "#6a3d9a")
        page.wait_for_function("window.geoIoc.map.getPaintProperty('L:diem-tram:diem-tram', 'circle-color') === '#6a3d9a'",
                               timeout=WAIT_MS)
        wait_for_drawn(page, timeout=WAIT_MS)
        assert nearest(pixels_around(page, *POINT), PURPLE) < 40  # the draft, drawn before it is saved
        assert Layer.objects.get(slug="diem-tram").style == layers["diem-tram"].style
        page.select_option("#style-mode-diem-tram", "categories")
        page.select_option("#style-property-diem-tram", "ten")
        # The category's value is a code: the steward names it in both languages and gives it a colour.
        page.fill("#style-stop-vi-diem-tram-0", "Trạm bơm Tân An")
        page.fill("#style-stop-en-diem-tram-0", "Tan An pumping station")
        page.fill("#style-stop-color-diem-tram-0", "#33a02c")
        page.wait_for_function("JSON.stringify(window.geoIoc.map.getPaintProperty('L:diem-tram:diem-tram', 'circle-color')).includes('#33a02c')",
                               timeout=WAIT_MS)
        page.click("#details-diem-tram .style-editor button[type=submit]")
        page.wait_for_selector("#details-diem-tram .style-status:has-text('Đã lưu')", timeout=WAIT_MS)
        assert page.inner_text("#details-diem-tram .legend") == "Trạm bơm Tân An"
        assert "Trạm bơm Tân An" in page.inner_text("#map-legend")
        screenshot(page, "style-editor-vi-1366x768")
        saved = Layer.objects.get(slug="diem-tram").style
        assert saved["categories"]["property"] == "ten" and saved["color"] == "#6a3d9a"
        assert saved["categories"]["stops"] == [{"value": "diem-tram", "color": "#33a02c", "label_vi": "Trạm bơm Tân An",
                                                 "label_en": "Tan An pumping station"}]
        category_color = saved["categories"]["stops"][0]["color"]
        open_dashboard(page, live_server, VIEW)
        assert nearest(pixels_around(page, *POINT), rgb(category_color)) < 40
        assert outside == []


def test_the_style_editor_reads_in_english_and_is_offered_only_to_the_layers_owners(live_server, demo, steward, official,
                                                                                   tmp_path):
    layers = import_layers(tmp_path, steward)
    with browser() as (page, _outside):
        sign_in(page, live_server, official)
        open_dashboard(page, live_server, VIEW)
        page.click('button[aria-controls="details-diem-tram"]')
        assert page.locator("#details-diem-tram .edit-style").count() == 0
    with browser(viewport=(1024, 768)) as (page, _outside):
        sign_in(page, live_server, steward)
        page.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
        open_dashboard(page, live_server, VIEW)
        page.click('button[aria-controls="details-diem-tram"]')
        page.click("#details-diem-tram .edit-style")
        assert "Colour by category" in page.inner_html("#style-mode-diem-tram")
        assert "Save style" in page.inner_text("#details-diem-tram .style-editor")
        screenshot(page, "style-editor-en-1024x768")
        page.click("#details-diem-tram .style-editor button:has-text('Cancel')")
        assert page.locator("#details-diem-tram .style-editor").count() == 0
    assert Layer.objects.get(slug="diem-tram").style == layers["diem-tram"].style  # a look changes nothing
