"""What one observation pushed by a sensor costs the database (issue #16: 100 readings a second, each
in the tiles within 5 s): a fixed number of statements, whatever the layer holds, with the token
checked once, the writable layer found by one statement and the layer row locked last."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from layers.models import Feature, Layer
from tests import test_observations as observations
from tests.conftest import token_client

pytestmark = pytest.mark.django_db
# The token, its user and their groups; the layer they may write; the savepoint (outside a test's
# transaction: the transaction), the upsert, the layer row's lock (the version then waits for the
# deferred bump), the savepoint's release (the commit).
STATEMENTS_IN_A_STREAM = 6


@pytest.fixture
def stream(settings) -> None:
    """Readings come faster than the coalescing interval, however slow the machine."""
    settings.LAYERS_OBSERVATIONS_PUBLISH_INTERVAL = 3600


def _posted(client, layer: Layer, source_id: str, value: float) -> tuple[list[str], dict]:
    with CaptureQueriesContext(connection) as statements:
        answer = observations.post(client, layer, observations.feature(source_id, value))
    assert answer.status_code == 200, answer.content
    return [q["sql"] for q in statements.captured_queries], answer.json()


def test_a_reading_in_a_stream_costs_a_fixed_number_of_statements(steward, stream):
    layer = observations.salinity_layer()
    layer.owner = steward.stewarded_departments.get()
    layer.save()
    client = token_client(steward)
    observations.post(client, layer, observations.feature("first", 1.0))  # the token's last use written
    Layer.objects.filter(pk=layer.pk).update(updated_at=timezone.now())  # published just now
    for i, value in enumerate((2.0, 2.5)):
        statements, written = _posted(client, layer, f"s-{i}", value)
        assert len(statements) <= STATEMENTS_IN_A_STREAM, "\n".join(statements)
        assert sum("layers_apitoken" in sql for sql in statements) == 1, "\n".join(statements)
        assert not [sql for sql in statements if sql.lstrip().startswith('SELECT "auth_group"')], statements
        assert written == {"received": 1, "inserted": 1, "updated": 0, "unchanged": 0, "published": "soon"}
        assert Feature.objects.get(layer=layer, source_id=f"s-{i}").properties["salinity_gl"] == value
    # A retry changes nothing and costs no more.
    statements, written = _posted(client, layer, "s-1", 2.5)
    assert len(statements) <= STATEMENTS_IN_A_STREAM, "\n".join(statements)
    assert written["unchanged"] == 1 and written["published"] == "nothing"
