"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): what its answers hold, in JSON and XML, and
how a posted report is read.

Reads of reports come from the feedback layer's features through layers/query.py, so they hold the
public view only (feedback.layer) and ask the one access rule: a caller who may not see the layer
gets what an unknown report gets. The spec's two states map onto the workflow's: `open` while a
report is received, acknowledged, assigned or in progress, `closed` after it.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.dateparse import parse_datetime

from feedback.models import OPEN_STATUSES, Category, Priority, Status
from feedback.workflow import Intake
from layers import query
from layers.access import Caller, visible_layers
from layers.errors import ApiError, InvalidParameter
from layers.filters import parse_bbox
from layers.query import Sql
from layers.search import search_names

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
OPEN, CLOSED = "open", "closed"
MAX_DESCRIPTION = 4000
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
# The spec: without dates, the most recent 90 days; a range may not span more.
DEFAULT_DAYS = 90


def open311_status(status: str) -> str:
    return OPEN if status in OPEN_STATUSES else CLOSED


# -- rendering --------------------------------------------------------------------------------------


def render(data: Any, fmt: str, *, root: str, item: str) -> bytes:
    """A list of records (or one record) as JSON, or as XML `<root><item>…</item></root>`."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False).encode()
    element = ElementTree.Element(root)
    for record in data if isinstance(data, list) else [data]:
        _fill(ElementTree.SubElement(element, item) if isinstance(data, list) else element, record)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element, encoding="unicode").encode()


# The child tag of a list inside a record, as the spec's XML examples name them.
_LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


def _fill(element: ElementTree.Element, record: Mapping) -> None:
    for key, value in record.items():
        child = ElementTree.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                sub = ElementTree.SubElement(child, _LIST_ITEMS.get(key, "item"))
                if isinstance(entry, Mapping):
                    _fill(sub, entry)
                else:
                    sub.text = _text(entry)
        elif isinstance(value, Mapping):
            _fill(child, value)
        else:
            child.text = _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def errors(exc: ApiError) -> list[dict]:
    """The spec's error list: its `code` is the HTTP status; `error` adds our registry's code
    (layers.error_codes) and `fields` which fields were refused."""
    entry = {"code": exc.status_code, "description": str(exc.detail), "error": exc.code}
    if exc.fields:
        entry["fields"] = ", ".join(sorted(exc.fields))
    return [entry]


# -- services -------------------------------------------------------------------------------------


def service(category: Category) -> dict:
    return {"service_code": category.code, "service_name": category.name_vi, "description": category.description_vi
            or category.name_en, "metadata": bool(category.attributes), "type": "realtime",
            "keywords": category.keywords, "group": category.group_vi}


def service_definition(category: Category) -> dict:
    attributes = []
    for position, attribute in enumerate(category.attributes, start=1):
        attributes.append({
            "variable": True, "code": attribute["code"], "datatype": attribute.get("datatype", "string"),
            "required": bool(attribute.get("required", False)),
            "datatype_description": attribute.get("datatype_description", ""),
            "order": attribute.get("order", position), "description": attribute.get("description", ""),
            **({"values": attribute["values"]} if attribute.get("values") else {}),
        })
    return {"service_code": category.code, "attributes": attributes}


def discovery(base_url: str) -> dict:
    return {"changeset": "2026-12-01T00:00:00+07:00", "contact": "Trung tâm IOC tỉnh Long An — 1022",
            "key_service": "API keys are the tokens of app accounts (manage.py create_api_token).",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base_url,
                           "changeset": "2026-12-01T00:00:00+07:00", "type": "production",
                           "formats": ["text/xml", "application/json"]}]}


# -- a posted report --------------------------------------------------------------------------------


def _number(form: QueryDict, name: str, low: float, high: float) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise ApiError(code="validation_error", fields={name: [f"a number from {low} to {high}"]})
    return value


def parse_report(form: QueryDict, files: MultiValueDict, *, user: Caller) -> Intake:
    """An Intake from the spec's form fields (+ `media`, a photo, + `priority`, ours)."""
    problems: dict[str, list[str]] = {}
    category = active_category(form.get("service_code", ""))
    if category is None:
        problems["service_code"] = ["unknown service"]
    description = form.get("description", "").strip()
    if not description:
        problems["description"] = ["required"]
    elif len(description) > MAX_DESCRIPTION:
        problems["description"] = [f"at most {MAX_DESCRIPTION} characters"]
    lat, lon = _number(form, "lat", -90, 90), _number(form, "long", -180, 180)
    address = form.get("address_string", "").strip()[:300]
    location = None
    if lat is not None and lon is not None:
        location = Point(lon, lat, srid=4326)
    elif address:
        location = geocode(address, user=user)
        if location is None:
            problems["address_string"] = ["no place of that name; send lat and long"]
    else:
        problems["lat"] = ["lat and long, or address_string, are required"]
    priority = form.get("priority", Priority.NORMAL)
    if priority not in Priority.values:
        problems["priority"] = [f"one of {', '.join(Priority.values)}"]
    attributes = _attributes(form, category, problems) if category is not None else {}
    photo = files.get("media")
    if photo is not None and (photo.size > MAX_PHOTO_BYTES or photo.content_type not in PHOTO_TYPES):
        problems["media"] = [f"a JPEG, PNG or WebP photo up to {MAX_PHOTO_BYTES // 1024 // 1024} MB"]
    if problems:
        raise ApiError(code="validation_error", fields=problems)
    name = " ".join(part for part in (form.get("first_name", "").strip(), form.get("last_name", "").strip()) if part)
    return Intake(category=category, description=description, location=location, address=address,
                  priority=priority, attributes=attributes, reporter_name=name[:200],
                  reporter_phone=form.get("phone", "").strip()[:40], reporter_email=form.get("email", "").strip()[:254],
                  channel=form.get("channel", "open311")[:30] or "open311", photo=photo)


