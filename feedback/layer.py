"""The feedback layer: every report is a feature of one layer (FEEDBACK_LAYER, the demo world's
`feedback-1022`), so tiles, GeoJSON, exports, counts, search and the wall show reports through the
one path and the one access rule. A feature carries the public view of a report only: category,
status, location, description and the public response — never the reporter's contact details
(feedback.privacy). Every write bumps the layer's version: a desk's step at once, the stream of new
reports coalesced to about one bump a second (`publish`)."""

import json
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from feedback.models import OPEN_STATUSES, Report, Status
from layers.catalog import publish_changes, publish_upserts
from layers.models import Access, Feature, Layer, TimeKind
from layers.observations import publish_coalesced
from layers.schema import validate_property_schema, validate_style

STATUS_COLOURS = {
    "open": ("#3182bd", "Đang xử lý", "Open, on time"),
    "overdue": ("#de2d26", "Quá hạn", "Overdue"),
    "resolved": ("#31a354", "Đã xử lý", "Resolved or closed"),
    "declined": ("#969696", "Từ chối, trùng, không thuộc thẩm quyền", "Rejected, duplicate, not in remit"),
}


def _prop(name: str, kind: str, vi: str, en: str) -> dict:
    return {"name": name, "type": kind, "label_vi": vi, "label_en": en}


PROPERTY_SCHEMA = [
    _prop("service_request_id", "string", "Mã phản ánh", "Report id"),
    _prop("category", "string", "Lĩnh vực", "Category"),
    _prop("category_name", "string", "Tên lĩnh vực", "Category name"),
    _prop("priority", "string", "Mức độ", "Priority"),
    _prop("status", "string", "Trạng thái", "Status"),
    _prop("sla", "string", "Tiến độ", "Progress"),
    _prop("overdue", "boolean", "Quá hạn", "Overdue"),
    _prop("description", "string", "Nội dung", "Description"),
    _prop("address", "string", "Địa chỉ", "Address"),
    _prop("commune_code", "string", "Mã xã", "Commune code"),
    _prop("commune_name", "string", "Xã, phường", "Commune"),
    _prop("district_code", "string", "Mã huyện", "District code"),
    _prop("handling_unit", "string", "Đơn vị xử lý", "Handling unit"),
    _prop("received_at", "datetime", "Thời điểm tiếp nhận", "Received at"),
    _prop("resolve_due", "datetime", "Hạn xử lý", "Due"),
    _prop("resolved_at", "datetime", "Thời điểm xử lý xong", "Resolved at"),
    _prop("updated_at", "datetime", "Cập nhật lúc", "Updated at"),
    _prop("public_response", "string", "Trả lời công khai", "Public response"),
    _prop("rating", "integer", "Mức hài lòng", "Satisfaction"),
]
STYLE = {
    "type": "circle", "color": "#3182bd", "radius": 5, "outline_color": "#ffffff",
    # Overdue reports are drawn in red (their `sla` is "overdue"; feedback.overdue flips it on time).
    "categories": {"property": "sla", "stops": [{"value": key, "color": colour, "label_vi": vi, "label_en": en}
                                                for key, (colour, vi, en) in STATUS_COLOURS.items()]},
}


def feedback_layer() -> Layer:
    """The layer, created (internal, as the demo world has it) when missing; its schema and style are
    the live ones. Access stays what the operators set."""
    layer = Layer.objects.filter(slug=settings.FEEDBACK_LAYER).first()
    if layer is not None and layer.property_schema == PROPERTY_SCHEMA and layer.style == STYLE:
        return layer
    validate_property_schema(PROPERTY_SCHEMA)
    validate_style(STYLE)
    with transaction.atomic():
        layer, _ = Layer.objects.select_for_update().get_or_create(slug=settings.FEEDBACK_LAYER, defaults=dict(
            title_vi="Phản ánh kiến nghị 1022", title_en="1022 citizen feedback", domain="feedback",
            geometry_type="Point", access=Access.INTERNAL, time_kind=TimeKind.INSTANT,
            source_department="Sở Thông tin và Truyền thông",
            description="Phản ánh của người dân và doanh nghiệp qua Tổng đài 1022, ứng dụng Long An số và "
                        "cổng 1022, trực tiếp từ quy trình xử lý (không có thông tin liên hệ của người phản ánh)."))
        Layer.objects.filter(pk=layer.pk).update(property_schema=PROPERTY_SCHEMA, style=STYLE)
        return publish_changes(layer)


