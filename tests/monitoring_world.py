"""The monitoring part of the demo world for tests: both boundary sets with their crosswalk, the 15
services and their indicators, and the demo values of 2025-04 to 2025-09 (three months on each side of
the boundary change). Built once per module and committed, then removed; each test runs in a
transaction of its own. The indicators' layers are written by the tests that look at them
(monitoring.layers.refresh_features). Registered for every test module by tests/conftest.py."""

import pytest
from django.contrib.auth.models import Group

from fixtures.departments import DEMO_DEPARTMENTS
from fixtures.monitoring import load_demo_monitoring
from layers import history
from layers.catalog import delete_layer
from layers.models import Department, KeptVersion, Layer
from monitoring.models import BoundaryVersion, Indicator, Service

FIRST, LAST = (2025, 4), (2025, 9)


@pytest.fixture(scope="module")
def monitoring_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo_monitoring(seed=2022, first=FIRST, last=LAST, layers="none", progress=lambda _text: None)
        yield
        # A ratio protects its parts: it goes first.
        Indicator.objects.filter(aggregation="ratio").delete()
        Service.objects.all().delete()
        for layer in Layer.objects.filter(domain="monitoring"):
            layer_id = layer.pk
            delete_layer(layer)
            # Gone for good: a deletion is kept for a restore (layers.history), which would outlive the
            # module and be found by the next module's questions about deleted layers.
            for kept in KeptVersion.objects.filter(layer_id=layer_id):
                history._forget(kept)
        BoundaryVersion.objects.all().delete()
        codes = [d.code for d in DEMO_DEPARTMENTS]
        groups = list(Department.objects.filter(code__in=codes).values_list("group_id", flat=True))
        Department.objects.filter(code__in=codes).delete()
        Group.objects.filter(pk__in=groups).delete()
        Group.objects.filter(name="health").delete()
