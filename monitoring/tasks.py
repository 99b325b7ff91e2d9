"""Celery tasks: thin edges that take ids and call one function, queued with transaction.on_commit."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from monitoring import alert_layers, evaluation, notifications
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
    """On the beat: evaluate the rules that are due, then send the reminders that are due; the number
    of events that fired or resolved."""
    events = evaluation.evaluate_due()
    if events:
        # The firing alerts' layers follow the states: only those of the scopes that moved
        # (monitoring.alert_layers; 2.2 s for 18,800 firing areas in one scope, bench alert_views_bench).
        alert_layers.refresh_rules({event.rule_id for event in events})
    else:
        alert_layers.refresh_if_stale()  # and the access of the layers their rules watch
    notifications.remind()
    return len(events)


@shared_task(bind=True, name="monitoring.deliver", ignore_result=True, max_retries=None)
def deliver(self, notification_id: int) -> str:
    """Send one alert notification; retried with a doubling pause (10 s, 20 s, …) up to
    MONITORING_DELIVERY_ATTEMPTS attempts in all."""
    try:
        return notifications.deliver(notification_id)
    except notifications.DeliveryFailed:
        if self.request.retries + 1 >= settings.MONITORING_DELIVERY_ATTEMPTS:
            return "failed"
        raise self.retry(countdown=10 * 2 ** self.request.retries) from None
