"""Webhook channels as their owners manage them over the API: listed, added, and tried with a signed
test message (monitoring.notifications signs and posts the real ones). The secret is write-only."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from layers.access import Caller
from layers.errors import NotFound, PermissionDenied
from monitoring.models import NotificationChannel
from monitoring.notifications import SIGNATURE_HEADER, signature
from monitoring.rule_edits import own_channels, staff


class ChannelNotFound(NotFound):
    code = "channel_not_found"


@dataclass(frozen=True)
class TrySend:
    ok: bool
    status: int | None
    error: str


def get_own_channel(user: Caller, channel_id: int) -> NotificationChannel:
    channel = own_channels(user).filter(pk=channel_id).first()
    if channel is None:
        raise ChannelNotFound()
    return channel


def add_channel(user: Caller, *, name: str, url: str, secret: str) -> NotificationChannel:
    if not staff(user):
        raise PermissionDenied()
    return NotificationChannel.objects.create(name=name, url=url, secret=secret, owner=user)


def test_send(channel: NotificationChannel) -> TrySend:
    """Post a signed test message now and say how it went. It counts for nothing: a test neither
    disables a channel nor clears its failures (deliveries do)."""
    body = json.dumps({"kind": "test", "channel": channel.name, "sent_at": timezone.now().isoformat(),
                       "events": []}, ensure_ascii=False).encode()
    request = urllib.request.Request(channel.url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: signature(channel.secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=settings.MONITORING_WEBHOOK_TIMEOUT) as response:
            response.read()
            return TrySend(True, response.status, "")
    except urllib.error.HTTPError as exc:
        return TrySend(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return TrySend(False, None, str(reason)[:200])
