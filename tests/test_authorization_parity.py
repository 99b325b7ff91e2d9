"""The authorization-parity suite: every way into the platform (tests/channels.py, one row per URL
pattern) × every kind of caller × every access level. A layer the caller may not see answers byte for
byte like a layer that does not exist, for reads and writes; nothing names it; a refused write writes
nothing; a visibility flip and a cache warmed by an allowed caller change none of this.

The world is built once per module and committed (tests.channels.build_world); each test runs in a
transaction rolled back at its end, so writes that are let through leave nothing behind. The flip
tests need committed changes and the WSGI application (the tile edge): tests/test_authorization_parity_flip.py.
"""

import json

import pytest

from tests import channels
from tests.channels import (
    CALLER,
    CALLERS,
    LAYER_ROWS,
    LEVELS,
    NAMES,
    OGC_TILE,
    OTHER_ROWS,
    ROWS,
    STEWARD_SEEING,
    SUPERUSER,
    TILE,
    UNKNOWN_SLUG,
    Caller,
    Row,
    Target,
    World,
    answer,
    body_of,
    build_world,
    footprint,
    leaks,
    project_patterns,
    secrets_of,
    tear_down_world,
)

def _case(case_id: str, *values):
    return pytest.param(*values, id=case_id)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> World:
    with django_db_blocker.unblock():
        built = build_world(tmp_path_factory.mktemp("parity-exports"))
        for caller in CALLERS + [SUPERUSER, STEWARD_SEEING]:
            caller.client(built)  # sessions committed with the world
        yield built
        tear_down_world(built)


@pytest.fixture(autouse=True)
def _quick_health_check(settings):
    settings.HEALTHZ_CELERY_TIMEOUT = 0.2  # no worker runs for this module: do not wait 2 s per call


def qualifies(caller: Caller, who: str) -> bool:
    return who == "anyone" or who in caller.roles or "superuser" in caller.roles


def assert_in_error_shape(response) -> None:
    body = json.loads(body_of(response))
    if isinstance(body, list):  # Open311's error list (feedback.open311.errors): its `error` is our code
        body = {"detail": body[0]["description"], "code": body[0]["error"]}
    assert isinstance(body.get("detail"), str) and isinstance(body.get("code"), str), body


def assert_refused(row: Row, caller: Caller, response) -> None:
    """A caller the channel is not for: a login redirect for a page, else 401/403 in the error shape."""
    status = response.status_code
    if caller.refused:
        assert status == caller.refused, (status, body_of(response)[:300])
        assert_in_error_shape(response)
    elif row.page and status == 302:
        assert response["Location"].startswith("/accounts/login/"), response["Location"]
    elif row.job and status == 404:
        assert json.loads(body_of(response))["code"] == "not_found", body_of(response)[:300]
    else:
        assert status in (401, 403), (status, body_of(response)[:300])
        assert_in_error_shape(response)


def assert_allowed(row: Row, caller: Caller, response) -> None:
    if caller.refused or not qualifies(caller, row.who):
        assert_refused(row, caller, response)
    else:
        assert response.status_code in row.allowed, (response.status_code, body_of(response)[:300])


HIDDEN_CASES = [_case(f"{c.name}-{lv}-{r.id}", r, c, lv) for r in LAYER_ROWS for c in CALLERS for lv in LEVELS
                if lv not in c.sees]
VISIBLE_CASES = [_case(f"{c.name}-{lv}-{r.id}", r, c, lv) for r in LAYER_ROWS for c in CALLERS + [SUPERUSER]
                 for lv in LEVELS if lv in c.sees]
OTHER_CASES = [_case(f"{c.name}-{r.id}", r, c) for r in OTHER_ROWS for c in CALLERS + [SUPERUSER]]


# --- 1. The table covers the project -----------------------------------------------------------------


def test_every_url_pattern_of_the_project_has_a_row():
    patterns = set(project_patterns())
    described = {row.pattern for row in ROWS} | {channels.ADMIN_PREFIX}
    assert patterns - described == set(), "URL patterns without a row in tests/channels.py"
    assert described - patterns == set(), "rows of tests/channels.py for URL patterns that no longer exist"


def test_every_url_pattern_is_tried_for_reads_or_writes_by_every_caller():
    assert {row.kind for row in ROWS} == {"read", "write"}
    assert len(CALLERS) == len({c.name for c in CALLERS})
    assert all(row.who in ("anyone", "signed-in", "staff", "steward", "owner", "superuser") for row in ROWS)


