"""The one access rule. Every channel (GeoJSON, catalog, search, counts, tiles, exports, caches)
asks these functions which layers a caller may see; nothing else decides it.

- anonymous: public layers
- signed-in staff: + internal layers
- members of a group: + the layers restricted to that group
- superuser: everything
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from layers.errors import LayerNotFound
from layers.models import Access, Layer

Caller = AbstractBaseUser | AnonymousUser | None


def _group_ids(user: Caller) -> list[int]:
    # Cached on the user object: one request asks several times (catalog, then each layer).
    cached = getattr(user, "_geo_ioc_group_ids", None)
    if cached is None:
        cached = sorted(user.groups.values_list("id", flat=True))
        user._geo_ioc_group_ids = cached
    return cached


def visible_layers(user: Caller) -> QuerySet[Layer]:
    """The layers `user` may see, as a queryset (no duplicates, composable with other filters)."""
    layers = Layer.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return layers.filter(access=Access.PUBLIC)
    if user.is_superuser:
        return layers
    allowed = Q(access=Access.PUBLIC)
    if user.is_staff:
        allowed |= Q(access=Access.INTERNAL)
    group_ids = _group_ids(user)
    if group_ids:
        # A subquery, not a join, so a layer restricted to two of the user's groups is listed once.
        restricted_to_mine = Layer.groups.through.objects.filter(group_id__in=group_ids).values("layer_id")
        allowed |= Q(access=Access.RESTRICTED, id__in=restricted_to_mine)
    return layers.filter(allowed)


def get_visible_layer(user: Caller, slug: str) -> Layer:
    """The layer with this slug if `user` may see it; LayerNotFound otherwise (unknown or hidden alike)."""
    layer = visible_layers(user).filter(slug=slug).first()
    if layer is None:
        raise LayerNotFound()
    return layer


def can_see(user: Caller, layer: Layer) -> bool:
    return visible_layers(user).filter(pk=layer.pk).exists()


def access_scope(user: Caller) -> str:
    """A short key for what `user` may see, for cache keys: two callers with the same scope see the
    same layers. Examples: "public", "staff", "g3.7", "staff+g3", "all"."""
    if user is None or not user.is_authenticated or not user.is_active:
        return "public"
    if user.is_superuser:
        return "all"
    parts = ["staff"] if user.is_staff else []
    group_ids = _group_ids(user)
    if group_ids:
        parts.append("g" + ".".join(str(g) for g in group_ids))
    return "+".join(parts) or "signed-in"
