"""The live 1022 demo: handling units for every department and commune, and reports with realistic
timings — most handled on time, some late or still open, some forwarded, a few duplicates of an
earlier report nearby — published on the feedback layer without contact details."""

import pytest
from django.db.models import Count, F

from feedback.kpis import kpis
from feedback.models import Action, Report, Status, Transition
from fixtures.feedback_demo import END, load_feedback_demo
from layers.models import Department, DepartmentKind, Feature, Layer

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_reports(db):
    return load_feedback_demo(reports=3000)


def test_every_commune_has_its_committee_and_every_report_a_unit(demo_reports):
    assert Department.objects.filter(kind=DepartmentKind.COMMUNE).count() >= 188
    assert demo_reports.reports == Report.objects.count() == 3000
    assert not Report.objects.filter(department__isnull=True).exists()
    assert Report.objects.filter(received_at__year=2022).exists() and Report.objects.filter(received_at__year=2026).exists()


def test_the_timings_are_realistic(demo_reports):
    by_status = dict(Report.objects.values_list("status").annotate(n=Count("id")))
    assert by_status[Status.CLOSED] > 0.85 * 3000
    assert 0 < by_status.get(Status.DUPLICATE, 0) < 0.05 * 3000
    total = kpis(by="category", start=None, end=None, now=END)
    on_time = sum(k.on_time_pct * k.processed for k in total) / sum(k.processed for k in total)
    assert 70 < on_time < 97  # most on time, some late
    assert Transition.objects.filter(action=Action.FORWARD).count() > 0.02 * 3000
    assert Report.objects.filter(status__in=[Status.RECEIVED, Status.ACKNOWLEDGED, Status.IN_PROGRESS]).exists()
    duplicates = Report.objects.filter(status=Status.DUPLICATE)
    assert not duplicates.exclude(commune_code=F("duplicate_of__commune_code")).exists()
    assert not duplicates.filter(duplicate_of__received_at__gt=F("received_at")).exists()
    # Every report's history starts with its reception and never goes back in time.
    first = Transition.objects.filter(report_id=Report.objects.order_by("?").first().pk)
    assert first.first().action == Action.RECEIVE and list(first.values_list("at", flat=True)) == sorted(
        first.values_list("at", flat=True))


def test_the_reports_are_the_feedback_layer_without_contact_details(demo_reports):
    layer = Layer.objects.get(slug="feedback-1022")
    assert layer.feature_count == 3000
    sample = Feature.objects.filter(layer=layer).first().properties
    assert {"category", "status", "sla", "description", "commune_name"} <= set(sample)
    assert not Feature.objects.filter(layer=layer, properties__has_key="reporter_phone").exists()
    assert not Feature.objects.filter(layer=layer, properties__description__contains="Công dân").exists()


def test_loading_twice_keeps_one_copy(demo_reports):
    assert load_feedback_demo(reports=3000).action == "skipped"
    assert Report.objects.count() == 3000


def test_each_report_lies_in_its_commune_of_the_demo_worlds_admin_layer(demo_reports):
    from django.contrib.gis.geos import Point

    from feedback.places import commune_at
    from fixtures.load import load_layer
    from fixtures.world import generate_world

    load_layer(generate_world().layer("admin-communes"))
    for report in Report.objects.order_by("?")[:25]:
        place = commune_at(Point(report.location.x, report.location.y, srid=4326), on=report.received_at.date())
        assert place is not None and place.commune_code == report.commune_code
