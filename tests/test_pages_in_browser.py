"""The pages a newcomer opens after `make run`, in a real headless Chromium with no internet."""

import shutil

import pytest

from tests.browser import CHROMIUM, offline_page, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]


def test_the_catalog_page_lists_public_layers_in_vietnamese_with_the_bundled_font(live_server, world):
    with offline_page() as (page, outside):
        page.goto(live_server.url + "/catalog/")
        page.wait_for_load_state("networkidle")
        assert "Trung tâm Điều hành thông minh Long An" in page.inner_text("header")
        assert page.locator("code", has_text="schools").count() == 1
        assert page.locator("code", has_text="incidents").count() == 0
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.fonts.check('16px \"Noto Sans\"', 'Điều hành')")
        loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert any("Noto Sans" in family for family in loaded)
        screenshot(page, "catalog-vi-1366x768")
        assert outside == []


def test_the_language_switch_shows_english(live_server, world):
    with offline_page() as (page, outside):
        page.goto(live_server.url + "/catalog/")
        page.select_option("select[name=language]", "en")
        page.wait_for_load_state("networkidle")
        assert "Long An operations center" in page.inner_text("header")
        assert "Layer schools" in page.inner_text("main")
        screenshot(page, "catalog-en-1366x768")
        assert outside == []


def test_the_api_docs_page_renders_from_local_assets(live_server):
    with offline_page() as (page, outside):
        page.goto(live_server.url + "/api/docs/")
        page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
        assert "/api/layers/{slug}/features/" in page.inner_text(".swagger-ui")
        screenshot(page, "api-docs")
        assert outside == []


def test_an_outsider_signs_in_and_out_through_the_page(live_server, world, outsider):
    with offline_page() as (page, outside):
        page.goto(live_server.url + "/catalog/")
        page.click("text=Đăng nhập")
        page.fill("#id_username", "outsider")
        page.fill("#id_password", "wrong")
        page.click("button[type=submit]")
        assert "không đúng" in page.inner_text("main")
        page.fill("#id_username", "outsider")
        page.fill("#id_password", "pw-outsider")
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/catalog/")
        assert "outsider" in page.inner_text("header")
        page.click("text=Đăng xuất")
        page.wait_for_url(live_server.url + "/")
        assert "Đăng nhập" in page.inner_text("header")
        assert outside == []
