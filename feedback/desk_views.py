"""The handling desk at /feedback/: a unit's queue and map, a report's page with its history and the
workflow's actions. Pages for signed-in staff of a handling unit and the 1022 operators; a report
another unit handles answers like an unknown one."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from feedback import desk, workflow
from feedback.desk_access import get_handled_report, handled_reports, handles_reports, is_operator
from feedback.errors import RequestNotFound
from feedback.models import Action, Status
from layers.errors import ApiError, PermissionDenied
from layers.models import Department

# The actions the report page offers, in the order of the regulation.
DESK_ACTIONS = [Action.ACKNOWLEDGE, Action.ASSIGN, Action.FORWARD, Action.START, Action.RESPOND, Action.RESOLVE,
                Action.CLOSE, Action.REJECT, Action.DUPLICATE, Action.NOT_IN_REMIT]


def _desk_user(request: HttpRequest) -> None:
    if not handles_reports(request.user):
        raise PermissionDenied()


@login_required
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    _desk_user(request)
    entries = desk.queue(handled_reports(request.user), now=timezone.now())
    return render(request, "feedback/desk.html", {
        "entries": entries, "operator": is_operator(request.user), "points": desk.map_points(entries),
        "overdue_count": sum(1 for e in entries if e.overdue),
    })


@login_required
@require_GET
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, pk)


def _report_page(request: HttpRequest, pk: int, *, error: str = "", status: int = 200) -> HttpResponse:
    report = get_handled_report(request.user, pk)
    allowed = [a for a in DESK_ACTIONS if report.status in workflow.STEPS[a][0]]
    return render(request, "feedback/report.html", {
        "report": report, "transitions": report.transitions.select_related("actor", "department"),
        "actions": [(a, Action(a).label) for a in allowed], "overdue": desk.is_overdue(report, now=timezone.now()),
        "units": Department.objects.order_by("kind", "name_vi"), "error": error,
        "nearby": desk.nearby_similar(report, handled_reports(request.user)) if Action.DUPLICATE in allowed else [],
        "closed": report.status == Status.CLOSED,
    }, status=status)


@login_required
@require_POST
def act_on_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_handled_report(request.user, pk)
    action = request.POST.get("action", "")
    if action not in DESK_ACTIONS:
        return _report_page(request, pk, error=str(ApiError(code="validation_error").detail), status=400)
    department = duplicate_of = None
    if request.POST.get("department"):
        department = Department.objects.filter(pk=_int(request.POST["department"])).first()
    if request.POST.get("duplicate_of"):
        try:
            duplicate_of = get_handled_report(request.user, _int(request.POST["duplicate_of"]))
        except RequestNotFound:
            duplicate_of = None
    try:
        workflow.act(report, action=action, actor=request.user, note=request.POST.get("note", "").strip(),
                     public_response=request.POST.get("public_response", "").strip(), department=department,
                     duplicate_of=duplicate_of)
    except ApiError as exc:
        return _report_page(request, pk, error=str(exc.detail), status=exc.status_code)
    # Forwarded away, the report may be another unit's now: back to the queue then.
    if not handled_reports(request.user).filter(pk=pk).exists():
        return redirect("feedback-desk")
    return redirect("feedback-report", pk=pk)


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0
