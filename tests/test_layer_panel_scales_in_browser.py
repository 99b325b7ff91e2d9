"""The layer panel with 200 more layers than the demo world: an official finds a layer by typing
its title without accents, narrows the list by domain, department and time, and a nurse finds her group's
restricted layer at the top, not at the bottom; in Vietnamese at 1024 px and English at 1920 px."""

import shutil

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client

from layers.models import Layer
from tests.browser import CHROMIUM, screenshot, wait_for_map
from tests.browser import live_server_page as browser
from tests.conftest import make_layer
from tests.departments import make_department

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
WAIT_MS = 240_000
DOMAINS = ("environment", "water", "agriculture", "education", "health")


@pytest.fixture
def disease_control(db) -> Group:
    return Group.objects.create(name="kiem-soat-benh-tat")


@pytest.fixture
def nurse(disease_control) -> User:
    """In the disease-control group only: public layers and the group's restricted one."""
    user = User.objects.create_user("nurse")
    user.groups.add(disease_control)
    return user


@pytest.fixture
def many_layers(demo, disease_control):
    """200 internal layers of two departments across five domains, every third with time, and one
    restricted layer of the health group."""
    water = make_department("water-works", name="Công ty Cấp nước")
    farms = make_department("farms", name="Chi cục Trồng trọt")
    Layer.objects.bulk_create([
        Layer(slug=f"diem-quan-trac-{i}", title_vi=f"Điểm quan trắc số {i}", title_en=f"Monitoring point {i}",
              domain=DOMAINS[i % 5], geometry_type="Point", access="internal", style={"type": "circle", "color": "#1f78b4"},
              time_kind="instant" if i % 3 == 0 else "none", owner=water if i % 2 else farms)
        for i in range(200)])
    make_layer("o-dich-sot-xuat-huyet", title_vi="Ổ dịch sốt xuất huyết", title_en="Dengue clusters", domain="health",
               access="restricted", groups=[disease_control])
    return Layer.objects.count()




def open_dashboard(page, base: str, user, lang: str, fragment: str = "") -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}])
    page.goto(base + "/" + fragment, timeout=WAIT_MS)
    wait_for_map(page, timeout=WAIT_MS)
    if page.locator("#tab-today").count():  # signed-in staff open on the "today" overview
        page.click("#tab-layers")


def visible_titles(page) -> list[str]:
    return page.eval_on_selector_all("#layer-groups li.layer:not([hidden]) .layer-row label",
                                     "labels => labels.filter(l => l.closest('details').open && !l.closest('details').hidden)"
                                     ".map(l => l.textContent)")


def test_a_search_without_accents_and_the_filters_find_one_layer_among_two_hundred(live_server, many_layers, official):
    with browser(viewport=(1024, 768)) as (page, outside):
        # The health facilities on (staff otherwise open on the "today" overview's layers).
        open_dashboard(page, live_server.url, official, "vi", "#layers=health-facilities")
        page.fill("#layer-search", "diem quan trac so 17")
        titles = visible_titles(page)
        assert "Điểm quan trắc số 17" in titles and all("17" in title for title in titles)
        assert len(titles) == 12  # 17, 117 and 170–179
        assert page.inner_text(".layer-filter-count").startswith("12 trên ")
        page.fill("#layer-search", "quan trac")
        page.select_option("#layer-domain", "water")
        page.select_option("#layer-department", "water-works")
        page.check("#layer-timed")
        titles = visible_titles(page)
        # Water (i % 5 == 1), owned by the water works (odd i), with time (i % 3 == 0): 21, 51, 81…
        expected = {f"Điểm quan trắc số {i}" for i in range(200) if i % 5 == 1 and i % 2 and i % 3 == 0}
        assert len(expected) == 6 and set(titles) == expected
        page.uncheck("#layer-timed")
        titles = visible_titles(page)
        assert set(titles) == {f"Điểm quan trắc số {i}" for i in range(200) if i % 5 == 1 and i % 2}
        screenshot(page, "layer-panel-200-vi-1024x768")
        page.fill("#layer-search", "")
        page.select_option("#layer-domain", "")
        page.select_option("#layer-department", "")
        # Unfiltered, 200 layers start folded by domain (a domain with a layer on stays open): not one long list.
        assert len(visible_titles(page)) < 60
        assert not page.eval_on_selector("details.domain[data-domain='water']", "d => d.open")
        assert page.eval_on_selector("details.domain[data-domain='health']", "d => d.open")  # health facilities are on
        assert outside == []


def test_the_groups_restricted_layer_leads_the_panel(live_server, many_layers, nurse):
    with browser(viewport=(1920, 1080)) as (page, outside):
        open_dashboard(page, live_server.url, nurse, "en")
        first = page.eval_on_selector("#layer-groups details.domain", "d => [d.dataset.domain, d.querySelector('summary').textContent]")
        assert first[0] == "__mine" and "My department's layers" in first[1]
        assert page.inner_text("#layer-groups details.domain[data-domain='__mine'] .layer-list").startswith("Dengue clusters")
        page.fill("#layer-search", "dengue")
        assert visible_titles(page) == ["Dengue clusters"]
        screenshot(page, "layer-panel-mine-en-1920x1080")
        assert outside == []
