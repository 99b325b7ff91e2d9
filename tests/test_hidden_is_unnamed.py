"""Hidden means unnamed: no page, config, wall state, scene data, style or TileJSON names a layer, a
scene or a panel the caller may not see, and a wall skips the scenes with nothing for its caller."""

import json
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from layers.access import visible_layers
from layers.models import Access, Kind, Layer
from tests.conftest import make_layer
from wall.control import ensure_state
from wall.models import Playlist, PlaylistEntry, Scene, WallState
from wall.playback import now_showing

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "outsider", "official", "health_officer"]


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def caller(request, outsider, official, health_officer):
    return {"anonymous": None, "outsider": outsider, "official": official,
            "health_officer": health_officer}[request.param]


def names_of_hidden(user) -> list[str]:
    seen = set(visible_layers(user).values_list("pk", flat=True))
    hidden = Layer.objects.exclude(pk__in=seen)
    return [name for layer in hidden for name in (layer.slug, layer.title_vi, layer.title_en)]


# ---- the dashboard and the pages ------------------------------------------------------------------

@pytest.fixture
def dashboard_world(health_group):
    """The dashboard's default layers and the zones layer at every access level, and a restricted raster."""
    make_layer("land-use-plan", title_vi="Quy hoạch sử dụng đất", title_en="Land-use plan")
    make_layer("industrial-parks", access=Access.INTERNAL, title_vi="Khu công nghiệp",
               title_en="Industrial parks")
    make_layer("health-facilities", access=Access.RESTRICTED, groups=[health_group], title_vi="Cơ sở y tế",
               title_en="Health facilities")
    make_layer("feedback-1022", access=Access.INTERNAL, title_vi="Phản ánh 1022", title_en="Citizen reports")
    make_layer(settings.LAYERS_ZONES_LAYER, access=Access.INTERNAL, title_vi="Vùng quy hoạch của cán bộ",
               title_en="Planners' zones")
    make_layer("dengue-risk", access=Access.RESTRICTED, groups=[health_group], kind=Kind.RASTER,
               title_vi="Nguy cơ sốt xuất huyết", title_en="Dengue risk", style={"colormap": "reds"})


def config_of(page: str) -> dict:
    start = page.index('<script id="dashboard-config" type="application/json">') + len(
        '<script id="dashboard-config" type="application/json">')
    return json.loads(page[start:page.index("</script>", start)])


@pytest.mark.parametrize("caller", ACTORS, indirect=True)
def test_the_dashboard_page_names_no_layer_its_caller_may_not_see(dashboard_world, caller):
    page = client_as(caller).get("/").content.decode()
    hidden = names_of_hidden(caller)
    assert hidden, "every actor but the superuser has something hidden"
    for name in hidden:
        assert name not in page, name
    config = config_of(page)
    visible = set(visible_layers(caller).values_list("slug", flat=True))
    # Staff open on the "today" overview and its layers (dashboard.overview); everybody else on the public view.
    defaults = settings.DASHBOARD_OVERVIEW_LAYERS if caller and caller.is_staff else (
        "land-use-plan", "industrial-parks", "health-facilities", "feedback-1022")
    assert config["default_layers"] == [s for s in defaults if s in visible]
    zones = settings.LAYERS_ZONES_LAYER
    assert config["zones_layer"] == (zones if zones in visible else None)
    assert set(config["raster_ramps"]) == {"dengue-risk"} & visible


def test_the_health_officer_gets_the_restricted_defaults_and_ramp(dashboard_world, health_officer):
    config = config_of(client_as(health_officer).get("/").content.decode())
    assert config["default_layers"] == ["land-use-plan", "health-facilities"]
    assert list(config["raster_ramps"]) == ["dengue-risk"]
    assert config["zones_layer"] is None


@pytest.mark.parametrize("caller", ACTORS, indirect=True)
def test_the_catalog_page_and_the_tile_preview_name_no_hidden_layer(dashboard_world, caller):
    everything = ",".join(Layer.objects.values_list("slug", flat=True))
    for path in ("/catalog/", f"/tiles/preview/?layers={everything}"):
        response = client_as(caller).get(path)
        assert response.status_code == 200, path
        for name in names_of_hidden(caller):
            assert name not in response.content.decode(), (path, name)
    preview = client_as(caller).get(f"/tiles/preview/?layers={everything}").content.decode()
    assert "land-use-plan" in preview  # the public one is still drawn


