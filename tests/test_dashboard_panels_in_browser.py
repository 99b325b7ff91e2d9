"""The dashboard's panels in Debian's headless Chromium, offline: the time slider plays through the
months with the tiles, the counts and the picture following; a station's popup charts its readings;
the legend is the layer's style; the feature table lists what the API has in the view; everything is
reachable and operable with the keyboard, with the focus visible; in English no Vietnamese is left in
the interface; at 1366×768 and 3840×2160 nothing is cut or overlapping and text stays readable."""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from layers.models import Feature, Layer
from tests.browser import screenshot, wait_for_map
from tests.conftest import client_for
from tests.test_dashboard_in_browser import (
    WAIT_MS,
    browser,
    changed_share,
    map_pixels,
    open_dashboard,
    screen_point,
    settle,
    sign_in,
    switch_language,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Letters only Vietnamese uses (with their tone marks): none may be left in the English interface.
VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I)


def shown_count(page, slug: str) -> int:
    """The number the layer panel shows for a layer in the view ("45 / 1.022" → 45)."""
    text = page.inner_text(f'[data-slug="{slug}"] .count').split("/")[0]
    return int(re.sub(r"\D", "", text))


def view_bbox(page) -> str:
    return page.evaluate("""() => { const b = window.geoIoc.map.getBounds();
        return [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
            .map(v => v.toFixed(5)).join(','); }""")


def tile_windows(requests: list[str], slug: str) -> set[str]:
    return {parse_qs(urlparse(url).query).get("datetime", [""])[0] for url in requests if f"/tiles/{slug}/" in url} - {""}


def test_the_time_slider_plays_through_the_months_and_the_tiles_counts_and_picture_follow(live_server, demo, official):
    with browser() as (page, outside):
        sign_in(page, live_server, official)
        requests = open_dashboard(page, live_server, "#layers=feedback-1022")
        whole_year = map_pixels(page)
        page.click("#timeline .play")
        assert page.get_attribute("#timeline .play", "aria-pressed") == "true"
        page.wait_for_function("Number(document.getElementById('time-slider').value) >= 3", timeout=WAIT_MS)
        page.click("#timeline .play")  # pause
        assert page.get_attribute("#timeline .play", "aria-pressed") == "false"
        assert page.input_value("#time-window") == "month"
        settle(page)
        # Every month played asked for its own tiles and its own counts.
        assert len(tile_windows(requests, "feedback-1022")) >= 3
        counted = {parse_qs(urlparse(url).query).get("datetime", [""])[0] for url in requests if "/api/counts/" in url}
        assert len(counted - {""}) >= 3
        window = page.evaluate("window.geoIoc.timeline.param()")
        assert window in tile_windows(requests, "feedback-1022")
        expected = client_for(official).get("/api/counts/", {"bbox": view_bbox(page), "datetime": window}).json()["counts"]
        page.wait_for_function(
            """([slug, n]) => Number(document.querySelector(`[data-slug="${slug}"] .count`).textContent.split('/')[0].replace(/\\D/g, '')) === n""",
            arg=["feedback-1022", expected["feedback-1022"]], timeout=60_000)
        assert 0 < shown_count(page, "feedback-1022") < Layer.objects.get(slug="feedback-1022").feature_count
        assert changed_share(whole_year, map_pixels(page)) > 0.01  # a month's reports, not the year's
        assert "time=month:" in page.evaluate("location.hash")
        screenshot(page, "dashboard-time-played")
        assert outside == []


