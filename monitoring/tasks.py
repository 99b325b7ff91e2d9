"""Celery tasks: thin edges that take ids and call one function, queued with transaction.on_commit."""

from celery import shared_task
from django.db import transaction

from monitoring import evaluation
from monitoring.layers import refresh_features
from monitoring.models import Indicator


@shared_task(name="monitoring.refresh_layer")
def refresh_layer(indicator_id: int) -> int:
    """Rewrite an indicator's layer from its values; the layer's new version."""
    indicator = Indicator.objects.select_related("service__department", "layer").filter(pk=indicator_id).first()
    return 0 if indicator is None else refresh_features(indicator).version


def queue_refresh(indicator_ids: list[int]) -> None:
    transaction.on_commit(lambda: [refresh_layer.delay(pk) for pk in indicator_ids])


@shared_task(name="monitoring.evaluate_alerts", ignore_result=True)
def evaluate_alerts() -> int:
    """On the beat: evaluate the rules that are due; the number of events that fired or resolved."""
    return len(evaluation.evaluate_due())
