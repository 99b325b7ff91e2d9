"""Every number on the wall is worked out by the platform from the layers, over what the caller may
see: the scene API agrees with the metric functions and with the fixtures counted by hand."""

from datetime import timedelta

from django.contrib.gis.geos import GEOSGeometry

from layers.catalog import publish_changes
from layers.models import Feature
from tests.conftest import client_for, token_client
from tests.wall_world import TRAFFIC_NOW, incident
from wall import metrics
from wall.models import Scene
from wall.timeframe import window_ending


def panels(client, scene: str) -> dict[str, dict]:
    response = client.get(f"/api/wall/scenes/{scene}/data")
    assert response.status_code == 200, response.content
    return {p["id"]: p for p in response.json()["panels"]}


def comparison(panel: dict) -> tuple:
    return panel["data"]["value"], panel["data"]["previous"], panel["data"]["change"]


def test_an_official_sees_the_traffic_numbers_counted_by_hand(demo_wall, official):
    shown = panels(client_for(official), "traffic")
    assert comparison(shown["incidents-7d"]) == (3, 2, 1)
    assert shown["injuries-30d"]["data"]["value"] == 8
    assert shown["deaths-30d"]["data"]["value"] == 1
    assert shown["serious-90d"]["data"]["value"] == 1
    assert [(r["label"], r["value"]) for r in shown["districts"]["data"]["rows"]] == [
        ("Huyện Bến Lức", 3), ("Thành phố Tân An", 2)]
    assert shown["latest"]["data"]["items"][0]["text"] == "Va chạm · Quốc lộ 1"
    assert sum(p["value"] for p in shown["incidents-daily"]["data"]["points"]) == 5  # i1..i5 are within 30 days, i6 is after "now"


def test_the_api_numbers_are_the_metric_functions_numbers(demo_wall, official, wall_world):
    shown = panels(client_for(official), "traffic")
    incidents = wall_world["incidents"].pk
    week = window_ending(TRAFFIC_NOW, "7d")
    assert shown["incidents-7d"]["data"]["value"] == metrics.aggregate(metrics.Selection(incidents, window=week))
    assert shown["incidents-7d"]["data"]["previous"] == metrics.aggregate(
        metrics.Selection(incidents, window=week.previous()))
    month = window_ending(TRAFFIC_NOW, "30d")
    assert shown["injuries-30d"]["data"]["value"] == metrics.aggregate(
        metrics.Selection(incidents, window=month), aggregate="sum", prop="injuries")


def test_environment_averages_maxima_and_distinct_stations(demo_wall, api):
    shown = panels(api, "environment")
    assert comparison(shown["aqi-avg"]) == (100, 80, 20)
    assert shown["pm25-max"]["data"]["value"] == 60.2
    assert shown["air-bad"]["data"]["value"] == 1
    assert "salinity-max" not in shown  # no salinity layer in this small world: left out like a hidden one


def test_anonymous_callers_see_public_numbers_only(demo_wall, official, api):
    # The traffic scene reads internal layers: not shown to anonymous callers at all.
    assert api.get("/api/wall/scenes/traffic/data").json()["code"] == "scene_not_found"
    staff = panels(client_for(official), "traffic")
    assert staff["incidents-7d"]["data"]["value"] == 3
    assert "traffic-incidents" in [la["slug"] for la in staff["map"]["data"]["layers"]]
    # A map keeps the layers the caller may see and drops the others.
    assert [la["slug"] for la in panels(api, "environment")["map"]["data"]["layers"]] == ["admin-districts"]
    # A public layer gives everybody the same number.
    assert panels(api, "environment")["aqi-avg"] == panels(client_for(official), "environment")["aqi-avg"]


def test_an_outsider_signed_in_sees_no_more_than_the_public(demo_wall, outsider):
    assert client_for(outsider).get("/api/wall/scenes/traffic/data").json()["code"] == "scene_not_found"


def test_a_display_token_sees_what_its_account_may_see(demo_wall, display):
    assert panels(token_client(display), "traffic")["incidents-7d"]["data"]["value"] == 3


def test_polling_with_the_version_costs_no_metric_and_a_new_feature_changes_it(
        demo_wall, official, wall_world, django_assert_max_num_queries):
    client = client_for(official)
    first = client.get("/api/wall/scenes/traffic/data")
    etag = first["ETag"]
    assert etag.strip('"') == first.json()["version"]
    with django_assert_max_num_queries(3):
        again = client.get("/api/wall/scenes/traffic/data", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    Feature.objects.create(layer=wall_world["incidents"], **_feature(incident("i7", timedelta(hours=2), "794")))
    publish_changes(wall_world["incidents"])
    changed = client.get("/api/wall/scenes/traffic/data", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert {p["id"]: p for p in changed.json()["panels"]}["incidents-7d"]["data"]["value"] == 4


def test_the_version_differs_between_access_scopes(demo_wall, official, api):
    assert api.get("/api/wall/scenes/environment/data")["ETag"] != client_for(official).get(
        "/api/wall/scenes/environment/data")["ETag"]


def test_an_unknown_scene_answers_in_the_one_error_shape(api, db):
    response = api.get("/api/wall/scenes/no-such-scene/data")
    assert response.status_code == 404
    assert response.json()["code"] == "scene_not_found"


def _feature(row: tuple) -> dict:
    return {"source_id": row[0], "geom": GEOSGeometry(row[1], srid=4326), "properties": row[2],
            "time_start": row[3], "time_end": row[3]}


def test_a_scene_without_its_own_time_follows_wall_now(demo_wall, api, settings):
    Scene.objects.filter(slug="environment").update(as_of=None)
    settings.WALL_NOW = "2022-12-31T23:00:00+07:00"
    body = api.get("/api/wall/scenes/environment/data").json()
    assert body["scene"]["live"] is False
    assert comparison({p["id"]: p for p in body["panels"]}["aqi-avg"]) == (100, 80, 20)
    settings.WALL_NOW = ""
    live = api.get("/api/wall/scenes/environment/data").json()
    assert live["scene"]["live"] is True
    assert {p["id"]: p for p in live["panels"]}["aqi-avg"]["data"]["value"] is None  # nothing in the real last 24 h


def test_a_tickers_numbers_are_written_the_readers_way_with_their_unit(demo_wall, api):
    scene = Scene.objects.get(slug="environment")
    ticker = next(p for p in scene.layout["panels"] if p["id"] == "latest")
    ticker["query"] |= {"text": ["station_name", "pm25"], "decimals": 1, "unit_vi": "µg/m³",
                        "unit_en": "µg/m³"}
    scene.save()
    vi = panels(api, "environment")["latest"]["data"]["items"]
    assert vi[0]["text"] == "Trạm KK-BL · 60,2 µg/m³"
    en = api.get("/api/wall/scenes/environment/data", HTTP_ACCEPT_LANGUAGE="en").json()
    en_ticker = next(p for p in en["panels"] if p["id"] == "latest")
    assert en_ticker["data"]["items"][0]["text"] == "Trạm KK-BL · 60.2 µg/m³"
    assert en["version"] != api.get("/api/wall/scenes/environment/data").json()["version"]
