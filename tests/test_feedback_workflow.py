"""A report's life: placed in its commune, routed, stepped through the regulation's states with every
step kept in an audit trail nobody can edit, and rated by the citizen after closing."""

from datetime import datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import DatabaseError, transaction
from django.utils import timezone

from feedback import workflow
from feedback.errors import OutsideProvince, RatingNotOpen, TransitionNotAllowed
from feedback.layer import feedback_layer
from feedback.models import Action, Report, Status, Transition
from feedback.overdue import flag_overdue
from feedback.working_time import ICT
from layers.errors import ApiError
from layers.models import Feature, Layer
from tests.feedback_world import IN_BINH_TAM, IN_PHUONG_1

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=ICT)


def report_at(world, where, category="giao_thong", **fields):
    intake = workflow.Intake(category=world.categories[category], description="Ổ gà lớn giữa đường",
                             location=Point(*where, srid=4326), reporter_name="Nguyễn Văn An",
                             reporter_phone="0909123456", **fields)
    return workflow.submit(intake, account=world.citizen_app, now=MONDAY)


def test_a_report_is_placed_in_its_commune_and_routed_to_its_committee(feedback_world):
    report = report_at(feedback_world, IN_PHUONG_1)
    assert (report.commune_code, report.commune_name, report.units) == ("27685", "Phường 1", "2022")
    assert report.department == feedback_world.phuong_1
    assert report.status == Status.RECEIVED
    assert report.acknowledge_due == datetime(2026, 3, 3, 8, 30, tzinfo=ICT)  # 7 h on Monday, 1 h on Tuesday
    assert report.resolve_due == datetime(2026, 3, 9, 8, 0, tzinfo=ICT)  # 5 working days


def test_a_category_rule_for_a_commune_beats_the_commune_committee(feedback_world):
    assert report_at(feedback_world, IN_BINH_TAM, "moi_truong").department == feedback_world.environment
    assert report_at(feedback_world, IN_BINH_TAM, "giao_thong").department == feedback_world.binh_tam


def test_a_report_outside_every_commune_is_refused(feedback_world):
    with pytest.raises(OutsideProvince):
        report_at(feedback_world, (105.0, 10.0))
    assert not Report.objects.exists()


def test_the_steps_of_the_regulation_are_kept_with_who_when_and_what(feedback_world):
    world = feedback_world
    report = report_at(world, IN_PHUONG_1)
    later = lambda hours: datetime(2026, 3, 2, 8 + hours, 0, tzinfo=ICT)
    workflow.act(report, action=Action.ACKNOWLEDGE, actor=world.officer, now=later(1))
    workflow.act(report, action=Action.FORWARD, actor=world.officer, department=world.binh_tam,
                 note="Thuộc địa bàn xã Bình Tâm", now=later(2))
    workflow.act(report, action=Action.START, actor=world.binh_tam_officer, now=later(3))
    report = workflow.act(report, action=Action.RESOLVE, actor=world.binh_tam_officer, now=later(5),
                          public_response="Đã vá ổ gà ngày 02/3.")
    assert report.department == world.binh_tam and report.status == Status.RESOLVED
    assert report.hours_to_acknowledge == 1 and report.hours_to_resolve == 3.5  # lunch is not working time
    trail = list(report.transitions.values_list("action", "from_status", "to_status", "actor__username"))
    assert trail == [
        ("receive", "", "received", "long-an-so-app"),
        ("acknowledge", "received", "acknowledged", "officer-phuong-1"),
        ("forward", "acknowledged", "assigned", "officer-phuong-1"),
        ("start", "assigned", "in_progress", "officer-binh-tam"),
        ("resolve", "in_progress", "resolved", "officer-binh-tam"),
    ]
    assert report.transitions.get(action="forward").department == world.binh_tam


def test_nobody_can_edit_or_delete_a_step_of_the_audit_trail(feedback_world):
    report = report_at(feedback_world, IN_PHUONG_1)
    step = report.transitions.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        Transition.objects.filter(pk=step.pk).update(note="sửa lại")
    with pytest.raises(DatabaseError), transaction.atomic():
        Transition.objects.filter(pk=step.pk).delete()
    assert Transition.objects.get(pk=step.pk).note == ""


def test_a_step_out_of_order_is_refused(feedback_world):
    report = report_at(feedback_world, IN_PHUONG_1)
    with pytest.raises(TransitionNotAllowed):
        workflow.act(report, action=Action.CLOSE, actor=feedback_world.officer)
    with pytest.raises(ApiError):
        workflow.act(report, action=Action.NOT_IN_REMIT, actor=feedback_world.officer)  # needs a public reason
    assert report.transitions.count() == 1


