"""Creating and changing alert rules over the API: the names a request uses (a layer's slug, a boundary
set's code, units' GSO codes, usernames, groups, channel ids) resolved under the one access rule, then
monitoring.rules.check_rule, then one save.

Who may: staff who may write what the rule watches (layers.access.can_write on its layer, or on its
indicator's layer). A layer or indicator the caller may not see is refused as an unknown one, by field;
a hidden rule answers like an unknown rule."""

import math
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from layers.access import Caller, can_write, visible_layers
from layers.errors import ApiError, NotFound, PermissionDenied
from monitoring.access import visible_indicators
from monitoring.models import AdminUnit, AlertRule, AreaKind, BoundaryVersion, NotificationChannel, Service
from monitoring.rules import check_rule, visible_rules

# Fields copied as they are; the others name things and are resolved below.
PLAIN = ("slug", "title_vi", "title_en", "message_vi", "message_en", "metric", "aggregate", "raster_statistic",
         "raster_above", "property", "filters",
         "window_hours", "area_kind", "level", "comparison", "threshold", "recovery", "pending_seconds", "severity",
         "interval_seconds", "repeat_seconds", "enabled")


class InvalidRule(ApiError):
    code = "invalid_rule"


class RuleNotFound(NotFound):
    code = "rule_not_found"


def staff(user: Caller) -> bool:
    return user is not None and user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)


def get_visible_rule(user: Caller, rule_id: int) -> AlertRule:
    rule = (visible_rules(user).filter(pk=rule_id)
            .select_related("layer", "indicator__layer", "indicator__service", "boundary").first())
    if rule is None:
        raise RuleNotFound()
    return rule


def may_edit(user: Caller, rule: AlertRule) -> bool:
    watched = [layer for layer in (rule.layer, rule.indicator.layer if rule.indicator_id else None) if layer]
    return staff(user) and all(can_write(user, layer) for layer in watched)


def save_rule(user: Caller, data: dict[str, Any], *, rule: AlertRule | None = None) -> AlertRule:
    """Create a rule from `data` (parsed by monitoring.alert_serializers.RuleInput), or change `rule`
    by the fields present. InvalidRule (by field) for a rule that cannot be evaluated; PermissionDenied
    for a caller who may not write what it watches."""
    if not staff(user):
        raise PermissionDenied()
    if rule is not None and not may_edit(user, rule):
        raise PermissionDenied()
    target = rule or AlertRule(owner=user)
    errors: dict[str, list[str]] = {}
    for name in PLAIN:
        if name in data:
            setattr(target, name, data[name])
    for name in ("threshold", "recovery"):
        value = getattr(target, name, None)
        if isinstance(value, float) and not math.isfinite(value):
            errors.setdefault(name, []).append(_("A finite number."))
    _resolve(user, data, target, errors)
    if "slug" in data and AlertRule.objects.filter(slug=target.slug).exclude(pk=target.pk).exists():
        errors.setdefault("slug", []).append(_("This slug is taken."))
    if not errors:
        try:
            check_rule(target)
        except ValidationError as exc:
            errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    if errors:
        raise InvalidRule(fields=errors)
    if not may_edit(user, target):
        raise PermissionDenied()
    with transaction.atomic():
        target.save()
        for name in ("units", "recipient_users", "recipient_groups", "channels"):
            if f"_{name}" in target.__dict__:
                getattr(target, name).set(target.__dict__[f"_{name}"])
    return target


def _resolve(user: Caller, data: dict[str, Any], rule: AlertRule, errors: dict[str, list[str]]) -> None:
    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    # What a rule names, each looked up among what the caller may see (a hidden layer is unknown);
    # the boundary before the units, which are read in it.
    named = (
        ("layer", visible_layers(user), "slug", _("There is no such layer.")),
        ("indicator", visible_indicators(user), "slug", _("There is no such indicator.")),
        ("service", Service.objects.all(), "slug", _("There is no such service.")),
        ("boundary", BoundaryVersion.objects.all(), "code", _("There is no such boundary set.")),
    )
    for field, choices, key, unknown in named:
        if field in data:
            found = choices.filter(**{key: data[field]}).first() if data[field] else None
            if data[field] and found is None:
                bad(field, unknown)
            setattr(rule, field, found)
    if "units" in data:
        codes = list(dict.fromkeys(data["units"]))
        units = AdminUnit.objects.filter(code__in=codes)
        if rule.boundary_id:
            units = units.filter(version_id=rule.boundary_id)
        found = list(units)
        missing = set(codes) - {u.code for u in found}
        if missing:
            bad("units", _("Unknown units: %(codes)s.") % {"codes": ", ".join(sorted(missing))})
        elif len(found) != len(codes):
            bad("units", _("Name the boundary set: these codes exist in several."))
        rule._units = found
    if rule.pk is None and rule.area_kind == AreaKind.UNITS and not data.get("units"):
        bad("units", _("Choose at least one unit."))
    if "recipient_users" in data:
        users = list(get_user_model().objects.filter(username__in=data["recipient_users"], is_active=True))
        if len(users) != len(set(data["recipient_users"])):
            bad("recipient_users", _("Unknown or inactive users."))
        rule._recipient_users = users
    if "recipient_groups" in data:
        groups = list(Group.objects.filter(name__in=data["recipient_groups"]))
        if len(groups) != len(set(data["recipient_groups"])):
            bad("recipient_groups", _("Unknown groups."))
        rule._recipient_groups = groups
    if "channels" in data:
        channels = list(own_channels(user).filter(pk__in=data["channels"]))
        if len(channels) != len(set(data["channels"])):
            bad("channels", _("Unknown channels."))
        rule._channels = channels


def own_channels(user: Caller):
    """The webhook channels `user` owns (a superuser: all of them)."""
    if not staff(user):
        return NotificationChannel.objects.none()
    channels = NotificationChannel.objects.select_related("owner")
    return channels if user.is_superuser else channels.filter(owner=user)
