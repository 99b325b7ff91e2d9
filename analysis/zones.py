"""Planners' zones: polygons saved as features of the zones layer (settings.LAYERS_ZONES_LAYER).

Whoever may write the zones layer (layers.access: the stewards of the planning department that owns
it, and superusers) creates, renames, reshapes and deletes them; everyone who may see the layer sees
them. Every change ends with `publish_changes` in the same transaction, so the layer's version — and
with it every tile URL and ETag — moves with the data.
"""

import unicodedata
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Polygon

from layers import query as features
from layers.access import Caller, get_visible_layer, get_writable_layer, writable_layers
from layers.catalog import publish_changes
from layers.errors import FeatureNotFound, InvalidParameter, PermissionDenied
from layers.models import Feature, Layer
from layers.query import Sql

NAME_MAX = 200
PURPOSE_MAX = 200


def can_edit_zones(user: Caller) -> bool:
    return writable_layers(user).filter(slug=settings.LAYERS_ZONES_LAYER).exists()


def zones_layer(user: Caller) -> Layer:
    """The zones layer if `user` may see it (LayerNotFound otherwise, like any hidden layer)."""
    return get_visible_layer(user, settings.LAYERS_ZONES_LAYER)


def list_zones(user: Caller) -> tuple[Layer, list[dict]]:
    """The zones layer and its zones, newest first, as {id, name, purpose, area_km2, created_by,
    created_at}: a few rows per province, listed whole."""
    layer = zones_layer(user)
    keys = ("name", "purpose", "area_km2", "created_by", "created_at")
    rows = Feature.objects.filter(layer=layer).order_by("-id").values_list("id", "properties")
    return layer, [{"id": pk, **{k: properties.get(k) for k in keys}} for pk, properties in rows]


def get_zone(user: Caller, zone_id: int) -> Feature:
    zone = Feature.objects.filter(layer=zones_layer(user), pk=zone_id).select_related("layer").first()
    if zone is None:
        raise FeatureNotFound()
    return zone


def editable_zones_layer(user: Caller) -> Layer:
    """The zones layer if `user` may see it (LayerNotFound) and write it (PermissionDenied)."""
    try:
        return get_writable_layer(user, settings.LAYERS_ZONES_LAYER)
    except PermissionDenied:
        raise PermissionDenied(_("Only planners may create, change or delete zones.")) from None


def clean_name(raw: object) -> str:
    """A zone name as stored: a non-empty string in NFC with surrounding spaces removed."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidParameter(_("A zone needs a name."), fields={"name": [_("This field is required.")]})
    name = unicodedata.normalize("NFC", " ".join(raw.split()))
    if len(name) > NAME_MAX:
        raise InvalidParameter(
            _("A zone name has at most %(n)d characters.") % {"n": NAME_MAX},
            fields={"name": [_("Too long.")]},
        )
    return name


def clean_purpose(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or len(raw) > PURPOSE_MAX:
        raise InvalidParameter(
            _("The purpose is a text of at most %(n)d characters.") % {"n": PURPOSE_MAX},
            fields={"purpose": [_("Not valid.")]},
        )
    return unicodedata.normalize("NFC", raw.strip())


def create_zone(user: Caller, *, name: str, polygon: Polygon, purpose: str = "") -> Feature:
    layer = editable_zones_layer(user)
    with transaction.atomic():
        zone = Feature.objects.create(
            layer=layer,
            source_id=f"zone-{uuid.uuid4().hex[:12]}",
            geom=polygon.wkt,
            properties={
                "name": clean_name(name),
                "purpose": clean_purpose(purpose),
                "created_by": user.get_username(),
                "created_at": timezone.localtime().isoformat(timespec="seconds"),
            },
        )
        _derive_properties(zone)
        publish_changes(layer)
    zone.refresh_from_db()
    return zone


def update_zone(
    user: Caller, zone_id: int, *, name: str | None = None, purpose: str | None = None,
    polygon: Polygon | None = None,
) -> Feature:
    """Rename and/or reshape a zone; what is None stays as it is."""
    layer = editable_zones_layer(user)
    with transaction.atomic():
        zone = _locked_zone(layer, zone_id)
        if name is not None:
            zone.properties["name"] = clean_name(name)
        if purpose is not None:
            zone.properties["purpose"] = clean_purpose(purpose)
        if polygon is not None:
            zone.geom = polygon.wkt
        zone.save(update_fields=["properties", "geom"])
        if polygon is not None:
            _derive_properties(zone)
        publish_changes(layer)
    zone.refresh_from_db()
    return zone


def delete_zone(user: Caller, zone_id: int) -> None:
    layer = editable_zones_layer(user)
    with transaction.atomic():
        _locked_zone(layer, zone_id).delete()
        publish_changes(layer)


def _locked_zone(layer: Layer, zone_id: int) -> Feature:
    zone = Feature.objects.select_for_update().filter(layer=layer, pk=zone_id).first()
    if zone is None:
        raise FeatureNotFound()
    return zone


def _derive_properties(zone: Feature) -> None:
    """Area (km², on the spheroid) and the district a point inside the zone falls in, by PostGIS."""
    inside = zone.geom.point_on_surface
    district = Layer.objects.filter(slug=settings.LAYERS_ZONE_DISTRICTS_LAYER).values_list("pk", flat=True).first()
    code = None
    with connection.cursor() as cur:
        cur.execute("SELECT ST_Area(ST_GeomFromWKB(%s, 4326)::geography)", [bytes(zone.geom.wkb)])
        area_m2 = cur.fetchone()[0]
        if district is not None:
            statement = features.select("f.properties ->> 'code'", features.where([
                features.in_layer(district), features.in_geometry(bytes(inside.wkb)),
                Sql("f.properties ? 'code'"),
            ])) + " LIMIT 1"
            cur.execute(statement.text, statement.params)
            row = cur.fetchone()
            code = row[0] if row else None
    zone.properties["area_km2"] = round(area_m2 / 1e6, 2)
    if code is not None:
        zone.properties["district_code"] = code
    zone.save(update_fields=["properties"])
