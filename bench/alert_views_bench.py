"""What showing alerts costs (issue #15, point 5 and 8), in the worst case: 100 rules firing in each of
the demo's 188 communes of 2022 (18,800 firing areas with their outlines).

- rewriting the firing-alert layers (monitoring.alert_layers.refresh), which follows every evaluation
  that moved something: it must stay well inside the 5 s budget of evaluating 100 rules;
- the current alerts over the API (the 200 newest firing), the Alerts page (200 shown), a wall scene's
  alerts panel (the 10 newest), each as a signed-in superuser sees them (every rule).
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.monitoring_bench import _ensure_world
from bench.report import Row, measure
from layers.catalog import delete_layer
from layers.models import Layer
from monitoring import alert_layers
from monitoring.models import AdminUnit, AlertEvent, AlertRule, AlertState, BoundaryVersion
from wall.models import Scene

RULES = 100


def _world() -> tuple[Layer, int]:
    old = Layer.objects.filter(slug="bench-alert-source").first()
    if old is not None:
        delete_layer(old)
    AlertRule.objects.filter(slug__startswith="bench-view-").delete()
    layer = Layer.objects.create(slug="bench-alert-source", title_vi="Nguồn", title_en="Source", domain="traffic",
                                 geometry_type="Point", access="internal",
                                 property_schema=[{"name": "v", "type": "number", "label_vi": "v", "label_en": "v"}])
    version = BoundaryVersion.objects.get(code="2022")
    units = list(AdminUnit.objects.filter(version=version, level="commune").only("id", "name", "geom"))
    now = timezone.now()
    rules = AlertRule.objects.bulk_create(AlertRule(
        slug=f"bench-view-{i}", title_vi=f"Cảnh báo {i}", title_en=f"Alert {i}", metric="layer", layer=layer,
        aggregate="count", area_kind="level", boundary=version, level="commune", threshold=1,
        severity=("info", "warning", "critical")[i % 3]) for i in range(RULES))
    events = AlertEvent.objects.bulk_create(AlertEvent(
        rule=rule, area_key=str(u.pk), area_name=u.name, severity=rule.severity,
        fired_at=now - timedelta(minutes=i), fired_value=3, peak_value=3)
        for rule in rules for i, u in enumerate(units))
    by_key = {(e.rule_id, e.area_key): e for e in events}
    AlertState.objects.bulk_create(AlertState(
        rule=rule, area_key=str(u.pk), area_name=u.name, geom=u.geom, status="firing", value=3,
        since=now - timedelta(minutes=i), event=by_key[(rule.pk, str(u.pk))])
        for rule in rules for i, u in enumerate(units))
    return layer, len(units)


def run(args) -> list[Row]:
    _ensure_world()
    layer, units = _world()
    with connection.cursor() as cur:
        cur.execute("ANALYZE monitoring_alertstate; ANALYZE monitoring_alertevent")
    areas = RULES * units
    repeat = max(3, args.repeat // 5)
    median, p95 = measure(alert_layers.refresh, repeat=repeat, warmup=1)
    out = [Row("alerts", f"alert layers rewritten, {areas} firing areas", median, p95,
               "after each evaluation that moved; vs the 5 s for evaluating 100 rules")]
    user, _ = User.objects.get_or_create(username="bench-duty", defaults={"is_superuser": True, "is_staff": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def ok(url: str, **params):
        def call():
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)
        return call

    median, p95 = measure(ok("/api/alerts/", state="firing", limit="200"), repeat=max(5, args.repeat), warmup=2)
    out.append(Row("alerts", f"GET /api/alerts/?state=firing (200 of {areas})", median, p95))
    median, p95 = measure(ok("/alerts/"), repeat=repeat, warmup=1)
    out.append(Row("alerts", f"Alerts page (200 of {areas} shown)", median, p95))
    Scene.objects.filter(slug="bench-alerts").delete()
    Scene.objects.create(slug="bench-alerts", title_vi="Cảnh báo", title_en="Alerts", layout={
        "grid": {"rows": 1, "cols": 1}, "panels": [{"id": "alerts", "kind": "alerts", "row": 0, "col": 0}]})
    median, p95 = measure(ok("/api/wall/scenes/bench-alerts/data"), repeat=max(5, args.repeat), warmup=2)
    out.append(Row("alerts", "wall scene data, alerts panel (10 newest)", median, p95))
    Scene.objects.filter(slug="bench-alerts").delete()
    AlertRule.objects.filter(slug__startswith="bench-view-").delete()
    alert_layers.refresh()
    delete_layer(layer)
    return out
