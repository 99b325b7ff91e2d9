"""Telling people: on fire, on resolve, and a reminder every `repeat_seconds` while an event fires
unacknowledged. The events of one rule that move in one evaluation make one message (five communes
firing together: one e-mail, one webhook call). Silenced areas are left out.

Who hears: the rule's recipient users and the members of its recipient groups (a department is a
group), each only if they may see the rule — everything it names — by the one access rule
(monitoring.rules.visible_rules); its webhooks only if their owner may. Nothing is sent during the
evaluation: a Notification row per recipient or webhook is queued (`monitoring.deliver`) after the
commit, and delivery retries with a doubling pause; a webhook failing MONITORING_WEBHOOK_MAX_FAILURES
times in a row is disabled.
"""

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from monitoring.acknowledgements import silenced_areas
from monitoring.models import AlertEvent, AlertRule, Notification, NotificationChannel, NotificationKind
from monitoring.rules import visible_rules

SIGNATURE_HEADER = "X-Geo-IOC-Signature"


class DeliveryFailed(Exception):
    pass


def recipients(rule: AlertRule) -> list:
    users = get_user_model().objects.filter(
        Q(pk__in=rule.recipient_users.values("pk")) | Q(groups__in=rule.recipient_groups.values("pk")),
        is_active=True,
    ).exclude(email="").distinct()
    return [user for user in users if visible_rules(user).filter(pk=rule.pk).exists()]


def webhooks(rule: AlertRule) -> list[NotificationChannel]:
    return [channel for channel in rule.channels.filter(disabled_at__isnull=True).select_related("owner")
            if visible_rules(channel.owner).filter(pk=rule.pk).exists()]


def notify(rule: AlertRule, events: list[AlertEvent], *, kind: str, now: datetime) -> list[Notification]:
    """Queue one message per recipient and webhook about the events not silenced."""
    muted = silenced_areas(rule, now=now)
    events = [] if "" in muted else [e for e in events if e.area_key not in muted]
    if not events:
        return []
    queued = [Notification(rule=rule, kind=kind, recipient=user) for user in recipients(rule)]
    queued += [Notification(rule=rule, kind=kind, channel=channel) for channel in webhooks(rule)]
    with transaction.atomic():
        for notification in queued:
            notification.save()
            notification.events.set(events)
        AlertEvent.objects.filter(pk__in=[e.pk for e in events]).update(notified_at=now)
    from monitoring.tasks import deliver  # tasks import this module

    ids = [n.pk for n in queued]
    transaction.on_commit(lambda: [deliver.delay(pk) for pk in ids])
    return queued


def notify_transitions(rule: AlertRule, events: list[AlertEvent], *, now: datetime) -> None:
    fired = [e for e in events if e.resolved_at is None]
    resolved = [e for e in events if e.resolved_at is not None]
    if fired:
        notify(rule, fired, kind=NotificationKind.FIRED, now=now)
    if resolved:
        notify(rule, resolved, kind=NotificationKind.RESOLVED, now=now)


def remind(*, now: datetime | None = None) -> int:
    """Reminders for events still firing, unacknowledged, last told about `repeat_seconds` ago."""
    now = now or timezone.now()
    due = (AlertEvent.objects.filter(resolved_at__isnull=True, acknowledged_at__isnull=True, notified_at__isnull=False)
           .filter(notified_at__lte=now - timedelta(seconds=1) * F("rule__repeat_seconds"))
           .select_related("rule"))
    by_rule: dict[int, list[AlertEvent]] = {}
    for event in due:
        by_rule.setdefault(event.rule_id, []).append(event)
    for events in by_rule.values():
        notify(events[0].rule, events, kind=NotificationKind.REMINDER, now=now)
    return len(by_rule)


