"""The authorization-parity table: every URL pattern of the project, how to reach it for a given layer,
who may use it and what "allowed" looks like; the callers; and a small world with distinctive names.

tests/test_authorization_parity.py walks this table. A URL pattern added to the project without a
row here fails `test_every_url_pattern_of_the_project_has_a_row` until it is described.
"""

import copy
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import GEOSGeometry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image

from dashboard.models import Bookmark
from feedback.categories import ensure_categories
from layers.catalog import publish_changes
from layers.models import Access, Department, ExportJob, Feature, ImportJob, JobStatus, Layer
from layers.tokens import create_token
from monitoring import alert_layers
from monitoring.models import (
    AdminUnit,
    AlertEvent,
    AlertRule,
    AlertState,
    BoundaryVersion,
    Indicator,
    NotificationChannel,
    Service,
    Silence,
    Submission,
    Value,
)
from wall.control import ensure_state
from wall.models import Playlist, PlaylistEntry, Scene, WallState

LEVELS = ("public", "internal", "restricted")
UNKNOWN_SLUG = "parity-nowhere"
NO_SUCH_ID = 2_000_000_000
# A z12 tile holding every feature of the world (the point 106.41 10.54 and its small square).
TILE = "12/3258/1927"
OGC_TILE = "12/1927/3258"  # the same tile as OGC API - Tiles names it: tileMatrix/tileRow/tileCol

# Distinctive on purpose: any of these in the bytes of an answer to a caller who may not see the layer
# is a leak, wherever it appears (body or header). ASCII tags too, for JSON written with \u escapes.
NAMES = {
    "public": {"slug": "parity-open", "title_vi": "Công-khai-PUB-Q7", "title_en": "Open-PUB-Q7",
               "name": "Điểm-công-khai-PUB-Q7", "note": "ghi-chú-PUB-Q7-note", "zone": "Vùng-PUB-Q7"},
    "internal": {"slug": "parity-inside", "title_vi": "Nội-bộ-INT-Q7", "title_en": "Inside-INT-Q7",
                 "name": "Điểm-nội-bộ-INT-Q7", "note": "ghi-chú-INT-Q7-note", "zone": "Vùng-INT-Q7"},
    "restricted": {"slug": "parity-secret", "title_vi": "Bí-mật-XYZ-Q7", "title_en": "Secret-XYZ-Q7",
                   "name": "Điểm-bí-mật-XYZ-Q7", "note": "ghi-chú-XYZ-Q7-note", "zone": "Vùng-XYZ-Q7"},
}
# Wall panels and scenes over the restricted layer: their titles are hidden names too.
SECRET_PANEL = {"title_vi": "Bảng-bí-mật-PNL-Q7", "title_en": "Secret-panel-PNL-Q7"}
SECRET_SCENE = {"slug": "parity-hush-scene", "title_vi": "Cảnh-bí-mật-SCN-Q7", "title_en": "Secret-scene-SCN-Q7"}
POINT = "POINT(106.41 10.54)"
SQUARE = "POLYGON((106.405 10.535, 106.415 10.535, 106.415 10.545, 106.405 10.545, 106.405 10.535))"
AROUND = {"type": "Polygon", "coordinates": [[[106.40, 10.53], [106.42, 10.53], [106.42, 10.55],
                                             [106.40, 10.55], [106.40, 10.53]]]}
SCHEMA = [
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "note", "type": "string", "label_vi": "Ghi chú", "label_en": "Note"},
]
GEOJSON_FILE = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.41, 10.54]},
     "properties": {"name": "mới"}}]}).encode()


def secrets_of(level: str) -> list[str]:
    """Every text that names the layer of this level or its data (the slug apart: see `parity`)."""
    names = NAMES[level]
    texts = [names[k] for k in ("title_vi", "title_en", "name", "note", "zone")]
    if level == "restricted":
        texts += list(SECRET_PANEL.values()) + [SECRET_SCENE["title_vi"], SECRET_SCENE["title_en"]]
    return texts


# ---------------------------------------------------------------------------------------------------
# The world: three layers (one per access level), each with a point and a square, an export job, an
# import job waiting for input, a wall scene and playlist; the callers' users and tokens.


@dataclass
class Target:
    """What fills a URL for one layer (or for the unknown one)."""

    slug: str
    point_id: int = NO_SUCH_ID
    square_id: int = NO_SUCH_ID
    export_id: int = NO_SUCH_ID
    import_id: int = NO_SUCH_ID
    submission_id: int = NO_SUCH_ID
    rule_id: int = NO_SUCH_ID
    event_id: int = NO_SUCH_ID


