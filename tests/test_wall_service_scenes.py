"""A wall scene per monitoring service, built from the service's definition and added to the demo
playlist: its KPI tiles give the province's latest figure and band as the indicators API does, its
table the best and worst units of the latest period by the indicator's direction, its trend the
province's periods, its freshness panel the API's freshness, its map the indicator's layer on the
latest period; a restricted indicator's panels are left out for whoever may not see its layer."""

import pytest
from django.contrib.auth.models import User

from monitoring.models import Service
from tests.conftest import client_for
from wall.layout import validate_layout
from wall.models import Playlist, Scene
from wall.seed import PLAYLIST, ensure_demo_scenes
from wall.service_scenes import ensure_service_scenes, scene_slug

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monitoring_world")]


@pytest.fixture
def display() -> User:
    return User.objects.create_user("display-monitoring", is_staff=True)


@pytest.fixture
def scenes():
    ensure_demo_scenes()
    return ensure_service_scenes()


def scene_data(user: User | None, slug: str) -> dict:
    response = client_for(user).get(f"/api/wall/scenes/{slug}/data")
    assert response.status_code == 200, response.content
    return {panel["id"]: panel for panel in response.json()["panels"]}


def test_every_service_has_a_scene_in_the_playlist_after_the_hand_made_ones(scenes):
    services = list(Service.objects.all())
    assert len(services) == 15 and [s.slug for s in scenes] == [scene_slug(s) for s in services]
    order = [entry.scene.slug for entry in Playlist.objects.get(slug=PLAYLIST).entries.select_related("scene")]
    assert order[:4] == ["traffic", "environment", "agriculture", "feedback-1022"]
    assert order[4:] == [scene_slug(s) for s in services]
    for scene in scenes:
        validate_layout(scene.layout)
    # Twice is once.
    ensure_service_scenes()
    assert Playlist.objects.get(slug=PLAYLIST).entries.count() == 19


def test_a_scene_is_built_from_its_services_indicators(scenes):
    service = Service.objects.get(slug="y-te")
    layout = next(s for s in scenes if s.slug == scene_slug(service)).layout
    indicators = list(service.indicators.all())
    kpis = [p for p in layout["panels"] if p["kind"] == "indicator_kpi"]
    assert [p["query"]["layer"] for p in kpis] == [i.layer.slug for i in indicators[:4]]
    assert [p["title_en"] for p in kpis] == [i.title_en for i in indicators[:4]]
    panels = {p["id"]: p for p in layout["panels"]}
    # Dengue (restricted) comes first in the service; the map shows the first public indicator.
    assert indicators[0].slug == "dengue-cases"
    assert panels["map"]["query"]["layers"] == [{"layer": "indicator-vaccination-rate", "period": "latest"}]
    assert panels["trend"]["query"]["layer"] == panels["units"]["query"]["layer"] == "indicator-vaccination-rate"
    assert [e["layer"] for e in panels["freshness"]["query"]["layers"]] == [i.layer.slug for i in indicators]


def layers_of(service: Service) -> dict[str, str]:
    """{panel id: the indicator layer it reads} of the service's scene."""
    panels = Scene.objects.get(slug=scene_slug(service)).layout["panels"]
    return {p["id"]: p["query"]["layer"] for p in panels if "layer" in p["query"]}


@pytest.mark.parametrize("service_slug", ["y-te", "moi-truong", "thu-tuc-hanh-chinh", "kinh-te-xa-hoi"])
def test_the_kpi_tiles_give_the_apis_latest_province_figure_and_band(scenes, display, service_slug):
    for service in Service.objects.filter(slug=service_slug):
        reads = layers_of(service)
        for panel in (p for p in scene_data(display, scene_slug(service)).values() if p["kind"] == "indicator_kpi"):
            indicator = service.indicators.get(layer__slug=reads[panel["id"]])
            province = client_for(display).get(f"/api/indicators/{indicator.slug}/values/").json()["province"]
            last, before = province[-1], province[-2]
            data = panel["data"]
            # The latest period with values: a late department's indicator stops earlier.
            assert data["period"] == last["period"]
            assert data["value"] == last["value"] and data["previous"] == before["value"]
            assert data["change"] == pytest.approx(last["value"] - before["value"])
            if last["band"] is not None:
                assert data["band"] == last["band"]
            else:  # a sum: the band most units are in
                values = client_for(display).get(f"/api/indicators/{indicator.slug}/values/",
                                                 {"period": last["period"]}).json()["values"]
                bands = [v["band"] for v in values]
                assert bands.count(data["band"]) == max(bands.count(b) for b in set(bands))


def test_the_table_ranks_units_by_the_indicators_direction_and_the_trend_walks_the_periods(scenes, display):
    panels = scene_data(display, scene_slug(Service.objects.get(slug="moi-truong")))
    lead = panels["units"]["data"]
    service = Service.objects.get(slug="moi-truong")
    indicator = service.indicators.get(layer__slug=layers_of(service)["units"])
    province = client_for(display).get(f"/api/indicators/{indicator.slug}/values/").json()["province"]
    values = client_for(display).get(f"/api/indicators/{indicator.slug}/values/",
                                     {"period": province[-1]["period"]}).json()["values"]
    ordered = sorted(values, key=lambda v: (v["value"], v["unit"]))
    if indicator.direction == "higher_better":
        ordered = sorted(values, key=lambda v: (-v["value"], v["unit"]))
    assert [r["code"] for r in lead["best"]] == [v["unit"] for v in ordered[:5]]
    assert [r["code"] for r in lead["worst"]] == [v["unit"] for v in ordered[::-1][:5]]
    assert lead["units"] == len(values) and lead["period"] == province[-1]["period"]
    # The demo months with values, on the 2022 communes until 2025-06 and on the 2025 ones after.
    trend = panels["trend"]["data"]["points"]
    assert [(p["period"], p["value"]) for p in trend] == [(p["period"], p["value"]) for p in province]
    assert panels["map"]["data"]["layers"][0]["datetime"] == province[-1]["period_start"]


def test_the_freshness_panel_says_what_the_indicators_api_says(scenes, display):
    service = Service.objects.get(slug="y-te")
    panel = scene_data(display, scene_slug(service))["freshness"]["data"]
    api = client_for(display).get("/api/indicators/", {"service": "y-te"}).json()["indicators"]
    assert {e["title_en"]: e["state"] for e in panel["indicators"]} == {
        e["title_en"]: e["freshness"]["state"] for e in api}
    assert panel["state"] in {e["freshness"]["state"] for e in api}


def test_a_restricted_indicator_is_left_out_for_whoever_may_not_see_its_layer(scenes, display):
    slug = scene_slug(Service.objects.get(slug="y-te"))
    shown = scene_data(display, slug)
    titles = [p["title_en"] for p in shown.values()]
    assert "Dengue cases" not in titles and "kpi-0" not in shown
    assert "Dengue cases" not in str(shown["freshness"]["data"])
    health = User.objects.create_user("health-officer", is_staff=True)
    health.groups.add(*Service.objects.get(slug="y-te").indicators.get(slug="dengue-cases").layer.groups.all())
    assert scene_data(health, slug)["kpi-0"]["title_en"] == "Dengue cases"
    # An outsider sees the public indicators' panels only.
    public = set(Service.objects.get(slug="y-te").indicators.filter(layer__access="public")
                 .values_list("title_en", flat=True))
    kpis = [p["title_en"] for p in scene_data(None, slug).values() if p["kind"] == "indicator_kpi"]
    assert kpis and set(kpis) <= public
