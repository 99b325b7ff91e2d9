"""Notifications as the duty officers and their systems receive them: a real SMTP server and real
webhook receivers on 127.0.0.1, five stations firing together in one message, a restricted rule with
an outsider among the recipients, a signed webhook, a failing one disabled, reminders and resolves."""

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Group

from layers.models import Access
from monitoring import notifications
from monitoring.acknowledgements import acknowledge
from monitoring.evaluation import evaluate
from monitoring.models import AlertEvent, Notification, NotificationChannel
from tests.alert_world import START, STATION_SCHEMA, reading, salinity_rule
from tests.conftest import make_layer

STATIONS = ("MN-NR", "MN-TY", "MN-BT", "MN-BX", "MN-XB")


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


def receiver(status: int):
    calls = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append((self.headers, body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, calls


@pytest.fixture
def hooks():
    ok, ok_calls = receiver(204)
    broken, broken_calls = receiver(500)
    yield (f"http://127.0.0.1:{ok.server_port}/alerts", ok_calls), (f"http://127.0.0.1:{broken.server_port}/", broken_calls)
    ok.shutdown()
    broken.shutdown()


def five_stations_over(layer, rule):
    for code in STATIONS:
        reading(layer, START, 4.6, station=code)
    return evaluate(rule, now=START)


def deliver_all() -> list[str]:
    return [notifications.deliver(pk) for pk in
            Notification.objects.filter(status="queued").order_by("pk").values_list("pk", flat=True)]


def test_five_stations_firing_together_make_one_e_mail_and_an_outsider_gets_none_of_a_restricted_rule(
        smtp, health_group, health_officer, outsider):
    layer = make_layer("salinity-restricted", access=Access.RESTRICTED, groups=[health_group], time_kind="instant",
                       domain="water", property_schema=STATION_SCHEMA)
    rule = salinity_rule(layer, pending_seconds=0, message_vi="{area}: độ mặn {value} g/l (ngưỡng {threshold})")
    duty = Group.objects.create(name="duty-officers")
    for user, email in ((health_officer, "yte@longan.gov.vn"), (outsider, "outsider@example.org")):
        user.email = email
        user.save()
        user.groups.add(duty)
    rule.recipient_groups.set([duty])
    assert len(five_stations_over(layer, rule)) == 5
    assert deliver_all() == ["sent"]
    [(to, content)] = smtp.messages
    assert to == ["yte@longan.gov.vn"]
    mail = message_from_bytes(content, policy=policy.default)
    assert mail["Subject"] == "[CẢNH BÁO] Độ mặn trên 4 g/l (5)"
    assert mail.get_content().splitlines()[0] == "MN-BT: độ mặn 4.6 g/l (ngưỡng 4)"
    assert Notification.objects.get().events.count() == 5
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_a_webhook_gets_the_events_as_signed_json_and_a_failing_one_is_disabled_after_its_failures(
        hooks, official, settings):
    settings.MONITORING_WEBHOOK_MAX_FAILURES = 2
    (ok_url, ok_calls), (broken_url, broken_calls) = hooks
    layer = make_layer("salinity-hooked", access=Access.INTERNAL, time_kind="instant", domain="water",
                       property_schema=STATION_SCHEMA)
    rule = salinity_rule(layer, pending_seconds=0)
    good = NotificationChannel.objects.create(name="SCADA", url=ok_url, secret="s3cret", owner=official)
    bad = NotificationChannel.objects.create(name="Zalo relay", url=broken_url, secret="x", owner=official)
    rule.channels.set([good, bad])
    five_stations_over(layer, rule)
    sent = Notification.objects.get(channel=good)
    assert notifications.deliver(sent.pk) == "sent"
    [(headers, body)] = ok_calls
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers.get("X-Geo-IOC-Signature") == expected
    document = json.loads(body)
    assert (document["kind"], document["rule"], len(document["events"])) == ("fired", rule.slug, 5)
    failing = Notification.objects.get(channel=bad)
    for _ in range(2):
        with pytest.raises(notifications.DeliveryFailed):
            notifications.deliver(failing.pk)
    bad.refresh_from_db()
    assert bad.disabled_at is not None and bad.failures == 2 and len(broken_calls) == 2
    assert notifications.webhooks(rule) == [good]


def test_a_firing_left_unacknowledged_is_recalled_after_its_repeat_interval_and_its_resolve_is_told(
        smtp, superuser):
    superuser.email = "truc-ban@longan.gov.vn"
    superuser.save()
    layer = make_layer("salinity-reminded", time_kind="instant", domain="water", property_schema=STATION_SCHEMA)
    rule = salinity_rule(layer, pending_seconds=0, repeat_seconds=4 * 3600)
    rule.recipient_users.set([superuser])
    reading(layer, START, 4.6)
    evaluate(rule, now=START)
    event = AlertEvent.objects.get(rule=rule)
    assert notifications.remind(now=START + timedelta(hours=3)) == 0
    assert notifications.remind(now=START + timedelta(hours=4)) == 1
    acknowledge(superuser, event.pk, note="Đang xử lý")
    assert notifications.remind(now=START + timedelta(hours=9)) == 0
    reading(layer, START + timedelta(hours=10), 3.0)
    evaluate(rule, now=START + timedelta(hours=10))
    kinds = list(Notification.objects.filter(rule=rule).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["fired", "reminder", "resolved"]
    assert deliver_all() == ["sent"] * 3 and len(smtp.messages) == 3