@dataclass
class World:
    layers: dict[str, Layer]
    targets: dict[str, Target]
    users: dict[str, User]
    tokens: dict[str, str]
    groups: dict[str, Group]
    created: list = field(default_factory=list)
    clients: dict[str, Client] = field(default_factory=dict)
    cookies: dict[str, object] = field(default_factory=dict)

    def unknown_like(self, level: str) -> Target:
        """The unknown layer, with the feature ids of `level`'s layer: a hidden feature id and an
        unknown one must answer alike too."""
        hidden = self.targets[level]
        return Target(UNKNOWN_SLUG, point_id=hidden.point_id, square_id=hidden.square_id,
                      submission_id=hidden.submission_id + NO_SUCH_ID // 2,
                      rule_id=hidden.rule_id + NO_SUCH_ID // 2, event_id=hidden.event_id + NO_SUCH_ID // 2)


def _layer(level: str, groups: list[Group]) -> Layer:
    names = NAMES[level]
    layer = Layer.objects.create(
        slug=names["slug"], title_vi=names["title_vi"], title_en=names["title_en"], access=level,
        domain="health", geometry_type="Geometry", property_schema=SCHEMA,
        style={"type": "circle", "color": "#1f78b4"}, source_department="Sở Y tế",
    )
    if level == Access.RESTRICTED:
        layer.groups.set(groups)
    Feature.objects.bulk_create([
        Feature(layer=layer, source_id="p1", geom=GEOSGeometry(POINT, srid=4326),
                properties={"name": names["name"], "note": names["note"]}),
        Feature(layer=layer, source_id="z1", geom=GEOSGeometry(SQUARE, srid=4326),
                properties={"name": names["zone"], "note": names["note"]}),
    ])
    return publish_changes(layer)


def _export_job(layer: Layer, directory: Path) -> ExportJob:
    path = directory / f"{layer.slug}.csv"
    path.write_text(f"name,note\n{NAMES[layer.access]['name']},{NAMES[layer.access]['note']}\n", encoding="utf-8")
    return ExportJob.objects.create(layer=layer, layer_version=layer.version, fmt="csv", crs="EPSG:4326",
                                    status=JobStatus.SUCCEEDED, file_path=str(path))


def _import_job(layer: Layer) -> ImportJob:
    # Waiting, with a preview (what GET /api/imports/{id}/style/ draws) and a question (what the confirm answers).
    preview = {"features": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.41, 10.54]}, "properties": {}}]},
        "style": {"type": "circle", "color": "#1f78b4"}}
    return ImportJob.objects.create(layer_slug=layer.slug, file_name=f"{NAMES[layer.access]['note']}.geojson",
                                    status=JobStatus.NEEDS_INPUT, report={"needs": ["crs"], "choices": {"preview": preview}})


def _group(name: str, world_created: list) -> Group:
    group, made = Group.objects.get_or_create(name=name)
    if made:
        world_created.append(group)
    return group


def _department(code: str, created: list) -> Department:
    group = _group(f"parity-dept-{code}", created)
    return Department.objects.create(code=f"parity-{code}", group=group, name_vi=f"Sở {code}",
                                      name_en=f"Department {code}")


def _steward(user: User, department: Department) -> User:
    user.groups.add(department.group)
    department.stewards.add(user)
    return user


def make_steward_of_another_department(username: str, other: Department) -> User:
    """A steward of department `other` (imports, zones), which owns none of the world's layers: may
    write in general, may not see the restricted layer."""
    return _steward(User.objects.create_user(username, password="pw"), other)


def make_steward_who_sees_but_does_not_own(username: str, other: Department, sees: Group) -> User:
    """A steward of another department who may see the restricted layer (a member of its group): the
    layer is not theirs to write."""
    user = make_steward_of_another_department(username, other)
    user.groups.add(sees)
    return user


def build_world(directory: Path) -> World:
    created: list = []
    health = _group("parity-health", created)
    owner, other = _department("owner", created), _department("other", created)
    layers = {level: _layer(level, [health]) for level in LEVELS}
    Layer.objects.filter(pk__in=[layer.pk for layer in layers.values()]).update(owner=owner)
    users = {
        "outsider": User.objects.create_user("parity-outsider", password="pw"),
        "staff": User.objects.create_user("parity-staff", password="pw", is_staff=True),
        "member": User.objects.create_user("parity-member", password="pw"),
        "steward-other": make_steward_of_another_department("parity-steward-other", other),
        "steward-seeing": make_steward_who_sees_but_does_not_own("parity-steward-seeing", other, health),
        # Everything but active: staff, in the restricted group, a steward. Must count for nothing.
        "inactive": User.objects.create_user("parity-inactive", password="pw", is_staff=True, is_active=False),
        "superuser": User.objects.create_superuser("parity-root", password="pw"),
    }
    users["member"].groups.add(health)
    users["inactive"].groups.add(health)
    _steward(users["inactive"], owner)
    targets = {}
    for level, layer in layers.items():
        ids = dict(Feature.objects.filter(layer=layer).values_list("source_id", "id"))
        targets[level] = Target(layer.slug, point_id=ids["p1"], square_id=ids["z1"],
                                export_id=_export_job(layer, directory).pk, import_id=_import_job(layer).pk)
    _wall(layers)
    for level, submission in _monitoring(layers, owner).items():
        targets[level].submission_id = submission.pk
    for level, event in _alerts(layers).items():
        targets[level].rule_id, targets[level].event_id = event.rule_id, event.pk
    tokens = {name: create_token(user) for name, user in users.items()}
    return World(layers=layers, targets=targets, users=users, tokens=tokens, groups={"health": health},
                 created=created)


def _kpi(pid: str, col: int, layer: str, titles: dict[str, str]) -> dict:
    return {"id": pid, "kind": "kpi", "row": 0, "col": col, "rows": 1, "cols": 1, **titles,
            "query": {"layer": layer}}


def _wall(layers: dict[str, Layer]) -> None:
    secret = layers["restricted"].slug
    mixed = Scene.objects.create(slug="parity-mixed", title_vi="Cảnh chung", title_en="Shared scene", layout={
        "grid": {"rows": 1, "cols": 3},
        "panels": [_kpi("open", 0, layers["public"].slug, {"title_vi": "Công khai", "title_en": "Open"}),
                   _kpi("secret", 1, secret, SECRET_PANEL),
                   {"id": "secret-map", "kind": "map", "row": 0, "col": 2, "rows": 1, "cols": 1, **SECRET_PANEL,
                    "query": {"layers": [{"layer": secret}]}}],
    })
    only_secret = Scene.objects.create(
        slug=SECRET_SCENE["slug"], title_vi=SECRET_SCENE["title_vi"], title_en=SECRET_SCENE["title_en"],
        layout={"grid": {"rows": 1, "cols": 1}, "panels": [_kpi("secret", 0, secret, SECRET_PANEL)]},
    )
    for scene in (mixed, only_secret):
        scene.full_clean()
    playlist = Playlist.objects.create(slug="parity-wall", title_vi="Tường", title_en="Wall")
    PlaylistEntry.objects.create(playlist=playlist, scene=mixed, order=0)
    PlaylistEntry.objects.create(playlist=playlist, scene=only_secret, order=1)
    ensure_state(playlist)