def message(rule: AlertRule, events: list[AlertEvent], *, kind: str, language: str) -> tuple[str, str]:
    """(subject, body) in the recipient's language."""
    vi = language == "vi"
    title = rule.title_vi if vi else rule.title_en
    head = {"fired": ("CẢNH BÁO", "ALERT"), "resolved": ("ĐÃ HẾT", "RESOLVED"),
            "reminder": ("NHẮC LẠI", "REMINDER")}[kind][0 if vi else 1]
    template = (rule.message_vi if vi else rule.message_en) or "{area}: {value}"
    lines = []
    for event in events:
        value = event.peak_value if kind != "fired" else event.fired_value
        try:
            lines.append(template.format(rule=title, area=event.area_name, value=f"{value:g}",
                                         threshold=f"{rule.threshold:g}", unit=rule.property))
        except (KeyError, IndexError, ValueError):
            lines.append(f"{event.area_name}: {value:g}")
    return f"[{head}] {title} ({len(events)})", "\n".join(lines)


def payload(notification: Notification) -> dict:
    rule = notification.rule
    return {
        "kind": notification.kind, "rule": rule.slug, "title_vi": rule.title_vi, "title_en": rule.title_en,
        "severity": rule.severity, "threshold": rule.threshold,
        "events": [{"id": e.pk, "area": e.area_key, "area_name": e.area_name, "fired_at": e.fired_at.isoformat(),
                    "value": e.fired_value, "peak": e.peak_value,
                    "resolved_at": e.resolved_at.isoformat() if e.resolved_at else None}
                   for e in notification.events.order_by("area_name")],
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(notification_id: int) -> str:
    """Send one queued notification; DeliveryFailed to be retried. The webhook's failure count and
    its disabling are kept here."""
    notification = Notification.objects.select_related("rule", "recipient", "channel").filter(pk=notification_id).first()
    if notification is None:
        return "gone"  # its rule was deleted after it was queued: nothing to tell
    if notification.status == "sent":
        return "sent"
    Notification.objects.filter(pk=notification.pk).update(attempts=F("attempts") + 1)
    if notification.channel_id is not None:
        return _post(notification)
    user = notification.recipient
    # Asked again at delivery: a recipient who lost access since the evaluation gets nothing.
    if not visible_rules(user).filter(pk=notification.rule_id).exists():
        Notification.objects.filter(pk=notification.pk).update(status="dropped")
        return "dropped"
    with translation.override("vi"):
        subject, body = message(notification.rule, list(notification.events.order_by("area_name")),
                                kind=notification.kind, language="vi")
    try:
        send_mail(subject, body, None, [user.email])
    except OSError as exc:
        Notification.objects.filter(pk=notification.pk).update(status="failed", error=str(exc)[:500])
        raise DeliveryFailed(str(exc)) from exc
    Notification.objects.filter(pk=notification.pk).update(status="sent", sent_at=timezone.now(), error="")
    return "sent"


def _post(notification: Notification) -> str:
    channel = notification.channel
    if channel.disabled_at is not None or not visible_rules(channel.owner).filter(pk=notification.rule_id).exists():
        Notification.objects.filter(pk=notification.pk).update(status="dropped")
        return "dropped"
    body = json.dumps(payload(notification), ensure_ascii=False).encode()
    request = urllib.request.Request(channel.url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: signature(channel.secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=settings.MONITORING_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            response.read()
    except (urllib.error.URLError, OSError) as exc:
        _failed(channel, notification, str(exc))
        raise DeliveryFailed(str(exc)) from exc
    NotificationChannel.objects.filter(pk=channel.pk).update(failures=0, last_error="")
    Notification.objects.filter(pk=notification.pk).update(status="sent", sent_at=timezone.now(), error="")
    return "sent"


def _failed(channel: NotificationChannel, notification: Notification, error: str) -> None:
    NotificationChannel.objects.filter(pk=channel.pk).update(failures=F("failures") + 1, last_error=error[:500])
    NotificationChannel.objects.filter(pk=channel.pk, failures__gte=settings.MONITORING_WEBHOOK_MAX_FAILURES,
                                       disabled_at__isnull=True).update(disabled_at=timezone.now())
    Notification.objects.filter(pk=notification.pk).update(status="failed", error=error[:500])