def test_a_stations_popup_charts_its_readings(live_server, demo):
    station = Feature.objects.filter(layer__slug="air-stations").order_by("pk").first()
    lon, lat = station.geom.x, station.geom.y
    readings = client_for(None).get("/api/layers/air-readings/features/",
                                    {"station_code": station.properties["code"], "limit": 5000}).json()["features"]
    with browser() as (page, outside):
        open_dashboard(page, live_server, f"#map=14.00/{lat:.6f}/{lon:.6f}&layers=air-stations")
        page.mouse.click(*screen_point(page, lon, lat))
        popup = page.wait_for_selector(".feature-popup", timeout=60_000)
        assert station.properties["name"] in popup.inner_text()
        chart = page.wait_for_selector(".feature-popup svg.chart", timeout=60_000)
        label = chart.get_attribute("aria-label")
        n = int(re.search(r"(\d+)\D*$", label.replace(".", "")).group(1))
        path = page.get_attribute(".feature-popup svg.chart path.chart-line", "d")
        prop = page.evaluate("""() => window.geoIoc.zones.catalog.find(l => l.slug === 'air-readings')
            .properties.find(p => (p.type === 'number' || p.type === 'integer') && p.unit).name""")
        with_value = [f for f in readings if isinstance(f["properties"].get(prop), (int, float))]
        assert n == len(with_value) > 24  # every reading of the station, none of the others'
        assert path.count("L") + 1 == n
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 60
        # The map moved so the whole popup shows, below the map's tool buttons.
        page.wait_for_function("!window.geoIoc.map.isMoving()")
        settle(page)
        shown = page.locator(".feature-popup").bounding_box()
        area = page.locator("#map").bounding_box()
        tools = page.locator(".map-tools").bounding_box()
        assert shown["y"] >= tools["y"] + tools["height"] and shown["y"] + shown["height"] <= area["y"] + area["height"]
        assert area["x"] <= shown["x"] and shown["x"] + shown["width"] <= area["x"] + area["width"]
        screenshot(page, "dashboard-station-chart")
        assert outside == []


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_legend_is_the_layers_style_and_the_table_lists_the_features_in_view(live_server, demo):
    schools = Layer.objects.get(slug="schools")
    stops = schools.style["categories"]["stops"]
    with browser() as (page, outside):
        open_dashboard(page, live_server, "#map=12.00/10.5400/106.4100&layers=schools")
        page.click('[data-slug="schools"] button.more')
        legend = page.locator("#details-schools .legend li")
        assert legend.count() == len(stops)
        assert [legend.nth(i).inner_text() for i in range(len(stops))] == [stop["label_vi"] for stop in stops]
        colours = page.evaluate("[...document.querySelectorAll('#details-schools .legend .swatch')].map(s => getComputedStyle(s).backgroundColor)")
        assert colours == [rgb(stop["color"]) for stop in stops]
        page.click("#table-toggle")
        page.wait_for_selector("#table-drawer tbody tr", timeout=60_000)
        settle(page)
        # The table's first page (100 rows, in id order) of the features in the view.
        expected = client_for(None).get("/api/layers/schools/features/", {"bbox": view_bbox(page), "limit": 100}).json()
        page.wait_for_function("n => document.querySelectorAll('#table-drawer tbody tr').length === n",
                               arg=len(expected["features"]), timeout=60_000)
        rows = page.evaluate("[...document.querySelectorAll('#table-drawer tbody tr')].map(r => Number(r.dataset.id))")
        assert sorted(rows) == sorted(f["id"] for f in expected["features"]) and 0 < len(rows) < schools.feature_count
        count = page.inner_text("#table-drawer .table-count")
        assert re.sub(r"\D", "", count.split(" ")[0].split("–")[1]) == str(len(rows))
        # Years are years (2015), counts are grouped the Vietnamese way with their unit.
        founded = page.locator("#table-drawer thead th", has_text="Năm thành lập")
        column = page.evaluate("th => [...th.parentElement.children].indexOf(th)", founded.element_handle())
        first_year = page.inner_text(f"#table-drawer tbody tr >> nth=0 >> td >> nth={column}")
        assert re.fullmatch(r"(19|20)\d\d", first_year), first_year
        screenshot(page, "dashboard-table-1366x768")
        # A row opens its feature, from the keyboard too.
        first = expected["features"][[f["id"] for f in expected["features"]].index(rows[0])]
        page.focus("#table-drawer tbody tr >> nth=0")
        page.keyboard.press("Enter")
        popup = page.wait_for_selector(".feature-popup", timeout=60_000)
        assert first["properties"]["name"] in popup.inner_text()
        assert outside == []