# Monitoring: each layer of the world is the layer of an indicator of the same slug and titles, with a
# value on a unit of its own and a submission waiting in preview.
UNIT_CODE = "99999"


def _monitoring(layers: dict[str, Layer], owner: Department) -> dict[str, Submission]:
    service = Service.objects.create(slug="parity-service", title_vi="Dịch vụ", title_en="Service", department=owner)
    version, _ = BoundaryVersion.objects.get_or_create(code="parity", defaults={
        "title_vi": "Bộ ranh giới", "title_en": "Boundary set", "valid_from": "2000-01-01"})
    unit = AdminUnit.objects.create(version=version, code=UNIT_CODE, level="commune", name="Xã Parity",
                                    short_name="Parity", match_name="parity", geom=GEOSGeometry(
                                        f"MULTIPOLYGON((({SQUARE[9:-2]})))", srid=4326))
    submissions = {}
    for level, layer in layers.items():
        names = NAMES[level]
        indicator = Indicator.objects.create(slug=layer.slug, service=service, title_vi=names["title_vi"],
                                             title_en=names["title_en"], unit="ca", access=level, layer=layer)
        Value.objects.create(indicator=indicator, unit=unit, period_start="2024-01-01", period_end="2024-02-01",
                             value=7, submitted_at="2024-02-03T10:00:00+07:00")
        submissions[level] = Submission.objects.create(indicator=indicator, department=owner, version=version,
                                                       channel="json", rows=[[unit.pk, "2024-02-01", 8.0]])
    return submissions


# Alerts: each layer of the world is watched by a rule of the same slug and titles, firing on the
# layer's square (its area named like the layer's zone) with an unacknowledged event; the firing
# alerts' layers (monitoring.alert_layers) are written from them.
FUTURE = "2099-01-01T00:00:00+07:00"


def _alerts(layers: dict[str, Layer]) -> dict[str, AlertEvent]:
    events = {}
    now = timezone.now()
    for level, layer in layers.items():
        names = NAMES[level]
        rule = AlertRule.objects.create(slug=layer.slug, title_vi=names["title_vi"], title_en=names["title_en"],
                                        metric="layer", layer=layer, aggregate="count", area_kind="zones",
                                        threshold=0)
        event = AlertEvent.objects.create(rule=rule, area_key="zone-z1", area_name=names["zone"], severity="warning",
                                          fired_at=now, fired_value=2, peak_value=2)
        AlertState.objects.create(rule=rule, area_key="zone-z1", area_name=names["zone"], status="firing", value=2,
                                  since=now, event=event, geom=GEOSGeometry(SQUARE, srid=4326))
        events[level] = event
    alert_layers.refresh()
    return events


def _new_rule(client: Client, target: Target):
    return _json_post(client, "/api/alerts/rules/", {
        "slug": "parity-new-rule", "title_vi": "Quy tắc mới", "title_en": "New rule", "metric": "layer",
        "layer": target.slug, "aggregate": "count", "area_kind": "units", "boundary": "parity", "units": [UNIT_CODE],
        "threshold": 1})


def _submit(client: Client, target: Target):
    return _json_post(client, "/api/indicators/submissions/",
                      {"indicator": target.slug, "rows": [{"unit": UNIT_CODE, "period": "2024-03", "value": 5}]})


def tear_down_world(world: World) -> None:
    """Undo build_world's committed rows (a transactional test may have flushed them already)."""
    Service.objects.filter(slug="parity-service").delete()
    BoundaryVersion.objects.filter(code="parity").delete()
    Playlist.objects.filter(slug="parity-wall").delete()
    Scene.objects.filter(slug__in=["parity-mixed", SECRET_SCENE["slug"]]).delete()
    ImportJob.objects.filter(layer_slug__in=[n["slug"] for n in NAMES.values()]).delete()
    Layer.objects.filter(slug__in=[n["slug"] for n in NAMES.values()]).delete()
    Layer.objects.filter(slug__in=alert_layers.alert_layer_slugs()).delete()
    User.objects.filter(username__startswith="parity-").delete()
    Group.objects.filter(pk__in=[g.pk for g in world.created]).delete()


# ---------------------------------------------------------------------------------------------------
# Callers


@dataclass(frozen=True)
class Caller:
    name: str
    user: str | None = None  # key of World.users
    via: str = "session"  # "session", "token", "none" or "bad-token"
    sees: frozenset = frozenset({"public"})
    refused: int | None = None  # the status every request gets (bad credentials)
    roles: frozenset = frozenset()  # "signed-in", "staff", "steward", "owner", "superuser"

    def client(self, world: World) -> Client:
        """This caller's client, made once per world: a new Client loads the middleware again, and
        WhiteNoise's scan of the static files alone costs about a second. Its session is made with
        the world, so it outlives each test's rolled-back transaction."""
        client = world.clients.get(self.name)
        if client is None:
            if self.via == "bad-token":
                client = Client(HTTP_AUTHORIZATION="Token nonsense")
            elif self.via == "token":
                client = Client(HTTP_AUTHORIZATION="Token " + world.tokens[self.user])
            else:
                client = Client()
                if self.via == "session":
                    client.force_login(world.users[self.user])
            world.clients[self.name] = client
            world.cookies[self.name] = copy.deepcopy(client.cookies)
        # As made: a row may have switched the language (set_language) or signed out (logout).
        client.cookies = copy.deepcopy(world.cookies[self.name])
        client.defaults.pop("HTTP_IF_NONE_MATCH", None)
        return client