# Asked on every report posted: one plain statement (the ORM's filter and first cost ~0.6 ms of CPU to
# build, several times the statement's own time).
_ACTIVE_CATEGORY = "SELECT * FROM feedback_category WHERE code = %s AND active LIMIT 1"


def active_category(code: str) -> Category | None:
    return next(iter(Category.objects.raw(_ACTIVE_CATEGORY, [code])), None)


def _attributes(form: QueryDict, category: Category, problems: dict) -> dict:
    values = {}
    for attribute in category.attributes:
        code = attribute["code"]
        given = [v for v in form.getlist(f"attribute[{code}]") if v.strip()]
        if not given:
            if attribute.get("required"):
                problems[f"attribute[{code}]"] = ["required"]
            continue
        keys = {str(v["key"]) for v in attribute.get("values", [])}
        if keys and not set(given) <= keys:
            problems[f"attribute[{code}]"] = [f"one of {', '.join(sorted(keys))}"]
            continue
        values[code] = given if attribute.get("datatype") == "multivaluelist" else given[0][:500]
    return values


def geocode(address: str, *, user: Caller) -> Point | None:
    """The place an address names (an administrative unit the caller may see), by the dashboard's search."""
    for hit in search_names(user, address, limit=5):
        if hit.kind == "place":
            return Point(*hit.center, srid=4326)
    return None


# -- reading reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str] | None
    codes: list[str] | None
    start: datetime | None
    end: datetime | None
    statuses: list[str] | None
    bbox: tuple[float, float, float, float] | None


