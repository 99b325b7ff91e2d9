"""Query parameters of the monitoring API, checked before anything is read (one error shape)."""

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _

from layers.errors import InvalidParameter, UnknownParameter
from monitoring.models import BoundaryVersion, Indicator
from monitoring.periods import EXAMPLES, parse_period


def only(params: Mapping[str, str], allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise UnknownParameter(
            _("Unknown parameter: %(unknown)s. This address takes: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed)) or _("none")},
            fields={k: [_("Unknown parameter.")] for k in unknown},
        )


def boundary(params: Mapping[str, str]) -> BoundaryVersion | None:
    code = params.get("boundary")
    if code in (None, ""):
        return None
    version = BoundaryVersion.objects.filter(code=code).first()
    if version is None:
        codes = ", ".join(BoundaryVersion.objects.values_list("code", flat=True))
        raise InvalidParameter(_("boundary must be one of: %(codes)s.") % {"codes": codes},
                               fields={"boundary": [_("Unknown boundary set.")]})
    return version


def period(params: Mapping[str, str], name: str, indicator: Indicator) -> date | None:
    text = params.get(name)
    if text in (None, ""):
        return None
    try:
        return parse_period(text, indicator.period_type)
    except ValueError:
        raise InvalidParameter(
            _("%(name)s must be a period of this indicator, e.g. %(example)s.")
            % {"name": name, "example": EXAMPLES[indicator.period_type]},
            fields={name: [_("Not a period.")]},
        ) from None


def day(params: Mapping[str, str], name: str) -> date | None:
    text = params.get(name)
    if text in (None, ""):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(_("%(name)s must be a date (YYYY-MM-DD).") % {"name": name},
                               fields={name: [_("Not a date.")]}) from None


def unit_codes(params: Mapping[str, str]) -> tuple[str, ...]:
    text = params.get("unit", "")
    codes = tuple(c.strip() for c in text.split(",") if c.strip())
    if any(not c.isdigit() or len(c) > 10 for c in codes) or len(codes) > 500:
        raise InvalidParameter(_("unit must be GSO codes separated by commas."), fields={"unit": [_("Not a code.")]})
    return codes