_SIGNED = frozenset({"signed-in"})
CALLERS = [
    Caller("anonymous", via="none"),
    Caller("bad-token", via="bad-token", sees=frozenset(), refused=401),
    Caller("outsider", "outsider", roles=_SIGNED),
    Caller("outsider-token", "outsider", via="token", roles=_SIGNED),
    Caller("staff", "staff", sees=frozenset({"public", "internal"}), roles=_SIGNED | {"staff"}),
    Caller("staff-token", "staff", via="token", sees=frozenset({"public", "internal"}), roles=_SIGNED | {"staff"}),
    Caller("member", "member", sees=frozenset({"public", "restricted"}), roles=_SIGNED),
    Caller("member-token", "member", via="token", sees=frozenset({"public", "restricted"}), roles=_SIGNED),
    Caller("steward-other", "steward-other", roles=_SIGNED | {"steward"}),
    Caller("steward-other-token", "steward-other", via="token", roles=_SIGNED | {"steward"}),
    # A deactivated account's session counts as no session; its token is refused.
    Caller("inactive", "inactive"),
    Caller("inactive-token", "inactive", via="token", sees=frozenset(), refused=401),
]
CALLER = {c.name: c for c in CALLERS}
SUPERUSER = Caller("superuser", "superuser", sees=frozenset(LEVELS),
                   roles=frozenset({"signed-in", "staff", "steward", "owner", "superuser"}))
# The steward who may see the restricted layer but whose department does not own it (OWNERSHIP rows).
STEWARD_SEEING = Caller("steward-seeing", "steward-seeing", sees=frozenset({"public", "restricted"}),
                        roles=_SIGNED | {"steward"})


# ---------------------------------------------------------------------------------------------------
# The table


Call = Callable[[Client, Target], object]


@dataclass(frozen=True)
class Row:
    """One way in. `layered` rows are called for a layer of each access level and for the unknown
    slug; the others are called once and must name no layer the caller may not see."""

    pattern: str  # the URL pattern's name (tests/test_authorization_parity.py lists them)
    method: str
    kind: str  # "read" or "write"
    who: str  # "anyone", "signed-in", "staff", "steward" (of any department), "owner" (a steward of the
    #           department owning the layer), "superuser"
    allowed: tuple[int, ...]
    call: Call
    layered: bool = True
    page: bool = False  # a page: refusals may be a redirect to the sign-in page
    label: str = ""
    # A job of a layer the caller may not write is none of theirs: refused like an unknown job (404).
    job: bool = False

    @property
    def id(self) -> str:
        return f"{self.method} {self.label or self.pattern}"


def zones_on(call: Call) -> Call:
    """The zones rows concern the zones layer (settings.LAYERS_ZONES_LAYER): point it at the target."""
    def with_zones(client: Client, target: Target):
        with override_settings(LAYERS_ZONES_LAYER=target.slug):
            return call(client, target)
    return with_zones