# ---- tiles metadata -----------------------------------------------------------------------------

@pytest.mark.parametrize("caller", ["anonymous", "outsider", "official"], indirect=True)
def test_a_hidden_layers_style_and_tilejson_answer_exactly_like_an_unknown_one(world, caller):
    client = client_as(caller)
    for hidden, unknown in (("/tiles/dengue.json", "/tiles/no-such-layer.json"),
                            ("/tiles/styles/dengue.json", "/tiles/styles/no-such-layer.json"),
                            ("/tiles/schools,dengue.json", "/tiles/schools,no-such-layer.json"),
                            ("/tiles/styles/schools,dengue.json", "/tiles/styles/schools,no-such-layer.json"),
                            ("/tiles/schools,dengue/12/3258/1927.pbf",
                             "/tiles/schools,no-such-layer/12/3258/1927.pbf")):
        answer, expected = client.get(hidden), client.get(unknown)
        assert (answer.status_code, answer.content) == (expected.status_code, expected.content), hidden
        assert answer.status_code == 404 and answer.json()["code"] == "layer_not_found"
        assert b"dengue" not in answer.content and "Lớp dengue".encode() not in answer.content


def test_the_health_officer_gets_the_restricted_style_and_tilejson(world, health_officer):
    client = client_as(health_officer)
    tiles = client.get("/tiles/schools,dengue.json").json()["tiles"]
    assert tiles[0].startswith("http://testserver/tiles/schools,dengue/")
    assert client.get("/tiles/styles/dengue.json").status_code == 200


def test_a_basemap_with_an_internal_layer_is_private_and_unnamed_for_others(official):
    make_layer("admin-province", geometry_type="Polygon")
    make_layer("rivers", access=Access.INTERNAL, geometry_type="LineString", title_vi="Sông nội bộ")
    anonymous = Client().get("/tiles/styles/basemap.json")
    staff = client_as(official).get("/tiles/styles/basemap.json")
    assert b"rivers" not in anonymous.content and "Sông nội bộ".encode() not in anonymous.content
    assert anonymous["Cache-Control"].startswith("public")
    assert "rivers" in staff.json()["sources"]["base"]["url"]
    assert staff["Cache-Control"].startswith("private")


# ---- the wall -------------------------------------------------------------------------------------

def _kpi(pid: str, layer: str, title: str, at: tuple[int, int]) -> dict:
    return {"id": pid, "kind": "kpi", "row": at[0], "col": at[1], "title_vi": title, "title_en": title,
            "query": {"layer": layer}}


def _map(layers: list[str], at: tuple[int, int]) -> dict:
    return {"id": "map", "kind": "map", "row": at[0], "col": at[1], "title_vi": "Bản đồ", "title_en": "Map",
            "query": {"layers": [{"layer": slug} for slug in layers]}}


CLOCK = {"id": "clock", "kind": "clock", "row": 1, "col": 1, "title_vi": "Giờ", "title_en": "Time"}
GRID = {"rows": 2, "cols": 2}
# slug, title, panels, seconds in the playlist
LOBBY = [
    ("open", "Cảnh công khai", [_kpi("pupils", "schools", "Số trường", (0, 0)), CLOCK], 10),
    ("internal", "Cảnh sự cố nội bộ", [_kpi("crashes", "incidents", "Va chạm nội bộ", (0, 0)),
                                       _map(["schools", "incidents"], (0, 1)), CLOCK], 20),
    ("health", "Cảnh sốt xuất huyết",
     [_kpi("dengue-cases", "dengue", "Ca sốt xuất huyết", (0, 0)), CLOCK], 30),
    ("mixed", "Cảnh hỗn hợp", [_kpi("pupils", "schools", "Số trường", (0, 0)),
                               _kpi("dengue-cases", "dengue", "Ca sốt xuất huyết", (1, 0)),
                               _map(["schools", "incidents"], (0, 1)), CLOCK], 40),
]
SHOWN = {"anonymous": ["open", "mixed"], "outsider": ["open", "mixed"],
         "official": ["open", "internal", "mixed"], "health_officer": ["open", "health", "mixed"]}


