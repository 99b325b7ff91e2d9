"""A property holding a JSON list or object reads compactly in the dashboard's popup and feature
table, [106.3, 10.5, …], never [object Object]."""

import shutil

import pytest

from layers.catalog import publish_changes
from layers.models import Feature, Layer
from tests.browser import CHROMIUM
from tests.test_dashboard_in_browser import browser, open_dashboard, screen_point

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]


def test_a_json_property_reads_compactly_in_the_popup(live_server, demo):
    layer = Layer.objects.get(slug="health-facilities")
    layer.property_schema = [*layer.property_schema,
                             {"name": "bbox", "type": "json", "label_vi": "Khung bao", "label_en": "Bounding box"}]
    layer.save(update_fields=["property_schema"])
    hospital = Feature.objects.get(layer=layer, properties__name="Bệnh viện Đa khoa Long An")
    hospital.properties = {**hospital.properties, "bbox": [106.3, 10.5, 106.5, 10.6]}
    hospital.save(update_fields=["properties"])
    publish_changes(layer)
    lon, lat = hospital.geom.x, hospital.geom.y
    with browser() as (page, outside):
        open_dashboard(page, live_server, f"#map=14.00/{lat:.6f}/{lon:.6f}&layers=health-facilities")
        page.mouse.click(*screen_point(page, lon, lat))
        popup = page.wait_for_selector(".feature-popup", timeout=60_000)
        text = popup.inner_text()
        assert "Khung bao" in text
        assert "[106.3, 10.5, 106.5, 10.6]" in text
        assert "object Object" not in text
        assert outside == []
