"""The dashboard page at `/`: a map shell served entirely by the app, carrying the caller's rights and
its interface strings in the page's language. The catalog list lives on at /catalog/."""

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from dashboard.messages import MESSAGES

pytestmark = pytest.mark.django_db
SCRIPTS = Path(__file__).resolve().parent.parent / "dashboard" / "static" / "dashboard" / "js"
# Strings that read the same in both languages.
SAME_IN_VIETNAMESE = {"API"}


def config_of(response) -> dict:
    html = response.content.decode()
    match = re.search(r'<script id="dashboard-config" type="application/json">(.*?)</script>', html, re.DOTALL)
    return json.loads(match.group(1))


def test_the_dashboard_loads_only_assets_of_this_server(world):
    html = Client().get("/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/maplibre-gl/dist/maplibre-gl.js" in assets
    assert "/static/dashboard/js/main.js" in assets
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))]


def test_the_page_tells_the_script_who_may_edit_zones(world, planner, zones, official):
    anonymous = config_of(Client().get("/"))
    assert anonymous["user"] == {"signed_in": False, "name": "", "can_edit_zones": False}
    client = Client()
    client.force_login(planner)
    assert config_of(client.get("/"))["user"]["can_edit_zones"] is True
    client.force_login(official)
    assert config_of(client.get("/"))["user"] == {"signed_in": True, "name": "official", "can_edit_zones": False}


def test_the_page_is_vietnamese_by_default_and_english_on_request(world):
    vi = config_of(Client().get("/"))
    assert vi["lang"] == "vi" and vi["messages"]["Zoom in"] == "Phóng to"
    en = config_of(Client().get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert en["lang"] == "en" and en["messages"]["Zoom in"] == "Zoom in"
    assert {d["key"]: d["title"] for d in en["domains"]}["feedback"] == "Citizen feedback (1022)"


def test_every_string_of_the_script_is_listed_for_translation():
    used = set()
    for script in SCRIPTS.glob("*.js"):
        used |= set(re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', script.read_text()))
        # A computed msgid could not be translated: every t( takes a literal.
        assert not re.search(r'\bt\((?!\s*")', script.read_text().replace("function t(", "")), script.name
    assert used == set(MESSAGES)


def test_every_string_of_the_script_has_a_vietnamese_translation():
    with translation.override("vi"):
        untranslated = [m for m in MESSAGES if translation.gettext(m) == m and m not in SAME_IN_VIETNAMESE]
    assert untranslated == []


def test_the_catalog_list_moved_to_catalog(world):
    page = Client().get("/catalog/").content.decode()
    assert "schools" in page and "<table>" in page


def test_a_raster_layers_legend_is_the_colormap_its_tiles_are_painted_with(db):
    from tests.conftest import make_layer

    make_layer("flood", kind="raster", geometry_type="", property_schema=[],
               style={"type": "raster", "colormap": "blues", "rescale": [0, 3]})
    ramp = config_of(Client().get("/"))["raster_ramps"]["flood"]
    assert ramp[0] == "#f7fbff" and ramp[-1] == "#08306b"  # matplotlib's Blues, light to dark