@pytest.fixture
def lobby(world) -> Playlist:
    playlist = Playlist.objects.create(slug="lobby", title_vi="Sảnh", title_en="Lobby")
    for order, (slug, title, panels, seconds) in enumerate(LOBBY):
        scene = Scene.objects.create(slug=slug, title_vi=title, title_en=title,
                                     layout={"grid": GRID, "panels": panels})
        scene.full_clean()
        PlaylistEntry.objects.create(playlist=playlist, scene=scene, order=order, duration_seconds=seconds)
    return playlist


def at_second(playlist: Playlist, second: float) -> None:
    """Put the shared playlist `second` seconds into its first cycle, playing."""
    ensure_state(playlist)
    WallState.objects.filter(playlist=playlist).update(position=0, paused=False,
                                                       started_at=timezone.now() - timedelta(seconds=second))


def hidden_scene_names(actor: str) -> list[str]:
    return [name for slug, title, _p, _s in LOBBY if slug not in SHOWN[actor]
            for name in (f'"{slug}"', title)]


@pytest.mark.parametrize("caller", ACTORS, indirect=True)
def test_the_playlist_state_lists_only_the_callers_scenes_and_names_no_other(lobby, caller, request):
    actor = request.node.callspec.params["caller"]
    response = client_as(caller).get("/api/wall/playlists/lobby/state")
    body = response.json()
    assert [s["slug"] for s in body["scenes"]] == SHOWN[actor]
    for name in hidden_scene_names(actor) + names_of_hidden(caller):
        assert name not in response.content.decode(), name


@pytest.mark.parametrize("caller", ACTORS, indirect=True)
def test_scene_data_leaves_out_hidden_panels_entirely(lobby, caller, request):
    actor = request.node.callspec.params["caller"]
    response = client_as(caller).get("/api/wall/scenes/mixed/data")
    panels = {p["id"]: p for p in response.json()["panels"]}
    sees_dengue = actor == "health_officer"
    assert set(panels) == {"pupils", "map", "clock"} | ({"dengue-cases"} if sees_dengue else set())
    assert [la["slug"] for la in panels["map"]["data"]["layers"]] == (
        ["schools", "incidents"] if actor == "official" else ["schools"])
    text = response.content.decode()
    assert '"hidden"' not in text
    if not sees_dengue:
        assert "Ca sốt xuất huyết" not in text and "dengue" not in text
    for name in names_of_hidden(caller):
        assert name not in text, name


def test_a_map_cut_down_for_the_caller_is_titled_by_the_layers_it_still_draws(lobby, api, official):
    """The author's title describes the whole map; a caller shown part of it gets the titles of what
    it draws instead, never words about the layers dropped."""
    mixed = Scene.objects.get(slug="mixed")
    mixed.layout["panels"][2] |= {"title_vi": "Sự cố giao thông nội bộ", "title_en": "Internal incidents"}
    mixed.save()
    anonymous_map = {p["id"]: p for p in api.get("/api/wall/scenes/mixed/data").json()["panels"]}["map"]
    assert (anonymous_map["title_vi"], anonymous_map["title_en"]) == ("Lớp schools", "Layer schools")
    staff_map = {p["id"]: p for p in client_as(official).get("/api/wall/scenes/mixed/data").json()["panels"]}["map"]
    assert (staff_map["title_vi"], staff_map["title_en"]) == ("Sự cố giao thông nội bộ", "Internal incidents")


@pytest.mark.parametrize("caller", ACTORS, indirect=True)
def test_a_scene_hidden_from_the_caller_answers_exactly_like_an_unknown_one(lobby, caller, request):
    actor = request.node.callspec.params["caller"]
    client = client_as(caller)
    for slug, *_rest in LOBBY:
        if slug in SHOWN[actor]:
            assert client.get(f"/api/wall/scenes/{slug}/data").status_code == 200
            assert client.get(f"/wall/?scene={slug}").status_code == 200
            continue
        for path in ("/api/wall/scenes/{}/data", "/wall/?scene={}"):
            answer, unknown = client.get(path.format(slug)), client.get(path.format("no-such-scene"))
            assert (answer.status_code, answer.content) == (unknown.status_code, unknown.content), path
            assert answer.json()["code"] == "scene_not_found"
            assert answer["Content-Type"] == unknown["Content-Type"]