# --- 3, 4. Every layered row: a hidden layer answers like an unknown one, for reads and writes --------


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "caller", "level"), HIDDEN_CASES)
def test_a_layer_the_caller_may_not_see_answers_like_an_unknown_one(world, row, caller, level):
    client = caller.client(world)
    unknown = row.call(client, world.unknown_like(level))
    before = footprint()
    hidden = row.call(client, world.targets[level])
    assert footprint() == before, "a refused request wrote something"
    assert answer(hidden, world.targets[level].slug) == answer(unknown, UNKNOWN_SLUG)
    assert leaks(hidden, secrets_of(level)) == []
    assert hidden.status_code >= 400 or row.method == "POST" and hidden.status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "caller", "level"), VISIBLE_CASES)
def test_a_layer_the_caller_may_see_answers_as_the_channel_allows(world, row, caller, level):
    before = footprint()
    response = row.call(caller.client(world), world.targets[level])
    assert_allowed(row, caller, response)
    if response.status_code >= 400 and row.kind == "write":
        assert footprint() == before, "a refused request wrote something"
    hidden_levels = [lv for lv in LEVELS if lv not in caller.sees]
    assert leaks(response, [t for lv in hidden_levels for t in secrets_of(lv)]) == []


# --- Rows that concern no single layer: allowed or refused as they should be, and naming nothing hidden


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "caller"), OTHER_CASES)
def test_a_channel_over_many_layers_names_none_the_caller_may_not_see(world, row, caller):
    before = footprint()
    response = row.call(caller.client(world), Target(UNKNOWN_SLUG))
    assert_allowed(row, caller, response)
    if row.kind == "write" and response.status_code >= 400:
        assert footprint() == before, "a refused request wrote something"
    hidden_levels = [lv for lv in LEVELS if lv not in caller.sees]
    hidden_slugs = [NAMES[lv]["slug"] for lv in hidden_levels]
    assert leaks(response, [t for lv in hidden_levels for t in secrets_of(lv)] + hidden_slugs) == []


@pytest.mark.django_db
def test_the_names_this_suite_looks_for_do_reach_a_caller_who_may_see_them(world):
    """The leak checks above can fail: the same channels do carry these names to the superuser."""
    root = SUPERUSER.client(world)
    assert leaks(root.get("/api/layers/"), secrets_of("restricted")[:2]) != []
    assert leaks(root.get("/api/search/", {"q": "Q7"}), [NAMES["restricted"]["name"]]) != []
    assert leaks(root.get(f"/api/exports/{world.targets['restricted'].export_id}/download"),
                 [NAMES["restricted"]["note"]]) != []
    assert leaks(root.get("/api/wall/scenes/parity-mixed/data"), [channels.SECRET_PANEL["title_vi"]]) != []


# --- 4. Writes by a steward who may see the layer but whose department does not own it ---------------

OWNERSHIP_ROWS = [row for row in LAYER_ROWS if row.kind == "write" and row.who == "owner"]
OWNERSHIP_CASES = [_case(f"steward-seeing-restricted-{row.id}", row) for row in OWNERSHIP_ROWS]


@pytest.mark.django_db
@pytest.mark.parametrize("row", OWNERSHIP_CASES)
def test_a_steward_who_may_see_a_layer_but_does_not_own_it_may_not_write_it(world, row):
    before = footprint()
    response = row.call(STEWARD_SEEING.client(world), world.targets["restricted"])
    # Not theirs to write: 403, or for a job of that layer, the answer of an unknown job.
    assert response.status_code == (404 if row.job else 403), (response.status_code, body_of(response)[:300])
    assert_in_error_shape(response)
    assert footprint() == before


# --- The admin: one family of generated patterns -----------------------------------------------------


def _admin_urls(world: World) -> dict[str, str]:
    secret = world.layers["restricted"].pk
    return {"index": "/admin/", "changelist": "/admin/layers/layer/", "change": f"/admin/layers/layer/{secret}/change/",
            "add": "/admin/layers/layer/add/", "delete": f"/admin/layers/layer/{secret}/delete/",
            "features": "/admin/layers/feature/"}


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.name)
def test_the_admin_lets_no_one_but_its_staff_in_and_names_no_hidden_layer(world, caller):
    client = caller.client(world)
    hidden = [t for lv in LEVELS if lv not in caller.sees for t in secrets_of(lv)]
    for page, url in _admin_urls(world).items():
        response = client.get(url)
        if caller.refused:
            assert response.status_code == caller.refused, (page, response.status_code)
        elif "staff" not in caller.roles:  # anonymous, outsiders, inactive accounts: the admin's sign-in
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), page
        elif page == "index":
            assert response.status_code == 200
        else:  # staff without any of the admin's permissions
            assert response.status_code == 403, (page, response.status_code)
        assert leaks(response, hidden + [NAMES[lv]["slug"] for lv in LEVELS if lv not in caller.sees]) == [], page
    before = footprint()
    secret = world.layers["restricted"]
    changed = client.post(_admin_urls(world)["change"], {"slug": secret.slug, "title_vi": "x", "access": "public"})
    deleted = client.post(_admin_urls(world)["delete"], {"post": "yes"})
    for response in (changed, deleted):
        assert response.status_code in (302, 401, 403)
        assert response.status_code != 302 or response["Location"].startswith("/admin/login/")
    assert footprint() == before


