"""The speed goals of alerts (issue #15), on the demo's 188 communes of 2022:

- 100 rules over the 188 communes (counts and maxima of a layer per commune over a moving window,
  with property filters) evaluated in under 5 s;
- from a new reading that crosses a threshold to its notification: p95 under 60 s. Measured here is
  the platform's own path (the write, the evaluation, the queued notification's delivery to a real
  SMTP server); the beat's poll (MONITORING_ALERTS_POLL_SECONDS) and the queue come on top.
"""

import socket
import time
from datetime import timedelta

import numpy as np
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import override_settings
from django.utils import timezone

from bench.monitoring_bench import _ensure_world
from bench.report import Row, measure
from layers.catalog import delete_layer, publish_changes
from layers.models import Feature, Layer
from layers.observations import receive
from monitoring import notifications
from monitoring.evaluation import evaluate, evaluate_rules
from monitoring.models import AlertRule, BoundaryVersion, Notification

SCHEMA = [
    {"name": "kind", "type": "string", "label_vi": "Loại", "label_en": "Kind"},
    {"name": "station_code", "type": "string", "label_vi": "Trạm", "label_en": "Station"},
    {"name": "value", "type": "number", "label_vi": "Giá trị", "label_en": "Value"},
]
KINDS = ("tai_nan", "un_tac", "ngap", "chay")


def _layer(slug: str, n: int, now) -> Layer:
    old = Layer.objects.filter(slug=slug).first()
    if old is not None:
        delete_layer(old)
    layer = Layer.objects.create(slug=slug, title_vi=slug, title_en=slug, domain="traffic", geometry_type="Point",
                                 property_schema=SCHEMA, time_kind="instant", access="internal")
    rng = np.random.default_rng(15)
    lon, lat = rng.uniform(105.6, 106.8, n), rng.uniform(10.4, 11.05, n)
    hours = rng.uniform(0, 48, n)
    Feature.objects.bulk_create(
        Feature(layer=layer, source_id=str(i), geom=Point(float(lon[i]), float(lat[i]), srid=4326),
                properties={"kind": KINDS[i % 4], "station_code": f"S{i % 50}", "value": float(i % 97)},
                time_start=now - timedelta(hours=float(hours[i])), time_end=now - timedelta(hours=float(hours[i])))
        for i in range(n)
    )
    return publish_changes(layer)


def _rules(layer: Layer, version: BoundaryVersion) -> list[AlertRule]:
    AlertRule.objects.filter(slug__startswith="bench-").delete()
    rules = []
    for i in range(100):
        aggregate = ("count", "max", "avg", "sum")[i % 4]
        rules.append(AlertRule.objects.create(
            slug=f"bench-{i}", title_vi=f"Bench {i}", title_en=f"Bench {i}", metric="layer", layer=layer,
            aggregate=aggregate, property="" if aggregate == "count" else "value",
            filters={"kind": KINDS[i % 4]} if i % 3 else {}, window_hours=(1, 6, 24)[i % 3],
            area_kind="level", boundary=version, level="commune", threshold=float(5 + i % 50), pending_seconds=0))
    return rules


class _Inbox:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "250 OK"


def run(args) -> list[Row]:
    _ensure_world()
    now = timezone.now()
    version = BoundaryVersion.objects.get(code="2022")
    layer = _layer("bench-alert-incidents", 50_000, now)
    rules = _rules(layer, version)
    units = version.units.filter(level="commune").count()
    median, p95 = measure(lambda: evaluate_rules(rules, now=now), repeat=max(3, args.repeat // 5), warmup=1)
    out = [Row("alerts", f"100 rules × {units} communes, one evaluation", median, p95, "goal: < 5 s")]

    # A reading crossing a threshold, to its e-mail on a real SMTP server.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    user, _ = User.objects.get_or_create(username="bench-duty", defaults={"is_superuser": True, "is_staff": True,
                                                                         "email": "duty@bench.local"})
    station = AlertRule.objects.create(
        slug="bench-station", title_vi="Trạm", title_en="Station", metric="station", layer=layer, aggregate="max",
        property="value", window_hours=1, area_kind="stations", threshold=1000, recovery=500, pending_seconds=0)
    station.recipient_users.set([user])
    values = iter(range(10**6))

    def crossing() -> None:
        i = next(values)
        at = timezone.now()
        value = 2000.0 if i % 2 == 0 else 10.0  # fire, then resolve: a notification every time
        receive(layer, {"type": "Feature", "id": f"cross-{i}", "time": at.isoformat(),
                        "geometry": {"type": "Point", "coordinates": [106.4, 10.5]},
                        "properties": {"station_code": "S-cross", "value": value}})
        if i % 2:
            Feature.objects.filter(layer=layer, properties__station_code="S-cross").exclude(
                source_id=f"cross-{i}").delete()
        evaluate(station, now=timezone.now())
        for pk in Notification.objects.filter(rule=station, status="queued").values_list("pk", flat=True):
            notifications.deliver(pk)

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=port):
        median, p95 = measure(crossing, repeat=max(10, args.repeat), warmup=2)
    controller.stop()
    out.append(Row("alerts", "reading → evaluation → e-mail sent", median, p95,
                   "goal: p95 < 60 s; + beat poll ≤ MONITORING_ALERTS_POLL_SECONDS and the queue"))
    AlertRule.objects.filter(slug__startswith="bench-").delete()
    delete_layer(layer)
    return out
