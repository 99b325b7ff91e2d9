"""From a reading to the duty officer's inbox, with every piece real: readings pushed over the API,
a Celery beat sending the evaluation every second, a Celery worker evaluating and delivering, and
an aiosmtpd server receiving. The salinity rises over 4 g/l: one e-mail; it swings around the
threshold: nothing more; it falls below 3.5 g/l: one resolve e-mail.

The worker and the beat are this module's own (tests/import_workers.py's way: a broker database no
other worker listens to), started with the SMTP server's address in their environment."""

import os
import socket
import subprocess
import sys
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from layers.models import Feature
from monitoring.models import AlertEvent, AlertState, Notification
from tests.alert_world import STATION_SCHEMA, salinity_rule
from tests.conftest import ROOT, make_layer, token_client, wait_for
from tests.departments import make_department
from tests.import_workers import kill_broker_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture
def worker_and_beat(transactional_db, inbox, tmp_path):
    """A worker and a beat on a broker of their own, sending mail to the inbox; stopped before the
    test's tables are flushed."""
    _box, port = inbox
    db = settings.DATABASES["default"]
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "GEO_IOC_TEST_BASE_SETTINGS": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings"),
        "GEO_IOC_TEST_BROKER": kill_broker_url(),
        "CELERY_VISIBILITY_TIMEOUT": "900",
        "DATABASE_URL": f"postgis://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
        "MONITORING_ALERTS_POLL_SECONDS": "1",
    }
    log_dir = tmp_path
    processes = []
    for name, args in (
        ("worker", ["worker", "--pool", "solo", "--loglevel", "INFO", "--hostname", f"alerts-e2e-{os.getpid()}@%h",
                    "--without-mingle", "--without-gossip", "--without-heartbeat", "--purge"]),
        ("beat", ["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "beat-schedule")]),
    ):
        log = open(log_dir / f"{name}.log", "w")
        processes.append(subprocess.Popen([sys.executable, "-m", "celery", "-A", "geo_ioc", *args], cwd=ROOT, env=env,
                                          stdout=log, stderr=subprocess.STDOUT))
    yield log_dir
    for process in reversed(processes):  # the beat first: nothing new is sent while the worker ends
        process.terminate()
        process.wait(timeout=30)


def push(client, layer, value: float, n: int) -> None:
    body = {"type": "Feature", "id": f"MN-BX-{n}", "time": timezone.now().isoformat(),
            "geometry": {"type": "Point", "coordinates": [106.45, 10.62]},
            "properties": {"station_code": "MN-BX", "salinity_gl": value}}
    response = client.post(f"/api/layers/{layer.slug}/observations/", body, format="json")
    assert response.status_code == 200, response.content


def test_a_reading_over_4_then_swings_then_one_below_3_5_make_one_alert_mail_and_one_resolve_mail(
        inbox, worker_and_beat):
    box, _port = inbox
    logger = User.objects.create_user("salinity-logger", is_staff=True)
    duty = User.objects.create_user("duty-officer", email="truc-ban@ioc.longan.gov.vn", is_staff=True)
    department = make_department("water-e2e", stewards=(logger,))
    duty.groups.add(department.group)
    layer = make_layer("salinity-e2e", time_kind="instant", domain="water", property_schema=STATION_SCHEMA,
                       owner=department, access="internal")
    # The window holds the last reading only (the latest value decides), evaluated every second.
    rule = salinity_rule(layer, pending_seconds=0, window_hours=1, interval_seconds=1, aggregate="max")
    rule.recipient_users.set([duty])
    client = token_client(logger)

    push(client, layer, 3.0, 0)
    wait_for(lambda: AlertState.objects.filter(rule=rule, status="normal").exists(), 60, "the first evaluation")
    push(client, layer, 4.6, 1)
    event = wait_for(lambda: AlertEvent.objects.filter(rule=rule).first(), 60, "the rule fired on the worker")
    wait_for(lambda: len(box.messages) == 1, 60, "the alert e-mail")
    mail = box.messages[0]
    assert mail["To"] == "truc-ban@ioc.longan.gov.vn"
    assert mail["Subject"].startswith("[CẢNH BÁO]") and "MN-BX" in mail.get_content()
    assert event.fired_value == 4.6

    # Swings around 4 g/l, all above the recovery threshold: the window's max stays over 3.5.
    for n, value in enumerate((3.9, 4.1, 3.8), start=2):
        push(client, layer, value, n)
    # Then every reading of the hour is below 3.5 (older ones leave the window: deleted here).
    Feature.objects.filter(layer=layer).delete()
    push(client, layer, 3.2, 9)
    wait_for(lambda: AlertEvent.objects.get(pk=event.pk).resolved_at is not None, 60, "the resolve")
    wait_for(lambda: len(box.messages) == 2, 60, "the resolve e-mail")
    assert box.messages[1]["Subject"].startswith("[ĐÃ HẾT]")
    assert AlertEvent.objects.filter(rule=rule).count() == 1
    # The worker marks a notification sent after the SMTP server has taken it: the mail can be in the
    # box a moment before the mark is in the database.
    sent = [("fired", "sent"), ("resolved", "sent")]
    wait_for(lambda: list(Notification.objects.filter(rule=rule).values_list("kind", "status").order_by("pk")) == sent,
             60, "both notifications marked sent")