def _moment(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidParameter(f"{name}: a W3C datetime with its offset, e.g. 2026-01-01T00:00:00+07:00",
                               fields={name: ["datetime"]})
    return moment


def _list(params: Mapping[str, str], name: str) -> list[str] | None:
    raw = params.get(name, "").strip()
    return [part.strip() for part in raw.split(",") if part.strip()] or None if raw else None


def parse_request_query(params: Mapping[str, str], *, now: datetime | None = None) -> RequestQuery:
    ids = _list(params, "service_request_id")
    statuses = _list(params, "status")
    if statuses and not set(statuses) <= {OPEN, CLOSED}:
        raise InvalidParameter("status: open or closed", fields={"status": ["open, closed"]})
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    if start and end and end < start:
        raise InvalidParameter("end_date is before start_date", fields={"end_date": ["before start_date"]})
    if ids is None:
        # The spec's window: the last 90 days by default, and never wider.
        now = now or timezone.now()
        if start is None and end is None:
            start = now - timedelta(days=DEFAULT_DAYS)  # and no end: reports of the last 90 days
        elif start is None:
            start = end - timedelta(days=DEFAULT_DAYS)
        elif end is None:
            end = start + timedelta(days=DEFAULT_DAYS)
        if end is not None and end - start > timedelta(days=DEFAULT_DAYS):
            raise InvalidParameter("a range may span 90 days at most", fields={"end_date": ["90 days"]})
    bbox = parse_bbox(params["bbox"]) if params.get("bbox") else None
    return RequestQuery(ids=ids, codes=_list(params, "service_code"), start=start, end=end, statuses=statuses,
                        bbox=bbox)


def feedback_layer_id(user: Caller) -> int | None:
    """The feedback layer if `user` may see it (the one access rule), else None (like no layer)."""
    return visible_layers(user).filter(slug=settings.FEEDBACK_LAYER).values_list("id", flat=True).first()


def requests(asked: RequestQuery, *, user: Caller) -> list[dict]:
    """The reports matching the query, newest first, at most FEEDBACK_REQUESTS_PAGE_MAX, as the spec's
    records; [] when the caller may not see the feedback layer."""
    layer_id = feedback_layer_id(user)
    if layer_id is None:
        return []
    conditions = [query.in_layer(layer_id)]
    if asked.ids is not None:
        conditions.append(Sql("f.source_id = ANY(%s)", [asked.ids]))
    else:
        conditions.append(query.during(asked.start, asked.end))
        if asked.codes:
            conditions.append(query.having({"category": list(asked.codes)}))
        if asked.statuses and len(asked.statuses) == 1:
            wanted = [s for s in Status.values if open311_status(s) == asked.statuses[0]]
            conditions.append(query.having({"status": wanted}))
        if asked.bbox is not None:
            conditions.append(query.in_bbox(asked.bbox))
    statement = query.select(Sql("f.source_id, f.properties, ST_X(f.geom), ST_Y(f.geom)"), query.where(conditions)) \
        + Sql(" ORDER BY f.time_start DESC, f.id DESC LIMIT %s", [settings.FEEDBACK_REQUESTS_PAGE_MAX])
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        rows = cursor.fetchall()
    return [_record(source_id, props if isinstance(props, dict) else json.loads(props), lon, lat)
            for source_id, props, lon, lat in rows]


def _record(source_id: str, props: dict, lon: float, lat: float) -> dict:
    status = props.get("status", "")
    return {
        "service_request_id": source_id,
        "status": open311_status(status),
        "status_notes": props.get("public_response") or "",
        "service_name": props.get("category_name", ""),
        "service_code": props.get("category", ""),
        "description": props.get("description", ""),
        "agency_responsible": props.get("handling_unit", ""),
        "service_notice": "",
        "requested_datetime": props.get("received_at"),
        "updated_datetime": props.get("updated_at") or props.get("received_at"),
        "expected_datetime": props.get("resolve_due"),
        "address": props.get("address", ""),
        "address_id": "",
        "zipcode": "",
        "lat": lat,
        "long": lon,
        "media_url": "",
        # Ours, beside the spec's: the workflow's own state.
        "detailed_status": status,
    }


def by_token(records: Iterable[tuple[int, str]]) -> list[dict]:
    return [{"service_request_id": f"1022-{pk}", "token": token} for pk, token in records]
