"""The one access rule. Every channel (GeoJSON, catalog, search, counts, tiles, exports, caches)
asks these functions which layers a caller may see; nothing else decides it.

- anonymous: public layers
- signed-in staff: + internal layers
- members of a group: + the layers restricted to that group
- superuser: everything

Writes ask the sibling rule (`writable_layers`, `get_writable_layer`, `may_create_layer`):

- anonymous and inactive callers: nothing
- a steward of a department (a member of its group holding the steward role): the layers that
  department owns, among those they may see; new layers for that department only
- superuser: everything

A layer the caller may not see answers like an unknown one, for writes as for reads.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from layers.errors import LayerNotFound, PermissionDenied
from layers.models import Access, Department, Layer

Caller = AbstractBaseUser | AnonymousUser | None


def _group_ids(user: Caller) -> list[int]:
    # Cached on the user object: one request asks several times (catalog, then each layer).
    cached = getattr(user, _GROUP_IDS, None)
    if cached is None:
        cached = sorted(user.groups.values_list("id", flat=True))
        remember_group_ids(user, cached)
    return cached


_GROUP_IDS = "_geo_ioc_group_ids"


def remember_group_ids(user: AbstractBaseUser, group_ids: list[int]) -> None:
    """The user's groups, read with the user (layers.tokens reads them in the token's statement)."""
    setattr(user, _GROUP_IDS, sorted(group_ids))


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


def can_see_deleted(user: Caller, row: dict) -> bool:
    """Whether `user` could see a deleted layer, from its catalog row as layers.history keeps it (its
    table row is gone, so no queryset can ask): the rule of `visible_layers`, on the row's fields."""
    if not _signed_in(user):
        return row.get("access") == Access.PUBLIC
    if user.is_superuser:
        return True
    access = row.get("access")
    return (access == Access.PUBLIC or (access == Access.INTERNAL and user.is_staff)
            or (access == Access.RESTRICTED and not set(row.get("groups") or []).isdisjoint(_group_ids(user))))


def can_write_deleted(user: Caller, row: dict) -> bool:
    """Whether `user` could write a deleted layer (restore it): the rule of `writable_layers` on its row."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    owner = row.get("owner")
    return (owner is not None and can_see_deleted(user, row)
            and stewarded_departments(user).filter(pk=owner).exists())


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


def _signed_in(user: Caller) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def stewarded_departments(user: Caller) -> QuerySet[Department]:
    """The departments `user` is a steward of: in the steward role and still a member of the group
    (leaving the department ends the role). Superusers steward none by this rule; they need none."""
    if not _signed_in(user):
        return Department.objects.none()
    return Department.objects.filter(stewards=user, group__user=user).distinct()


def writable_layers(user: Caller) -> QuerySet[Layer]:
    """The layers `user` may write (import into, confirm, edit, delete): those they may see whose
    owning department they steward; every layer for a superuser."""
    if not _signed_in(user):
        return Layer.objects.none()
    if user.is_superuser:
        return Layer.objects.all()
    return visible_layers(user).filter(owner__in=stewarded_departments(user).values("id"))


def get_writable_layer(user: Caller, slug: str) -> Layer:
    """The layer with this slug if `user` may write it: LayerNotFound when it is unknown or hidden
    (alike), PermissionDenied when it is visible but not theirs to write. A writable layer is visible
    (`writable_layers` narrows `visible_layers`), so one statement finds it; only a refusal asks which
    answer it gets. Every live write asks this (observations, 100 a second): the visible layer and a
    second look for its writability cost a statement and ~1 ms of CPU more, mostly building querysets."""
    layer = writable_layers(user).filter(slug=slug).first()
    if layer is None:
        get_visible_layer(user, slug)  # LayerNotFound when hidden or unknown
        raise PermissionDenied()
    return layer


def can_write(user: Caller, layer: Layer) -> bool:
    return writable_layers(user).filter(pk=layer.pk).exists()


def may_create_layer(user: Caller, department: Department | None) -> bool:
    """Whether `user` may create a layer owned by `department` (None: an ownerless layer, which only
    a superuser may create)."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    return department is not None and stewarded_departments(user).filter(pk=department.pk).exists()