def _json_post(client: Client, url: str, body: dict, method: str = "post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def _upload(client: Client, target: Target):
    upload = SimpleUploadedFile("new.geojson", GEOJSON_FILE, content_type="application/geo+json")
    return client.post("/api/imports/", {"file": upload, "layer": target.slug, "mode": "replace"})


def _zone_file(client: Client, target: Target):
    doc = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": AROUND, "properties": {"name": "vùng đề xuất"}}]}).encode()
    upload = SimpleUploadedFile("vung.geojson", doc, content_type="application/geo+json")
    return client.post("/api/analysis/zone-file/", {"file": upload})


def _superusers_check(client: Client, target: Target):
    """A compliance check kept for the superuser: only its author (and superusers) read it again."""
    from analysis.models import ComplianceCheck

    author = User.objects.get(username="parity-root")
    kept, _created = ComplianceCheck.objects.get_or_create(
        author=author, use="industrial", defaults={"zone": GEOSGeometry(json.dumps(AROUND), srid=4326), "area_ha": 4.8,
                                                   "verdict": "compatible", "findings": [], "versions": {}})
    return client.get(f"/api/analysis/compliance/{kept.pk}/")
def _print(client: Client):
    image = io.BytesIO()
    Image.new("RGB", (300, 200), "#cfe3f2").save(image, format="PNG")
    return client.post("/api/print.html", {
        "image": SimpleUploadedFile("map.png", image.getvalue(), content_type="image/png"),
        "bbox": "106.40,10.53,106.42,10.55", "layers": ",".join(NAMES[level]["slug"] for level in LEVELS)})


def _async_export(client: Client, target: Target):
    # Every export above 0 features is a queued job: the export becomes a write (an ExportJob row).
    with override_settings(LAYERS_EXPORT_ASYNC_FEATURES=0):
        return client.get(f"/api/layers/{target.slug}/export.gpkg")


LAYER_ROWS = [
    Row("layer-detail", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/api/layers/{t.slug}/")),
    Row("layer-features", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/api/layers/{t.slug}/features/")),
    Row("layer-feature", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/api/layers/{t.slug}/features/{t.point_id}/")),
    Row("layer-export", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/api/layers/{t.slug}/export.csv"),
        label="layer-export csv"),
    Row("layer-export", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/api/layers/{t.slug}/export.geojson"),
        label="layer-export geojson"),
    # The world's layers are vectors: a caller who may see one is told it has no raster (400).
    Row("layer-raster", "GET", "read", "anyone", (400,), lambda c, t: c.get(f"/api/layers/{t.slug}/raster.tif")),
    Row("layer-value", "GET", "read", "anyone", (400,),
        lambda c, t: c.get(f"/api/layers/{t.slug}/value", {"lon": "106.41", "lat": "10.54"})),
    Row("export-detail", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/api/exports/{t.export_id}/")),
    # The open-data portal publishes public layers only, whoever asks: a caller who may see an
    # internal or restricted layer still gets 404 there (tests/test_open_data_portal.py holds that).
    Row("portal-dataset", "GET", "read", "anyone", (200, 404), lambda c, t: c.get(f"/data/{t.slug}/"), page=True),
    Row("portal-package-show", "GET", "read", "anyone", (200, 404),
        lambda c, t: c.get("/data/api/3/action/package_show", {"id": t.slug})),
    Row("export-download", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/api/exports/{t.export_id}/download")),
    Row("feature-summary", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/api/layers/{t.slug}/features/{t.square_id}/summary/")),
    Row("analysis-proximity", "POST", "read", "anyone", (200,), lambda c, t: _json_post(
        c, "/api/analysis/proximity/", {"mode": "within", "layer": t.slug, "distance_m": 500, "near": {"geometry": AROUND}}),
        label="analysis-proximity within a polygon"),
    Row("analysis-proximity", "POST", "read", "anyone", (200,), lambda c, t: _json_post(
        c, "/api/analysis/proximity/", {"mode": "nearest", "layer": t.slug, "n": 2, "from": {"layer": t.slug}}),
        label="analysis-proximity nearest to a layer"),
    Row("analysis-proximity", "POST", "read", "anyone", (200,), lambda c, t: _json_post(
        c, "/api/analysis/proximity/", {"mode": "coverage", "layer": t.slug, "distance_m": 500, "units": t.slug}),
        label="analysis-proximity coverage per unit"),
    Row("analysis-aggregate", "POST", "read", "anyone", (200,), lambda c, t: _json_post(
        c, "/api/analysis/aggregate/", {"layer": t.slug, "units": t.slug, "op": "count"})),
    Row("tiles-tile", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/tiles/{t.slug}/{TILE}.pbf")),
    Row("tiles-tilejson", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/tiles/{t.slug}.json")),
    Row("tiles-style", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/tiles/styles/{t.slug}.json")),
    Row("ogc-collection", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/ogc/collections/{t.slug}")),
    Row("ogc-queryables", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/ogc/collections/{t.slug}/queryables")),
    Row("ogc-items", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/ogc/collections/{t.slug}/items")),
    Row("ogc-items", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/ogc/collections/{t.slug}/items", {"filter": "name LIKE '%Q7%'", "f": "html"}),
        label="ogc-items filtered html"),
    Row("ogc-item", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/ogc/collections/{t.slug}/items/{t.point_id}")),
    Row("ogc-tilesets", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/ogc/collections/{t.slug}/tiles")),
    Row("ogc-tileset", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/ogc/collections/{t.slug}/tiles/WebMercatorQuad")),
    Row("ogc-tile", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/ogc/collections/{t.slug}/tiles/WebMercatorQuad/{OGC_TILE}", {"f": "mvt"})),
    # Map tiles are a raster's: for the world's vector layers even a caller who may see one gets the
    # 404 of an unknown collection (rasters: tests/test_ogc_raster_collections.py).
    Row("ogc-map-tilesets", "GET", "read", "anyone", (404,), lambda c, t: c.get(f"/ogc/collections/{t.slug}/map/tiles")),
    Row("ogc-map-tileset", "GET", "read", "anyone", (404,),
        lambda c, t: c.get(f"/ogc/collections/{t.slug}/map/tiles/WebMercatorQuad")),
    Row("ogc-map-tile", "GET", "read", "anyone", (404,),
        lambda c, t: c.get(f"/ogc/collections/{t.slug}/map/tiles/WebMercatorQuad/{OGC_TILE}")),
    Row("import-detail", "GET", "read", "owner", (200,), lambda c, t: c.get(f"/api/imports/{t.import_id}/"),
        job=True),
    Row("zone-list", "GET", "read", "anyone", (200,), zones_on(lambda c, t: c.get("/api/zones/"))),
    Row("zone-detail", "GET", "read", "anyone", (200,), zones_on(lambda c, t: c.get(f"/api/zones/{t.square_id}/"))),
    # Writes.
    Row("import-list", "POST", "write", "owner", (202,), _upload),
    # A POST that stores nothing: the preview drawn in a draft style.
    Row("import-style", "POST", "write", "owner", (200,), lambda c, t: _json_post(
        c, f"/api/imports/{t.import_id}/style/", {"style": {"type": "circle", "color": "#6a3d9a"}}), job=True),
    Row("import-confirm", "POST", "write", "owner", (202,),
        lambda c, t: _json_post(c, f"/api/imports/{t.import_id}/confirm/", {"crs": "EPSG:4326"}), job=True),
    Row("zone-list", "POST", "write", "owner", (201,), zones_on(
        lambda c, t: _json_post(c, "/api/zones/", {"name": "Vùng mới", "geometry": AROUND}))),
    Row("zone-detail", "PATCH", "write", "owner", (200,), zones_on(
        lambda c, t: _json_post(c, f"/api/zones/{t.square_id}/", {"name": "Đổi tên"}, "patch"))),
    Row("zone-detail", "DELETE", "write", "owner", (204,), zones_on(
        lambda c, t: c.delete(f"/api/zones/{t.square_id}/"))),
    Row("layer-export", "GET", "write", "anyone", (202,), _async_export, label="layer-export queued job"),
    # A bookmark names layers: a hidden one is refused as an unknown one (dashboard.bookmarks).
    Row("bookmark-list", "POST", "write", "signed-in", (201,), lambda c, t: _json_post(
        c, "/api/bookmarks/", {"name": "Góc nhìn", "center": [106.41, 10.54], "zoom": 12, "layers": [t.slug]})),
    # History: the owner reads it; a rollback to a version never kept and a restore over a live layer
    # are refused (404, 409) without changing anything (the real ones: tests/test_layer_rollback.py,
    # tests/test_layer_restore.py).
    Row("layer-history", "GET", "read", "owner", (200,), lambda c, t: c.get(f"/api/layers/{t.slug}/history/")),
    Row("layer-rollback", "POST", "write", "owner", (404,),
        lambda c, t: _json_post(c, f"/api/layers/{t.slug}/rollback/", {"version": 1}),
        label="layer-rollback to a version not kept"),
    Row("layer-restore", "POST", "write", "owner", (409,), lambda c, t: c.post(f"/api/layers/{t.slug}/restore/"),
        label="layer-restore over a live layer"),
    # Write methods on read addresses: refused alike for every layer (405), nothing changes.
    Row("layer-detail", "DELETE", "write", "owner", (204,), lambda c, t: c.delete(f"/api/layers/{t.slug}/")),
    Row("layer-detail", "PATCH", "write", "owner", (200,),
        lambda c, t: _json_post(c, f"/api/layers/{t.slug}/", {"style": {"type": "circle", "color": "#33a02c"}}, "patch")),
    Row("layer-observations", "POST", "write", "owner", (200,), lambda c, t: _json_post(
        c, f"/api/layers/{t.slug}/observations/",
        {"type": "Feature", "id": "obs-1", "geometry": {"type": "Point", "coordinates": [106.41, 10.54]},
         "properties": {"name": "mới"}})),
    Row("layer-feature", "DELETE", "write", "anyone", (405,),
        lambda c, t: c.delete(f"/api/layers/{t.slug}/features/{t.point_id}/")),
    Row("tiles-tile", "POST", "write", "anyone", (405,), lambda c, t: c.post(f"/tiles/{t.slug}/{TILE}.pbf")),
    # Monitoring: an indicator is its layer, under the layer's access rule.
    Row("indicator-detail", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/api/indicators/{t.slug}/")),
    Row("indicator-values", "GET", "read", "anyone", (200,),
        lambda c, t: c.get(f"/api/indicators/{t.slug}/values/", {"boundary": "parity"})),
    Row("submission-list", "POST", "write", "owner", (201,), _submit, label="submission-list preview"),
    Row("submission-detail", "GET", "read", "owner", (200,),
        lambda c, t: c.get(f"/api/indicators/submissions/{t.submission_id}/"), job=True),
    Row("submission-publish", "POST", "write", "owner", (200,),
        lambda c, t: c.post(f"/api/indicators/submissions/{t.submission_id}/publish"), job=True),
    Row("submission-discard", "POST", "write", "owner", (200,),
        lambda c, t: c.post(f"/api/indicators/submissions/{t.submission_id}/discard"), job=True),
    Row("ogc-items", "POST", "write", "anyone", (405,),
        lambda c, t: _json_post(c, f"/ogc/collections/{t.slug}/items", {"type": "Feature"})),
    # Alerts: a rule is seen by whoever may see everything it names (here: its layer); it is written by
    # staff who may write that layer; an alert is acknowledged and a rule silenced by staff who see it.
    Row("alert-rule", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/api/alerts/rules/{t.rule_id}/")),
    Row("alert-rule", "PATCH", "write", "owner", (200,),
        lambda c, t: _json_post(c, f"/api/alerts/rules/{t.rule_id}/", {"threshold": 6}, "patch")),
    Row("alert-rules", "POST", "write", "owner", (201,), _new_rule, label="alert-rules create"),
    Row("alert-ack", "POST", "write", "staff", (200,),
        lambda c, t: _json_post(c, f"/api/alerts/{t.event_id}/ack", {"note": "Đã xem"})),
    Row("alert-silences", "POST", "write", "staff", (201,), lambda c, t: _json_post(
        c, "/api/alerts/silences/", {"rule": t.slug, "until": FUTURE, "reason": "Bảo trì"}), label="alert-silences mute"),
]


def feedback_on(call: Call) -> Call:
    """The Open311 reads concern the feedback layer (settings.FEEDBACK_LAYER): point it at the target,
    whose point feature's source id `p1` is then report `p1`."""
    def with_feedback(client: Client, target: Target):
        with override_settings(FEEDBACK_LAYER=target.slug):
            return call(client, target)
    return with_feedback


def _with_categories(call: Call) -> Call:
    def with_categories(client: Client, target: Target):
        ensure_categories()
        return call(client, target)
    return with_categories


LAYER_ROWS += [
    Row("open311-request", "GET", "read", "anyone", (200,),
        feedback_on(lambda c, t: c.get("/open311/v2/requests/p1.json")), label="open311-request json"),
    Row("open311-request", "GET", "read", "anyone", (200,),
        feedback_on(lambda c, t: c.get("/open311/v2/requests/p1.xml")), label="open311-request xml"),
    Row("feedback-kpis", "GET", "read", "anyone", (200,), feedback_on(lambda c, t: c.get("/api/feedback/kpis/"))),
]

OTHER_ROWS = [
    Row("open311-discovery", "GET", "read", "anyone", (200,), lambda c, t: c.get("/open311/v2/discovery.json"),
        layered=False),
    Row("open311-services", "GET", "read", "anyone", (200,), lambda c, t: c.get("/open311/v2/services.xml"),
        layered=False),
    Row("open311-service", "GET", "read", "anyone", (200,),
        _with_categories(lambda c, t: c.get("/open311/v2/services/moi_truong.json")), layered=False),
    Row("open311-requests", "GET", "read", "anyone", (200,), lambda c, t: c.get("/open311/v2/requests.json"),
        layered=False),
    # Any signed-in account or app token may report; the point (Hà Nội) is in no commune of any test
    # world (some have the monitoring app's Long An units), so an accepted caller reaches the report's
    # own checks (400 outside_province), a refused one gets 401.
    Row("open311-requests", "POST", "write", "signed-in", (400,), _with_categories(lambda c, t: c.post(
        "/open311/v2/requests.json", {"service_code": "giao_thong", "lat": "21.03", "long": "105.85",
                                      "description": "Ổ gà"})), layered=False),
    Row("open311-token", "GET", "read", "anyone", (404,), lambda c, t: c.get("/open311/v2/tokens/no-such.json"),
        layered=False),
    Row("feedback-status", "GET", "read", "anyone", (404,), lambda c, t: c.get("/feedback/status/no-such/"),
        layered=False, page=True),
    # The handling desk: for a unit's members and the 1022 operators (here: the superuser); a report
    # nobody here handles answers 404 to every signed-in caller alike.
    Row("feedback-desk", "GET", "read", "superuser", (200,), lambda c, t: c.get("/feedback/"), layered=False,
        page=True),
    Row("feedback-report", "GET", "read", "signed-in", (404,), lambda c, t: c.get(f"/feedback/reports/{NO_SUCH_ID}/"),
        layered=False, page=True),
    Row("feedback-act", "POST", "write", "signed-in", (404,),
        lambda c, t: c.post(f"/feedback/reports/{NO_SUCH_ID}/act", {"action": "acknowledge"}), layered=False,
        page=True),
    Row("layer-list", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/layers/"), layered=False),
    Row("search", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/search/", {"q": "Q7"}),
        layered=False, label="search by name"),
    Row("search", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/search/", {"q": "10.54, 106.41"}),
        layered=False, label="search by coordinate"),
    Row("counts", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/counts/"), layered=False),
    Row("counts", "GET", "read", "anyone", (200,),
        lambda c, t: c.get("/api/counts/", {"bbox": "106.3,10.4,106.5,10.6"}), layered=False, label="counts bbox"),
    Row("timeline", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/timeline/"), layered=False),
    Row("polygon-summary", "POST", "read", "anyone", (200,),
        lambda c, t: _json_post(c, "/api/summary/", {"geometry": AROUND}), layered=False),
    Row("analysis-report", "POST", "read", "anyone", (200,), lambda c, t: _json_post(
        c, "/api/analysis/report.html", {"use": "industrial", "geometry": AROUND}), layered=False,
        label="analysis-report html"),
    Row("analysis-report", "POST", "read", "anyone", (200,), lambda c, t: _json_post(
        c, "/api/analysis/report.pdf", {"geometry": AROUND}), layered=False, label="analysis-report pdf"),
    # The print layout names the layers shown that the caller may see; the others are left out unnamed.
    Row("dashboard-print", "POST", "read", "anyone", (200,), lambda c, t: _print(c), layered=False),
    Row("analysis-compliance", "POST", "read", "anyone", (200,),
        lambda c, t: _json_post(c, "/api/analysis/compliance/", {"use": "industrial", "geometry": AROUND}), layered=False),
    # Somebody else's kept check is none of theirs: refused like an unknown one (404).
    Row("analysis-compliance-detail", "GET", "read", "superuser", (200,), _superusers_check, layered=False, job=True),
    Row("analysis-zone-file", "POST", "read", "anyone", (200,), _zone_file, layered=False),
    Row("import-list", "GET", "read", "steward", (200,), lambda c, t: c.get("/api/imports/"), layered=False),
    Row("import-page", "GET", "read", "steward", (200,), lambda c, t: c.get("/imports/"), layered=False, page=True),
    Row("catalog", "GET", "read", "anyone", (200,), lambda c, t: c.get("/catalog/"), layered=False, page=True),
    Row("dashboard", "GET", "read", "anyone", (200,), lambda c, t: c.get("/"), layered=False, page=True),
    Row("tiles-basemap", "GET", "read", "anyone", (200,), lambda c, t: c.get("/tiles/styles/basemap.json"),
        layered=False),
    Row("tiles-preview", "GET", "read", "anyone", (200,),
        lambda c, t: c.get("/tiles/preview/", {"layers": "parity-open"}), layered=False, page=True),
    Row("wall", "GET", "read", "anyone", (200,), lambda c, t: c.get("/wall/", {"playlist": "parity-wall"}),
        layered=False, page=True),
    Row("wall-control", "GET", "read", "staff", (200,), lambda c, t: c.get("/wall/control/"), layered=False,
        page=True),
    Row("wall-scene-data", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/wall/scenes/parity-mixed/data"),
        layered=False, label="wall-scene-data mixed"),
    # A scene with nothing the caller may see answers like an unknown scene (404; byte for byte:
    # tests/test_hidden_is_unnamed.py); the leak check below holds either way.
    Row("wall-scene-data", "GET", "read", "anyone", (200, 404),
        lambda c, t: c.get(f"/api/wall/scenes/{SECRET_SCENE['slug']}/data"), layered=False,
        label="wall-scene-data all hidden"),
    Row("wall-playlist-state", "GET", "read", "anyone", (200,),
        lambda c, t: c.get("/api/wall/playlists/parity-wall/state"), layered=False),
    Row("wall-playlist-control", "POST", "write", "staff", (200,),
        lambda c, t: _json_post(c, "/api/wall/playlists/parity-wall/control", {"action": "next"}), layered=False),
    Row("portal-index", "GET", "read", "anyone", (200,), lambda c, t: c.get("/data/"), layered=False, page=True),
    Row("portal-index", "GET", "read", "anyone", (200,), lambda c, t: c.get("/data/", {"q": "Q7"}), layered=False,
        page=True, label="portal-index search"),
    Row("portal-dcat", "GET", "read", "anyone", (200,), lambda c, t: c.get("/data/catalog.jsonld"), layered=False),
    Row("portal-package-list", "GET", "read", "anyone", (200,),
        lambda c, t: c.get("/data/api/3/action/package_list"), layered=False),
    Row("monitoring-services", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/monitoring/services/"),
        layered=False),
    Row("indicator-list", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/indicators/"), layered=False),
    Row("dashboard-overview", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/overview/", {"preset": "30d"}),
        layered=False),
    Row("submission-list", "GET", "read", "signed-in", (200,), lambda c, t: c.get("/api/indicators/submissions/"),
        layered=False, label="submission-list ledger"),
    Row("unit-list", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/units/", {"boundary": "parity"}),
        layered=False),
    Row("unit-profile", "GET", "read", "anyone", (200,), lambda c, t: c.get(f"/api/units/{UNIT_CODE}/profile/"),
        layered=False),
    Row("alert-list", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/alerts/"), layered=False),
    Row("alert-events", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/alerts/events/"), layered=False),
    Row("alert-rules", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/alerts/rules/"), layered=False),
    Row("alert-silences", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/alerts/silences/"),
        layered=False),
    Row("alert-channels", "GET", "read", "signed-in", (200,), lambda c, t: c.get("/api/alerts/channels/"),
        layered=False),
    Row("alert-channels", "POST", "write", "staff", (201,), lambda c, t: _json_post(
        c, "/api/alerts/channels/", {"name": "Trực ban", "url": "http://127.0.0.1:9/hook", "secret": "s3cret-key"}),
        layered=False),
    Row("alert-channel-test", "POST", "write", "signed-in", (404,),
        lambda c, t: c.post(f"/api/alerts/channels/{NO_SUCH_ID}/test"), layered=False),
    Row("alerts-page", "GET", "read", "signed-in", (200,), lambda c, t: c.get("/alerts/"), layered=False, page=True),
    Row("alerts-page", "POST", "write", "staff", (404,),
        lambda c, t: c.post("/alerts/", {"action": "ack", "event": str(NO_SUCH_ID)}), layered=False, page=True,
        label="alerts-page ack unknown"),
    Row("api-schema", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/schema/"), layered=False),
    Row("ogc-landing", "GET", "read", "anyone", (200,), lambda c, t: c.get("/ogc/"), layered=False),
    Row("ogc-conformance", "GET", "read", "anyone", (200,), lambda c, t: c.get("/ogc/conformance"), layered=False),
    Row("ogc-api", "GET", "read", "anyone", (200,), lambda c, t: c.get("/ogc/api"), layered=False),
    Row("ogc-collections", "GET", "read", "anyone", (200,), lambda c, t: c.get("/ogc/collections"), layered=False),
    Row("ogc-collections", "GET", "read", "anyone", (200,), lambda c, t: c.get("/ogc/collections", {"f": "html"}),
        layered=False, page=True, label="ogc-collections html"),
    Row("ogc-tile-matrix-sets", "GET", "read", "anyone", (200,), lambda c, t: c.get("/ogc/tileMatrixSets"),
        layered=False),
    Row("ogc-tile-matrix-set", "GET", "read", "anyone", (200,),
        lambda c, t: c.get("/ogc/tileMatrixSets/WebMercatorQuad"), layered=False),
    Row("api-docs", "GET", "read", "anyone", (200,), lambda c, t: c.get("/api/docs/"), layered=False, page=True),
    Row("bookmark-list", "GET", "read", "signed-in", (200,), lambda c, t: c.get("/api/bookmarks/"), layered=False),
    Row("bookmark-detail", "DELETE", "write", "signed-in", (404,),
        lambda c, t: c.delete(f"/api/bookmarks/{NO_SUCH_ID}/"), layered=False),
    Row("healthz", "GET", "read", "anyone", (200, 503), lambda c, t: c.get("/healthz"), layered=False),
    Row("set_language", "POST", "write", "anyone", (302,),
        lambda c, t: c.post("/i18n/setlang/", {"language": "en", "next": "/catalog/"}), layered=False, page=True),
    Row("login", "GET", "read", "anyone", (200, 302), lambda c, t: c.get("/accounts/login/"), layered=False,
        page=True),
    Row("logout", "POST", "write", "anyone", (200, 302), lambda c, t: c.post("/accounts/logout/"), layered=False,
        page=True),
]

ROWS = LAYER_ROWS + OTHER_ROWS
# The Django admin's generated patterns: one family, checked on a representative set by
# test_the_admin_lets_no_one_but_its_staff_in_and_names_no_hidden_layer.
ADMIN_PREFIX = "admin/"


def project_patterns() -> dict[str, str]:
    """name (or route, for an unnamed pattern) -> full route, for every URL pattern of the project;
    the admin's generated patterns are folded into one entry, ADMIN_PREFIX."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if route.startswith(ADMIN_PREFIX):
                found[ADMIN_PREFIX] = ADMIN_PREFIX
            elif isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern):
                found[f"{namespace}{entry.name}" if entry.name else route] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def feature_rows_count() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM layers_feature")
        return cur.fetchone()[0]


def footprint() -> dict[str, object]:
    """What any write would change: features, layers' versions, jobs, zones, the wall's state."""
    return {
        "features": feature_rows_count(),
        "layers": sorted(Layer.objects.values_list("slug", "version", "access")),
        "imports": sorted(ImportJob.objects.values_list("id", "status")),
        "exports": sorted(ExportJob.objects.values_list("id", "status")),
        "wall": sorted(WallState.objects.values_list("playlist_id", "revision")),
        "submissions": sorted(Submission.objects.values_list("id", "status")),
        "values": sorted(Value.objects.values_list("id", "value")),
        "alert_rules": sorted(AlertRule.objects.values_list("id", "threshold")),
        "alert_events": sorted(AlertEvent.objects.values_list("id", "acknowledged_at")),
        "silences": Silence.objects.count(),
        "channels": NotificationChannel.objects.count(),
        "bookmarks": sorted(Bookmark.objects.values_list("id", flat=True)),
    }


# ---------------------------------------------------------------------------------------------------
# Comparing answers


def body_of(response) -> bytes:
    if not hasattr(response, "_parity_body"):
        response._parity_body = b"".join(response.streaming_content) if response.streaming else response.content
    return response._parity_body


def seen_bytes(response) -> bytes:
    """Everything the caller receives: the headers and the body."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.items()).encode()
    cookies = response.cookies.output().encode()
    return headers + b"\n" + cookies + b"\n" + body_of(response)


def leaks(response, texts: list[str]) -> list[str]:
    """The texts of `texts` found in the answer, in any of the forms an answer could carry them."""
    raw = seen_bytes(response)
    forms = lambda t: {t.encode(), json.dumps(t)[1:-1].encode(), quote(t).encode()}
    return [t for t in texts if any(f in raw for f in forms(t))]


def answer(response, slug: str) -> tuple:
    """What must be identical between a hidden layer and an unknown one: status, type and bytes (the
    slug the caller typed, echoed in a link, apart)."""
    return (response.status_code, response.get("Content-Type"),
            body_of(response).replace(slug.encode(), b"{slug}").replace(quote(slug).encode(), b"{slug}"))