# The live schema and style as JSON text, once: the check below binds them to jsonb.
_LIVE_JSON = (json.dumps(PROPERTY_SCHEMA, ensure_ascii=False), json.dumps(STYLE, ensure_ascii=False))


def feedback_layer_id() -> int:
    """The layer's id, as `feedback_layer` makes sure of it. Asked on every report received: one
    plain statement compares the schema and style in SQL (jsonb equality), so the usual answer is
    one narrow row, not the catalog row with its JSON brought into Python."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM layers_layer WHERE slug = %s AND property_schema = %s::jsonb"
                       " AND style = %s::jsonb", [settings.FEEDBACK_LAYER, *_LIVE_JSON])
        row = cursor.fetchone()
    return row[0] if row is not None else feedback_layer().pk


def sla_state(report: Report) -> str:
    if report.status in OPEN_STATUSES:
        return "overdue" if report.overdue else "open"
    if report.status in (Status.RESOLVED, Status.CLOSED):
        return "resolved"
    return "declined"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def public_properties(report: Report) -> dict:
    """What anyone who may see the layer sees of a report."""
    return {
        "service_request_id": report.service_request_id,
        "category": report.category.code,
        "category_name": report.category.name_vi,
        "priority": report.priority,
        "status": report.status,
        "sla": sla_state(report),
        "overdue": report.overdue,
        "description": report.description,
        "address": report.address,
        "commune_code": report.commune_code,
        "commune_name": report.commune_name,
        "district_code": report.district_code,
        "handling_unit": report.department.name_vi if report.department is not None else "",
        "received_at": _iso(report.received_at),
        "resolve_due": _iso(report.resolve_due),
        "resolved_at": _iso(report.resolved_at),
        "updated_at": _iso(report.updated_at),
        "public_response": report.public_response,
        "rating": report.rating,
    }


def feature_of(report: Report, layer: Layer) -> Feature:
    return Feature(layer=layer, source_id=report.service_request_id, geom=report.location,
                   properties=public_properties(report), time_start=report.received_at,
                   time_end=report.received_at)


def publish(reports: Iterable[Report], *, new: bool = False) -> str:
    """Write the features of these reports (insert or update by source id) and bump the layer's
    version, in the caller's transaction; "now" or "soon" (layers.observations.publish_coalesced).

    `new`: the reports were just received. Intake is a stream (thousands a day at peak, bursts of
    tens a second), so its bumps are coalesced as observations' are: the first report after a quiet
    second bumps at once (its feature added to the count and extent in place), the others within
    about a second, by one deferred bump. A desk's step (new=False) bumps at once: the officer looks
    at the map next."""
    layer = Layer(pk=feedback_layer_id(), slug=settings.FEEDBACK_LAYER)  # the bumps need its id only
    reports = list(reports)
    features = [feature_of(report, layer) for report in reports]
    Feature.objects.bulk_create(features, batch_size=2000, update_conflicts=True,
                                unique_fields=["layer", "source_id"],
                                update_fields=["geom", "properties", "time_start", "time_end"])
    if not new:
        publish_upserts(layer, added=0, box=None)
        return "now"
    if not reports:
        return "nothing"
    xs, ys = [r.location.x for r in reports], [r.location.y for r in reports]
    # The count and extent grow at once (exports read the count), the version now or with the
    # deferred bump.
    published = publish_coalesced(layer, upserted=(len(features), (min(xs), min(ys), max(xs), max(ys))))
    return published
