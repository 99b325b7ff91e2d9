"""Bookmarks of map views, each person's own. The layers a bookmark names go through the one access
rule when saved and when read: a bookmark never names a layer its owner may no longer see."""

import math
import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from dashboard.models import Bookmark
from layers.access import visible_layers
from layers.errors import InvalidParameter, NotFound

# Enough for anyone's list; a runaway client stops here.
MAX_BOOKMARKS = 200
MAX_LAYERS = 50
MAX_FILTERS = 20  # per layer
MAX_VALUE = 200  # characters of a filter's value


def bookmark_json(bookmark: Bookmark, visible: set[str]) -> dict:
    return {"id": bookmark.pk, "name": bookmark.name, "center": [bookmark.lon, bookmark.lat],
            "zoom": bookmark.zoom, "layers": [s for s in bookmark.layers if s in visible],
            "filters": {s: values for s, values in bookmark.filters.items() if s in visible and s in bookmark.layers},
            "created_at": bookmark.created_at.isoformat(timespec="seconds")}


def list_bookmarks(user: AbstractBaseUser) -> list[dict]:
    visible = set(visible_layers(user).values_list("slug", flat=True))
    return [bookmark_json(b, visible) for b in Bookmark.objects.filter(user=user)]


def create_bookmark(user: AbstractBaseUser, body: dict[str, Any]) -> dict:
    name = _name(body.get("name"))
    lon, lat = _center(body.get("center"))
    zoom = _zoom(body.get("zoom"))
    slugs = _layers(user, body.get("layers", []))
    filters = _filters(body.get("filters", {}), slugs)
    with transaction.atomic():
        # One person's list is short: counting it under their row lock keeps two tabs from passing the cap.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if Bookmark.objects.filter(user=user).count() >= MAX_BOOKMARKS:
            raise InvalidParameter(_("You have %(n)s bookmarks, the most one person may keep. Delete one first.")
                                   % {"n": MAX_BOOKMARKS})
        bookmark = Bookmark.objects.create(user=user, name=name, lon=lon, lat=lat, zoom=zoom, layers=slugs,
                                           filters=filters)
    return bookmark_json(bookmark, set(slugs))


def delete_bookmark(user: AbstractBaseUser, bookmark_id: int) -> None:
    deleted, _rows = Bookmark.objects.filter(user=user, pk=bookmark_id).delete()
    if not deleted:  # someone else's bookmark is as unknown as a missing one
        raise NotFound()


def _name(raw: Any) -> str:
    name = unicodedata.normalize("NFC", raw).strip() if isinstance(raw, str) else ""
    if not name:
        raise InvalidParameter(_("Give the bookmark a name."), fields={"name": [_("Required.")]})
    if len(name) > 120:
        raise InvalidParameter(_("A bookmark's name has at most 120 characters."), fields={"name": [_("Too long.")]})
    return name


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        return None
    return float(raw)


def _center(raw: Any) -> tuple[float, float]:
    values = [_number(v) for v in raw] if isinstance(raw, list) and len(raw) == 2 else [None]
    if None in values or not (-180 <= values[0] <= 180 and -90 <= values[1] <= 90):
        raise InvalidParameter(_("center must be [longitude, latitude] in WGS 84 degrees."),
                               fields={"center": [_("Two numbers: longitude -180..180, latitude -90..90.")]})
    return values[0], values[1]


def _zoom(raw: Any) -> float:
    zoom = _number(raw)
    if zoom is None or not 0 <= zoom <= 24:
        raise InvalidParameter(_("zoom must be a number from 0 to 24."), fields={"zoom": [_("Out of range.")]})
    return zoom


def _layers(user: AbstractBaseUser, raw: Any) -> list[str]:
    if not isinstance(raw, list) or len(raw) > MAX_LAYERS or not all(isinstance(s, str) for s in raw):
        raise InvalidParameter(_("layers must be a list of at most %(n)s layer names.") % {"n": MAX_LAYERS},
                               fields={"layers": [_("A list of layer names.")]})
    slugs = list(dict.fromkeys(raw))
    visible = set(visible_layers(user).filter(slug__in=slugs).values_list("slug", flat=True))
    unknown = [s for s in slugs if s not in visible]
    if unknown:
        # A hidden layer is refused exactly as a missing one, and neither is named back.
        raise InvalidParameter(_("Some of these layers do not exist."), fields={"layers": [_("Unknown layer.")]})
    return slugs


def _filters(raw: Any, slugs: list[str]) -> dict[str, dict[str, str]]:
    """{slug: {property: value}} of layers the bookmark shows, values as the API's query strings take
    them. Which properties a layer has is the API's to check when the view is shown again."""
    def scalar(value: Any) -> bool:
        return isinstance(value, (str, int, float, bool)) and len(str(value)) <= MAX_VALUE
    if not (isinstance(raw, dict) and all(
            slug in slugs and isinstance(values, dict) and len(values) <= MAX_FILTERS
            and all(isinstance(name, str) and name and scalar(value) for name, value in values.items())
            for slug, values in raw.items())):
        raise InvalidParameter(_("filters must map layers the bookmark shows to {property: value} pairs."),
                               fields={"filters": [_("Not valid.")]})
    return {slug: {name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in values.items()}
            for slug, values in raw.items() if values}