def test_a_duplicate_is_linked_to_its_original(feedback_world):
    first = report_at(feedback_world, IN_PHUONG_1)
    second = report_at(feedback_world, IN_PHUONG_1)
    second = workflow.act(second, action=Action.DUPLICATE, actor=feedback_world.officer, duplicate_of=first)
    assert second.status == Status.DUPLICATE and second.duplicate_of == first
    assert list(first.duplicates.all()) == [second]


def test_the_citizen_rates_once_and_only_after_closing(feedback_world):
    world = feedback_world
    report = report_at(world, IN_PHUONG_1)
    with pytest.raises(RatingNotOpen):
        workflow.rate(report, rating=5)
    workflow.act(report, action=Action.ACKNOWLEDGE, actor=world.officer)
    workflow.act(report, action=Action.RESOLVE, actor=world.officer, public_response="Đã xử lý")
    workflow.act(report, action=Action.CLOSE, actor=world.operator)
    assert workflow.rate(report, rating=4).rating == 4
    with pytest.raises(RatingNotOpen):
        workflow.rate(report, rating=1)


def test_every_step_bumps_the_feedback_layer_and_the_feature_follows(feedback_world):
    report = report_at(feedback_world, IN_PHUONG_1)
    layer = Layer.objects.get(slug="feedback-1022")
    before = layer.version
    workflow.act(report, action=Action.ACKNOWLEDGE, actor=feedback_world.officer,
                 now=datetime(2026, 3, 2, 9, 0, tzinfo=ICT))
    layer.refresh_from_db()
    assert layer.version > before
    feature = Feature.objects.get(layer=layer, source_id=report.service_request_id)
    assert feature.properties["status"] == "acknowledged" and feature.properties["sla"] == "open"


def test_a_report_turns_overdue_on_the_map_when_its_deadline_passes(feedback_world):
    report = report_at(feedback_world, IN_PHUONG_1)
    assert flag_overdue(now=datetime(2026, 3, 3, 8, 29, tzinfo=ICT)) == 0
    assert flag_overdue(now=datetime(2026, 3, 3, 8, 31, tzinfo=ICT)) == 1  # not acknowledged in 8 working hours
    feature = Feature.objects.get(layer__slug="feedback-1022", source_id=report.service_request_id)
    assert feature.properties["overdue"] is True and feature.properties["sla"] == "overdue"
    assert flag_overdue(now=datetime(2026, 3, 3, 8, 32, tzinfo=ICT)) == 0


def _quiet(layer_slug: str = "feedback-1022") -> Layer:
    """The layer as if last published an hour ago: the next report bumps it at once ("now")."""
    Layer.objects.filter(slug=layer_slug).update(updated_at=timezone.now() - timedelta(hours=1))
    return Layer.objects.get(slug=layer_slug)


def test_a_new_report_grows_the_layers_count_and_extent_as_a_full_recount_would(feedback_world):
    from layers.catalog import publish_changes

    feedback_layer()
    for where in (IN_PHUONG_1, IN_BINH_TAM):
        _quiet()
        report_at(feedback_world, where)
    layer = Layer.objects.get(slug="feedback-1022")
    incremental = (layer.feature_count, layer.extent.extent)
    recounted = publish_changes(layer)
    assert incremental[0] == recounted.feature_count == 2
    assert incremental[1] == pytest.approx(recounted.extent.extent, abs=1e-6)


def test_a_burst_of_reports_bumps_the_layer_once_and_leaves_the_rest_to_the_deferred_bump(feedback_world):
    from layers.catalog import publish_changes
    from layers.observations import publish_deferred

    feedback_layer()
    before = _quiet().version
    first = report_at(feedback_world, IN_PHUONG_1)
    after_first = Layer.objects.get(slug="feedback-1022")
    assert after_first.version == before + 1 and after_first.feature_count == 1
    # Within the coalescing interval: the report and its feature are written, the bump waits. (The
    # bump's time is the transaction's start, which in a test is the test's: set it to the clock's.)
    Layer.objects.filter(pk=after_first.pk).update(updated_at=timezone.now())
    second = report_at(feedback_world, IN_BINH_TAM)
    # The count grows at once (exports read it); the version waits.
    waiting = Layer.objects.get(slug="feedback-1022")
    assert (waiting.version, waiting.feature_count) == (after_first.version, 2)
    assert Feature.objects.filter(layer=after_first, source_id__in=[first.service_request_id,
                                                                    second.service_request_id]).count() == 2
    # The deferred bump (a Celery task, queued once the request commits) publishes both: the count and
    # extent were grown by the reports themselves, so it only moves the version (no recount).
    assert publish_deferred(after_first.pk, after_first.version, recount=False)
    layer = Layer.objects.get(slug="feedback-1022")
    assert layer.version == after_first.version + 1 and layer.feature_count == 2
    assert layer.extent.extent == pytest.approx(publish_changes(layer).extent.extent, abs=1e-6)
