"""What one report posted through Open311 costs the database, on a platform with the monitoring
units (as the province's has): a fixed number of statements, whatever the layer holds, and the
feedback layer's row locked by the last statement before the commit, so that apps posting at once
queue on that row only for their commits (issue #16: 5,000 reports in under a minute)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.layer import feedback_layer
from feedback.models import Report
from layers.models import Feature, Layer
from tests.feedback_world import IN_PHUONG_1

pytestmark = pytest.mark.django_db
# The token, the category, the unit, the routing rule; the savepoint (outside a test's transaction:
# the transaction), the report, its first step, the layer's id, its feature, the layer's count,
# extent and version; the savepoint's release (the commit). And in a test the holiday table, which a
# process remembers only when read outside a transaction (feedback.sla.holiday_dates).
STATEMENTS_IN_A_STREAM = 11 + 1


def _post(world, where, **extra) -> list[dict]:
    fields = {"api_key": world.app_key, "service_code": "giao_thong", "lat": where[1], "long": where[0],
              "description": "Ổ gà lớn trước chợ", "phone": "0909123456", **extra}
    answer = Client().post("/open311/v2/requests.json", fields)
    assert answer.status_code == 201, answer.content
    return answer.json()


def _posted(world, where: tuple[float, float]) -> tuple[list[str], dict]:
    with CaptureQueriesContext(connection) as statements:
        created = _post(world, where)[0]
    return [q["sql"] for q in statements.captured_queries], created


@pytest.fixture
def stream(settings) -> None:
    """Reports come faster than the coalescing interval, however slow the machine."""
    settings.LAYERS_OBSERVATIONS_PUBLISH_INTERVAL = 3600


def test_a_report_in_a_stream_costs_a_fixed_number_of_statements(feedback_world, monitoring_units, stream):
    feedback_layer()
    _post(feedback_world, IN_PHUONG_1)  # the token's last use written, the layer's first bump made
    Layer.objects.filter(slug="feedback-1022").update(updated_at=timezone.now())  # published just now
    for _ in range(2):
        statements, created = _posted(feedback_world, IN_PHUONG_1)
        assert len(statements) <= STATEMENTS_IN_A_STREAM, "\n".join(statements)
        # Each report is still placed, routed, given deadlines and published on the layer.
        report = Report.objects.get(pk=int(created["service_request_id"].split("-")[1]))
        assert (report.commune_code, report.units, report.department) == ("80001", "2025", feedback_world.operators)
        assert report.resolve_due > report.acknowledge_due > report.received_at
        assert Feature.objects.filter(layer__slug="feedback-1022", source_id=created["service_request_id"]).exists()
    assert Layer.objects.get(slug="feedback-1022").feature_count == 3


def test_the_layer_row_is_locked_by_the_last_statement_before_the_commit(feedback_world, monitoring_units,
                                                                         stream):
    feedback_layer()
    _post(feedback_world, IN_PHUONG_1)
    for quiet in (False, True):  # the version waits for the deferred bump, or is bumped at once
        last_bump = timezone.now() - timedelta(hours=2 if quiet else 0)
        Layer.objects.filter(slug="feedback-1022").update(updated_at=last_bump)
        before = Layer.objects.get(slug="feedback-1022").version
        statements, _created = _posted(feedback_world, IN_PHUONG_1)
        touching = [i for i, sql in enumerate(statements) if "layers_layer" in sql and "FOR UPDATE" in sql]
        assert len(touching) == 1, "\n".join(statements)
        after = statements[touching[0] + 1:]
        # Only the commit follows; after a bump (once a second at most) also reads, which tell the
        # tiles' caches (tiles.access_memo's token) and read the layer row back — no write.
        assert "RELEASE SAVEPOINT" in after[-1], after
        if not quiet:
            assert len(after) == 1, "\n".join(after)
        assert not [sql for sql in after if any(word in sql for word in ("INSERT", "UPDATE", "DELETE"))], after
        assert Layer.objects.get(slug="feedback-1022").version == before + quiet