@pytest.mark.django_db
def test_the_admin_is_reached_by_its_superuser(world):
    """The admin URLs above are the real ones: the superuser gets each of them."""
    client = SUPERUSER.client(world)
    for page, url in _admin_urls(world).items():
        assert client.get(url).status_code == 200, page


@pytest.mark.django_db
def test_the_admin_shows_and_changes_no_layer_its_staff_may_not_see(world):
    """Staff with the admin's layer permissions (a department's steward, say), not in the restricted
    layer's group: the admin is a write channel like the others and asks the same rule."""
    from django.contrib.auth.models import Permission, User

    steward = User.objects.create_user("parity-admin-steward", password="pw", is_staff=True)
    steward.user_permissions.set(Permission.objects.filter(
        content_type__app_label="layers", codename__in=["view_layer", "change_layer", "delete_layer"]))
    client = channels.Client()
    client.force_login(steward)
    hidden = secrets_of("restricted")  # staff: internal layers are theirs to see
    listing = client.get("/admin/layers/layer/")
    assert listing.status_code == 200
    assert leaks(listing, hidden + [NAMES["restricted"]["slug"]]) == []
    secret = world.layers["restricted"]
    unknown_pk = channels.NO_SUCH_ID
    for page in ("change", "delete", "history"):
        shown = client.get(f"/admin/layers/layer/{secret.pk}/{page}/")
        missing = client.get(f"/admin/layers/layer/{unknown_pk}/{page}/")
        assert (shown.status_code, shown.get("Location")) == (missing.status_code, missing.get("Location")), page
        assert leaks(shown, hidden) == [], page
    before = footprint()
    client.post(f"/admin/layers/layer/{secret.pk}/delete/", {"post": "yes"})
    assert footprint() == before


# --- 6. A cache warmed by an allowed caller first -------------------------------------------------------

WARMED = {
    "tile": lambda s, w: f"/tiles/{s}/{TILE}.pbf",
    "features": lambda s, w: f"/api/layers/{s}/features/",
    "feature": lambda s, w: f"/api/layers/{s}/features/{w.targets['restricted'].point_id}/",
    "tilejson": lambda s, w: f"/tiles/{s}.json",
    "style": lambda s, w: f"/tiles/styles/{s}.json",
    "export": lambda s, w: f"/api/layers/{s}/export.csv",
    "summary": lambda s, w: f"/api/layers/{s}/features/{w.targets['restricted'].square_id}/summary/",
    "ogc-items": lambda s, w: f"/ogc/collections/{s}/items",
    "ogc-tile": lambda s, w: f"/ogc/collections/{s}/tiles/WebMercatorQuad/{OGC_TILE}?f=mvt",
}


@pytest.mark.django_db
@pytest.mark.parametrize("other", ["anonymous", "outsider", "staff-token", "steward-other"])
@pytest.mark.parametrize("channel", sorted(WARMED))
def test_a_cache_warmed_by_an_allowed_caller_is_never_served_to_another(world, channel, other):
    secret = world.targets["restricted"].slug
    url = WARMED[channel](secret, world)
    member = CALLER["member"].client(world)
    warm = [member.get(url) for _ in range(2)]
    assert all(r.status_code == 200 for r in warm)
    etag = warm[-1].get("ETag")
    client = CALLER[other].client(world)
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    response = client.get(url, **headers)
    unknown = client.get(WARMED[channel](UNKNOWN_SLUG, world), **headers)
    assert response.status_code != 304
    assert answer(response, secret) == answer(unknown, UNKNOWN_SLUG)
    assert leaks(response, secrets_of("restricted")) == []
    counts = client.get("/api/counts/", {"bbox": "106.3,10.4,106.5,10.6"})
    assert leaks(counts, [secret]) == []
