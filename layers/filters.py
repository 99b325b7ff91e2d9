"""Parsing of the feature-query parameters shared by every read channel (GeoJSON, tiles, exports,
counts): bbox, datetime, property equality filters, property selection and paging. What they
mean in SQL (the time-window rule included) is layers.query's."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from layers.errors import InvalidBbox, InvalidDatetime, InvalidParameter, UnknownParameter
from layers.models import Layer, TimeKind

# Feature ids are PostgreSQL bigints; a filter's number beyond 10^15 is no count or measure we store
# and loses its last digits as a float in the browser anyway.
_LARGEST_ID = 2**63 - 1
_LARGEST_NUMBER = 10**15

# Query parameters with a meaning of their own; every other parameter must name a schema property.
RESERVED = frozenset({"bbox", "datetime", "limit", "after", "properties", "f", "format", "crs"})


@dataclass(frozen=True)
class FeatureQuery:
    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None  # inclusive; None = open
    end: datetime | None = None  # inclusive; None = open
    has_time_filter: bool = False
    equals: dict[str, Any] = field(default_factory=dict)
    properties: list[str] | None = None  # None = all properties
    limit: int = 0
    after: int | None = None
    before: int | None = None  # paging backwards (OGC API's `prev` links); None for /api/
    # Conditions of a channel's own language (OGC API's CQL2 filter, bbox in another CRS), already
    # compiled to bound SQL by layers.query's pieces; None = none.
    condition: Any = None
    # The table's order: a schema property and its direction (None: id order, keyset paging), and how
    # many features of that order to skip (offset paging; only the dashboard's table asks for it).
    sortby: "Ordering | None" = None
    offset: int = 0

    @property
    def is_filtered(self) -> bool:
        return self.bbox is not None or self.has_time_filter or bool(self.equals) or self.condition is not None


@dataclass(frozen=True)
class Ordering:
    name: str  # a property of the layer's schema, checked
    prop_type: str  # its schema type: the SQL order is that type's (numbers as numbers)
    descending: bool = False


# Paging by offset re-reads the skipped rows: beyond this many a client should narrow its filter.
_LARGEST_OFFSET = 10_000_000
ORDERING_PARAMS = frozenset({"sortby", "offset"})


def parse_feature_query(layer: Layer, params: Mapping[str, str], *, extra_reserved: frozenset = frozenset(),
                        limit_max: int | None = None) -> FeatureQuery:
    """The query of `params`. `sortby` and `offset` are read only when the channel reserves them
    (extra_reserved ⊇ ORDERING_PARAMS): elsewhere they stay unknown parameters."""
    reserved = RESERVED | extra_reserved
    unknown = [k for k in params if k not in reserved and not _in_schema(layer, k)]
    if unknown:
        names = ", ".join(sorted(p["name"] for p in layer.property_schema)) or _("none")
        raise UnknownParameter(
            _("Unknown parameter or property: %(unknown)s. The properties of this layer are: %(names)s.")
            % {"unknown": ", ".join(sorted(unknown)), "names": names},
            fields={k: [_("Not a property of this layer.")] for k in unknown},
        )
    if params.get("offset") and "offset" in reserved and not params.get("sortby"):
        raise InvalidParameter(_("offset pages a sorted list: give sortby too, or follow the 'next' link "
                                 "(after=) to page in id order."), fields={"offset": [_("Needs sortby.")]})
    start = end = None
    has_time = "datetime" in params
    if has_time:
        if layer.time_kind == TimeKind.NONE:
            raise InvalidDatetime(_("This layer has no time, so it cannot be filtered by datetime."))
        start, end = parse_datetime_interval(params["datetime"])
    return FeatureQuery(
        bbox=parse_bbox(params["bbox"]) if "bbox" in params else None,
        start=start,
        end=end,
        has_time_filter=has_time,
        equals={k: _coerce(layer, k, v) for k, v in params.items() if k not in reserved},
        properties=parse_property_names(layer, params["properties"]) if "properties" in params else None,
        limit=parse_limit(params.get("limit"), maximum=limit_max),
        after=_parse_after(params.get("after")),
        sortby=parse_sortby(layer, params["sortby"]) if params.get("sortby") and "sortby" in reserved else None,
        offset=parse_offset(params.get("offset")) if "offset" in reserved else 0,
    )


def parse_sortby(layer: Layer, raw: str) -> Ordering:
    """`name` or `+name` (ascending) or `-name` (descending), name a property of the schema. One
    property: ties (and missing values, which come last) are ordered by feature id."""
    descending = raw.startswith("-")
    name = raw[1:] if raw[:1] in "+-" else raw
    # A '+' arrives as a space when the client did not encode it.
    name = name.strip()
    prop = next((p for p in layer.property_schema if p.get("name") == name), None)
    if prop is None:
        names = ", ".join(sorted(p["name"] for p in layer.property_schema)) or _("none")
        raise InvalidParameter(
            _("sortby must name a property of this layer, optionally with '-' for descending order. "
              "The properties are: %(names)s.") % {"names": names},
            fields={"sortby": [_("Not a property of this layer.")]},
        )
    return Ordering(name=name, prop_type=prop.get("type", "string"), descending=descending)


def parse_offset(raw: str | None) -> int:
    """How many features of the order to skip: a whole number from 0."""
    if raw is None or raw == "":
        return 0
    if not (raw.isascii() and raw.isdigit()) or int(raw) > _LARGEST_OFFSET:
        raise InvalidParameter(
            _("offset must be a whole number from 0 to %(max)s.") % {"max": _LARGEST_OFFSET},
            fields={"offset": [raw[:20]]},
        )
    return int(raw)


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """`minLon,minLat,maxLon,maxLat` in WGS 84 degrees."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidBbox(_("bbox needs four numbers: minLon,minLat,maxLon,maxLat (WGS 84 degrees)."))
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidBbox(_("bbox must contain only numbers, e.g. bbox=106.3,10.5,106.5,10.7.")) from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidBbox(_("bbox must contain finite numbers."))
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidBbox(_("bbox is outside WGS 84 (longitude -180..180, latitude -90..90)."))
    if minx > maxx or miny > maxy:
        raise InvalidBbox(_("bbox is inverted: the minimum must come before the maximum (minLon,minLat,maxLon,maxLat)."))
    return minx, miny, maxx, maxy


