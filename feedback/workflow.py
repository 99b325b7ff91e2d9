"""The life of a report: intake, the steps of the regulation, and the citizen's rating.

received → acknowledged → assigned → in progress → resolved → closed, and from any open state
rejected, duplicate (of an earlier report) or not in our remit (with a public reason). Every step is
one Transition row (who, when, note, public response) written in the transaction that changes the
report and its feature in the feedback layer (a version bump).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from feedback import layer, routing, sla
from feedback.errors import OutsideProvince, RatingNotOpen, TransitionNotAllowed
from feedback.models import HANDLED_STATUSES, OPEN_STATUSES, Action, Category, Report, Status, Transition
from feedback.places import commune_at
from feedback.working_time import working_hours_between
from layers.errors import ApiError
from layers.models import Department

S = Status
# Which action may be taken in which state, and the state it leads to (None: the state stays).
STEPS: dict[str, tuple[tuple[str, ...], str | None]] = {
    Action.ACKNOWLEDGE: ((S.RECEIVED,), S.ACKNOWLEDGED),
    Action.ASSIGN: ((S.RECEIVED, S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS), S.ASSIGNED),
    Action.FORWARD: ((S.RECEIVED, S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS), S.ASSIGNED),
    Action.START: ((S.ACKNOWLEDGED, S.ASSIGNED, S.RESOLVED), S.IN_PROGRESS),
    Action.RESPOND: ((*OPEN_STATUSES, S.RESOLVED, S.CLOSED), None),
    Action.RESOLVE: ((S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS), S.RESOLVED),
    Action.CLOSE: ((S.RESOLVED,), S.CLOSED),
    Action.REJECT: (OPEN_STATUSES, S.REJECTED),
    Action.DUPLICATE: (OPEN_STATUSES, S.DUPLICATE),
    Action.NOT_IN_REMIT: (OPEN_STATUSES, S.NOT_IN_REMIT),
}
# Actions that name the unit the report goes to.
_TO_UNIT = (Action.ASSIGN, Action.FORWARD)


@dataclass(frozen=True)
class Intake:
    """A report as a channel received it (Open311, the hotline's operators, the demo world)."""

    category: Category
    description: str
    location: Point
    address: str = ""
    priority: str = "normal"
    attributes: dict = field(default_factory=dict)
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    channel: str = "open311"
    photo: UploadedFile | None = None


def prepare(intake: Intake, *, account: AbstractBaseUser | None, received_at: datetime,
            holidays: frozenset[date]) -> Report:
    """The unsaved report: placed in its commune, routed, its deadlines set (no write)."""
    place = commune_at(intake.location, on=timezone.localdate(received_at))
    if place is None:
        raise OutsideProvince(fields={"lat": ["outside"], "long": ["outside"]})
    due = sla.deadlines(category=intake.category, priority=intake.priority, received_at=received_at,
                        holidays=holidays)
    return Report(
        category=intake.category, priority=intake.priority, description=intake.description,
        address=intake.address, location=intake.location, attributes=intake.attributes,
        channel=intake.channel, commune_code=place.commune_code, commune_name=place.commune_name,
        district_code=place.district_code, units=place.units,
        department=routing.route(category=intake.category, commune_code=place.commune_code),
        reporter_name=intake.reporter_name, reporter_phone=intake.reporter_phone,
        reporter_email=intake.reporter_email, account=account, received_at=received_at,
        acknowledge_due=due.acknowledge, resolve_due=due.resolve, updated_at=received_at,
    )


def submit(intake: Intake, *, account: AbstractBaseUser | None, now: datetime | None = None) -> Report:
    """Receive a report: place, route, set deadlines, record the first step, publish it on the layer."""
    now = now or timezone.now()
    report = prepare(intake, account=account, received_at=now, holidays=sla.holiday_dates())
    with transaction.atomic():
        if intake.photo is not None:
            report.photo = intake.photo
        report.save()
        Transition.objects.create(report=report, action=Action.RECEIVE, to_status=S.RECEIVED, actor=account,
                                  department=report.department, at=now)
        layer.publish([report], new=True)
    return report


def act(report: Report, *, action: str, actor: AbstractBaseUser | None, note: str = "",
        public_response: str = "", department: Department | None = None, duplicate_of: Report | None = None,
        now: datetime | None = None) -> Report:
    """Take one step of the workflow on `report` (who may is feedback.desk_access's question)."""
    now = now or timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("category", "department").get(pk=report.pk)
        allowed, to_status = STEPS.get(action, ((), None))
        if report.status not in allowed:
            raise TransitionNotAllowed()
        if action in _TO_UNIT and department is None:
            raise ApiError(code="validation_error", fields={"department": ["required"]})
        if action == Action.DUPLICATE and (duplicate_of is None or duplicate_of.pk == report.pk):
            raise ApiError(code="validation_error", fields={"duplicate_of": ["required"]})
        if action == Action.NOT_IN_REMIT and not public_response.strip():
            raise ApiError(code="validation_error", fields={"public_response": ["required"]})
        from_status = report.status
        apply_step(report, action=action, to_status=to_status or from_status, now=now, holidays=sla.holiday_dates(),
                   public_response=public_response, department=department, duplicate_of=duplicate_of)
        report.save()
        Transition.objects.create(report=report, action=action, from_status=from_status, to_status=report.status,
                                  actor=actor, department=department, at=now, note=note,
                                  public_response=public_response)
        layer.publish([report])
    return report


def apply_step(report: Report, *, action: str, to_status: str, now: datetime, holidays: frozenset[date],
               public_response: str = "", department: Department | None = None,
               duplicate_of: Report | None = None) -> None:
    """The fields a step changes (no write): shared by `act` and the demo world's bulk history."""
    report.status = to_status
    if public_response:
        report.public_response = public_response
    if department is not None:
        report.department = department
    if duplicate_of is not None:
        report.duplicate_of = duplicate_of
    if report.acknowledged_at is None and to_status != S.RECEIVED:
        report.acknowledged_at = now
        report.hours_to_acknowledge = working_hours_between(report.received_at, now, holidays=holidays)
    if to_status in HANDLED_STATUSES and report.resolved_at is None and to_status != S.CLOSED:
        report.resolved_at = now
        report.hours_to_resolve = working_hours_between(report.received_at, now, holidays=holidays)
    if to_status == S.IN_PROGRESS and action == Action.START:
        report.resolved_at, report.hours_to_resolve = None, None  # reopened
    if to_status == S.CLOSED:
        report.closed_at = now
    report.overdue = sla.is_overdue(report, now=now)
    report.updated_at = now


def rate(report: Report, *, rating: int, now: datetime | None = None) -> Report:
    """The citizen's satisfaction (1–5), once, after closing (through the public status link)."""
    now = now or timezone.now()
    if not 1 <= rating <= 5:
        raise ApiError(code="validation_error", fields={"rating": ["1–5"]})
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("category", "department").get(pk=report.pk)
        if report.status != S.CLOSED or report.rating is not None:
            raise RatingNotOpen()
        report.rating, report.rated_at, report.updated_at = rating, now, now
        report.save(update_fields=["rating", "rated_at", "updated_at"])
        Transition.objects.create(report=report, action=Action.RATE, from_status=report.status,
                                  to_status=report.status, at=now, note=str(rating))
        layer.publish([report])
    return report