def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return {id: e.id, tag: e.tagName, text: (e.textContent || '').trim().slice(0, 40),
                outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}; }""")


def test_the_panels_and_search_are_reachable_and_operable_with_the_keyboard(live_server, demo):
    with browser() as (page, outside):
        open_dashboard(page, live_server)
        page.locator("body").focus()
        seen = []
        for _ in range(40):
            page.keyboard.press("Tab")
            seen.append(focused(page))
            if seen[-1]["id"] == "toggle-land-use-plan":
                break
        ids = [f["id"] for f in seen]
        for wanted in ("search-input", "language", "tab-layers", "toggle-land-use-plan"):
            assert wanted in ids
        assert seen[0]["text"] and seen[0]["tag"] == "A"  # the skip link comes first
        assert ids.index("search-input") < ids.index("tab-layers") < ids.index("toggle-land-use-plan")
        assert all(f["outline"] for f in seen), [f for f in seen if not f["outline"]]  # the focus is always visible
        # Space toggles the focused layer; Tab reaches its details button and Enter opens the legend.
        page.keyboard.press("Space")
        page.wait_for_function("!location.hash.includes('land-use-plan')")
        for _ in range(3):
            page.keyboard.press("Tab")
            if focused(page)["text"] in ("▾", "▴"):
                break
        page.keyboard.press("Enter")
        assert page.is_visible("#details-land-use-plan .legend")
        # The tabs: arrows move between them, and the zones panel's buttons answer Enter.
        page.focus("#tab-layers")
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.id") == "tab-zones"
        assert page.is_visible("#panel-zones") and not page.is_visible("#panel-layers")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "draw-zone"
        # Search from the keyboard, without diacritics.
        page.focus("#search-input")
        page.keyboard.type("tan an")
        page.wait_for_selector("#search-results .search-item")
        assert "Tân An" in page.inner_text("#search-results .search-item >> nth=0")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        popup = page.wait_for_selector(".feature-popup", timeout=60_000)
        assert "Tân An" in popup.inner_text()
        page.keyboard.press("Escape")
        page.wait_for_selector(".feature-popup", state="detached")
        # A feature by its name, without diacritics; then WGS 84 degrees.
        page.fill("#search-input", "benh vien da khoa long an")
        page.wait_for_function("[...document.querySelectorAll('#search-results .search-item')].some(i => i.innerText.includes('Bệnh viện Đa khoa Long An'))")
        page.fill("#search-input", "10.5327 106.4027")
        page.wait_for_selector("#search-results .search-coordinate")
        page.keyboard.press("Enter")
        assert "10.532700° N, 106.402700° E" in page.wait_for_selector(".coordinate-popup", timeout=60_000).inner_text()
        assert outside == []


def interface_text(page) -> list[str]:
    """The interface's own words, one text node or attribute a line: header (without the language
    names), panels, tools, time slider, table head, legend, labels and tooltips. Not the data: names
    of saved zones, a layer's source department, feature names in the table, the map's labels."""
    return page.evaluate("""() => {
        const data = '.zone-list button.link, .meta dd, #table-drawer tbody, #language, .maplibregl-canvas-container';
        const shown = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
        const lines = [];
        for (const root of document.querySelectorAll('.topbar, .sidebar, .mapwrap')) {
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const parent = node.parentElement;
                if (node.textContent.trim() && shown(parent) && !parent.closest(data)) lines.push(node.textContent.trim());
            }
            for (const e of root.querySelectorAll('[aria-label], [title]')) {
                if (e.closest(data)) continue;
                for (const name of ['aria-label', 'title']) if (e.getAttribute(name)) lines.push(e.getAttribute(name));
            }
        }
        for (const option of document.querySelectorAll('#time-window option, #table-layer option')) lines.push(option.textContent.trim());
        return lines;
    }""")


def test_in_english_no_vietnamese_is_left_in_the_interface(live_server, demo, official):
    with browser() as (page, outside):
        sign_in(page, live_server, official)
        open_dashboard(page, live_server, "#layers=feedback-1022,land-use-plan")
        switch_language(page, "en")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.click('[data-slug="land-use-plan"] button.more')
        page.click("#table-toggle")
        page.wait_for_selector("#table-drawer thead th", timeout=60_000)
        layers_text = interface_text(page)
        page.click("#tab-zones")
        page.wait_for_selector(".zone-list")
        zones_text = interface_text(page)
        screenshot(page, "dashboard-en-zones-1366x768")
        for lines in (layers_text, zones_text):
            assert [line for line in lines if VIETNAMESE.search(line)] == []
        assert "Citizen feedback (1022)" in layers_text and "Saved zones" in zones_text
        assert "Month" in layers_text or "All time" in layers_text  # the time slider is there too
        assert outside == []


@pytest.mark.parametrize("width,height,root_px", [(1366, 768, 15), (3840, 2160, 27)])
def test_nothing_is_cut_or_overlapping_and_text_is_readable_at_laptop_and_4k_sizes(live_server, demo, official, width, height, root_px):
    with browser(viewport=(width, height)) as (page, outside):
        sign_in(page, live_server, official)
        open_dashboard(page, live_server, "#layers=feedback-1022,land-use-plan")
        report = page.evaluate("""() => {
            const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
            const cut = [], small = [];
            for (const e of document.querySelectorAll('.topbar *, .sidebar *, .map-tools *, #timeline *')) {
                if (!visible(e) || e.closest('.visually-hidden')) continue;
                const s = getComputedStyle(e);
                // Text that does not fit its box and is clipped rather than wrapped.
                if (s.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1 && !['INPUT', 'SELECT'].includes(e.tagName) && !e.classList.contains('panel')) cut.push(e.className || e.tagName);
                if ([...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && parseFloat(s.fontSize) < 10 * parseFloat(getComputedStyle(document.documentElement).fontSize) / 15) small.push(e.className || e.tagName);
            }
            const boxes = [...document.querySelectorAll('.topbar > *, .map-tools, #timeline, .maplibregl-ctrl-top-right, .maplibregl-ctrl-bottom-right')]
                .filter(visible).map(e => [e.className || e.id, e.getBoundingClientRect()]);
            const overlaps = [];
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                const [a, p] = boxes[i], [b, q] = boxes[j];
                if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1) overlaps.push([a, b]);
            }
            const outside = [...document.querySelectorAll('.topbar *, .map-tools *, #timeline *')].filter(visible)
                .filter(e => { const r = e.getBoundingClientRect(); return r.right > innerWidth + 1 || r.bottom > innerHeight + 1 || r.left < -1; })
                .map(e => e.className || e.tagName);
            return {cut, small, overlaps, outside, root: parseFloat(getComputedStyle(document.documentElement).fontSize)};
        }""")
        screenshot(page, f"dashboard-layout-{width}x{height}")
        assert report["root"] == root_px  # the interface grows with the screen
        assert (report["cut"], report["overlaps"], report["outside"]) == ([], [], [])
        assert report["small"] == []  # nothing under 10 px at laptop scale (≈18 px on 4K)
        assert outside == []


def test_an_official_signs_in_from_the_map_comes_back_to_the_same_view_and_signs_out(live_server, demo, official):
    view = "#map=12.00/10.54000/106.41000&layers=schools"
    with browser() as (page, outside):
        open_dashboard(page, live_server, view)
        assert page.locator("#toggle-feedback-1022").count() == 0
        page.click("#sign-in")
        page.fill("#id_username", "official")
        page.fill("#id_password", "pw-official")
        page.click("button[type=submit]")
        wait_for_map(page, timeout=WAIT_MS)
        assert page.evaluate("location.hash").startswith(view.split("&")[0])
        assert page.is_checked("#toggle-schools")
        assert "official" in page.inner_text(".topnav")
        assert page.locator("#toggle-feedback-1022").count() == 1  # internal layers, now that we are staff
        page.click(".topnav form[action$='/logout/'] button")
        wait_for_map(page, timeout=WAIT_MS)
        assert page.locator("#sign-in").count() == 1 and page.locator("#toggle-feedback-1022").count() == 0
        assert outside == []