def test_an_anonymous_lobby_wall_skips_scenes_with_nothing_for_it_and_follows_the_shared_clock(lobby, api):
    # The shared cycle: open 0-10 s, internal 10-30 s, health 30-60 s, mixed 60-100 s.
    for second, scene, position, ends_in in ((5, "open", 0, 5), (15, "mixed", 1, 85), (45, "mixed", 1, 55),
                                             (75, "mixed", 1, 25), (105, "open", 0, 5)):
        at_second(lobby, second)
        started = WallState.objects.get(playlist=lobby).started_at
        body = api.get("/api/wall/playlists/lobby/state").json()
        assert (body["scene"], body["position"]) == (scene, position), second
        # Against the shared state's start, not the server's clock: a loaded machine may take seconds
        # between setting the state and answering, and the slot's end does not move with that.
        assert datetime.fromisoformat(body["ends_at"]) == started + timedelta(seconds=second + ends_in), second


def test_every_wall_follows_the_shared_playlist_its_own_way(lobby, official, health_officer):
    at_second(lobby, 15)  # the shared playlist is on the internal scene
    assert [client_as(u).get("/api/wall/playlists/lobby/state").json()["scene"]
            for u in (None, official, health_officer)] == ["mixed", "internal", "health"]


def test_a_walls_scene_started_when_the_hidden_scenes_before_it_did():
    state = WallState(position=0, started_at=timezone.now() - timedelta(seconds=75))
    now = state.started_at + timedelta(seconds=75)
    showing = now_showing([10, 20, 30, 40], [True, False, False, True], state, now)
    assert showing.position == 3
    assert (showing.started_at - state.started_at).total_seconds() == pytest.approx(10)
    assert (showing.ends_at - state.started_at).total_seconds() == pytest.approx(100)
    paused = WallState(position=1, started_at=state.started_at, paused=True)
    assert now_showing([10, 20, 30, 40], [True, False, False, True], paused, now).position == 3
    assert now_showing([10, 20], [False, False], state, now) is None


def test_a_playlist_with_nothing_for_the_caller_answers_like_an_empty_one(world, api):
    playlist = Playlist.objects.create(slug="staff-only", title_vi="Nội bộ", title_en="Staff only")
    scene = Scene.objects.create(slug="internal", title_vi="Nội bộ", title_en="Internal",
                                 layout={"grid": GRID, "panels": [_kpi("crashes", "incidents", "Va chạm",
                                                                       (0, 0))]})
    PlaylistEntry.objects.create(playlist=playlist, scene=scene)
    Playlist.objects.create(slug="empty", title_vi="Trống", title_en="Empty")
    answer = api.get("/api/wall/playlists/staff-only/state")
    empty = api.get("/api/wall/playlists/empty/state")
    assert (answer.status_code, answer.content) == (empty.status_code, empty.content)
    assert answer.json()["code"] == "playlist_empty"


def test_an_operator_steps_through_the_scenes_of_their_own_wall(lobby, official):
    client = client_as(official)
    at_second(lobby, 15)  # on the internal scene
    stepped = client.post("/api/wall/playlists/lobby/control", {"action": "next"},
                          content_type="application/json")
    assert stepped.json()["scene"] == "mixed"  # the health scene is not on the official's wall
    assert WallState.objects.get(playlist=lobby).position == 3
    back = client.post("/api/wall/playlists/lobby/control", {"action": "goto", "position": 1},
                       content_type="application/json").json()
    assert (back["scene"], back["position"]) == ("internal", 1)
    assert "Cảnh sốt xuất huyết" not in json.dumps(back, ensure_ascii=False)


def test_editing_a_hidden_panel_does_not_change_the_version_others_poll(lobby, api, health_officer, settings):
    # A live scene's stamp holds the minute (its windows slide): a clock pinned for the test, else a
    # minute turning between the two reads changed it as much as the edit did.
    settings.WALL_NOW = "2026-03-02T09:30:00+07:00"
    before = (api.get("/api/wall/scenes/mixed/data")["ETag"],
              client_as(health_officer).get("/api/wall/scenes/mixed/data")["ETag"])
    scene = Scene.objects.get(slug="mixed")
    scene.layout["panels"][1]["title_vi"] = "Ca sốt xuất huyết tuần này"
    scene.save()
    after = (api.get("/api/wall/scenes/mixed/data")["ETag"],
             client_as(health_officer).get("/api/wall/scenes/mixed/data")["ETag"])
    assert after[0] == before[0]
    assert after[1] != before[1]