def parse_datetime_interval(raw: str) -> tuple[datetime | None, datetime | None]:
    """An RFC 3339 instant, a date, or an interval `start/end` where either end may be `..` or empty."""
    if "/" in raw:
        first, _sep, second = raw.partition("/")
        if "/" in second:
            raise InvalidDatetime(_("datetime has more than one '/'."))
        start = None if first in ("", "..") else _parse_moment(first, end_of_day=False)
        end = None if second in ("", "..") else _parse_moment(second, end_of_day=True)
        if start is None and end is None:
            raise InvalidDatetime(_("datetime '../..' has no bound; leave datetime out instead."))
        if start and end and start > end:
            raise InvalidDatetime(_("datetime interval is inverted: the start is after the end."))
        return start, end
    return _parse_moment(raw, end_of_day=False), _parse_moment(raw, end_of_day=True)


def _parse_moment(raw: str, *, end_of_day: bool) -> datetime:
    raw = raw.strip()
    moment = day = None
    try:
        # A '+' in an offset arrives as a space when the client did not encode it.
        if "T" in raw or "t" in raw:
            moment = parse_datetime(raw.replace(" ", "+"))
        else:
            day = parse_date(raw)
    except ValueError:
        pass
    if moment is None and day is None:
        raise InvalidDatetime(
            _("'%(value)s' is not a date or time. Use RFC 3339, e.g. 2022-10-01T08:00:00+07:00 or 2022-10-01.")
            % {"value": raw[:40]}
        )
    if moment is None:
        # A bare date means the whole day in the province's time zone.
        moment = datetime.combine(day, time.min) + (timedelta(days=1, microseconds=-1) if end_of_day else timedelta())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_property_names(layer: Layer, raw: str) -> list[str]:
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if not _in_schema(layer, n)]
    if unknown:
        raise UnknownParameter(
            _("properties names unknown properties: %(unknown)s.") % {"unknown": ", ".join(unknown)},
            fields={"properties": [_("Unknown: %(u)s") % {"u": ", ".join(unknown)}]},
        )
    return names


def parse_limit(raw: str | None, *, maximum: int | None = None) -> int:
    """A positive integer; above `maximum` (default LAYERS_PAGE_MAX) it is clamped to it (as OGC API
    Features allows)."""
    if raw is None or raw == "":
        return settings.LAYERS_PAGE_DEFAULT
    try:
        limit = int(raw)
    except ValueError:
        raise InvalidParameter(_("limit must be a whole number."), fields={"limit": [_("Not a number.")]}) from None
    if limit < 1:
        raise InvalidParameter(_("limit must be at least 1."), fields={"limit": [_("Too small.")]})
    return min(limit, maximum or settings.LAYERS_PAGE_MAX)


def _parse_after(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(_("after must be the id from a 'next' link."), fields={"after": [_("Not a number.")]}) from None
    if value < 0 or value > _LARGEST_ID:
        raise InvalidParameter(_("after must be the id from a 'next' link."), fields={"after": [_("Out of range.")]})
    return value


def parse_before(raw: str | None) -> int | None:
    """The cursor of a `prev` link (OGC API): a feature id, as `after` is."""
    if raw is None or raw == "":
        return None
    # isascii: str.isdigit() also accepts digits int() refuses, such as "²".
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19) or int(raw) > _LARGEST_ID:
        raise InvalidParameter(_("before must be the id from a 'prev' link."), fields={"before": [raw[:20]]})
    return int(raw)


def _in_schema(layer: Layer, name: str) -> bool:
    return any(p.get("name") == name for p in layer.property_schema)


def _coerce(layer: Layer, name: str, raw: str) -> Any:
    """Turn a query-string value into the JSON value stored for a property of the schema's type."""
    prop_type = next(p["type"] for p in layer.property_schema if p["name"] == name)
    try:
        if prop_type == "integer":
            value = int(raw)
            if abs(value) > _LARGEST_NUMBER:
                raise ValueError
            return value
        if prop_type == "number":
            value = float(raw)
            # 1e400 parses as infinity, which JSON (and so the jsonb filter) cannot hold.
            if not math.isfinite(value) or abs(value) > _LARGEST_NUMBER:
                raise ValueError
            return int(value) if value.is_integer() else value
        if prop_type == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
    except ValueError:
        raise InvalidParameter(
            _("'%(value)s' is not a valid %(type)s for property %(name)s.")
            % {"value": raw[:40], "type": prop_type, "name": name},
            fields={name: [_("Expected a value of type %(type)s.") % {"type": prop_type}]},
        ) from None
    return raw


def isoformat(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None
