"""The Alerts page at /alerts/: the caller's current alerts and their history, filtered by severity,
rule, unit and service, with acknowledge and silence buttons for staff. Server-rendered forms (it works
without the dashboard's scripts); each POST calls one function of monitoring.acknowledgements and comes
back to the same filtered page."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from layers.errors import ApiError, InvalidParameter, NotFound, PermissionDenied
from monitoring import acknowledgements, alert_layers
from monitoring.alert_queries import AlertFilters, visible_events, visible_states
from monitoring.labels import choice_label
from monitoring.models import AlertStatus, Service, Severity
from monitoring.rule_edits import staff
from monitoring.rules import visible_rules

SILENCE_HOURS = (1, 4, 12, 24, 72)
HISTORY = 100
CURRENT = 200  # firing first: more than this on one page is for the filters (or the API) to narrow


def _filters(request: HttpRequest) -> AlertFilters:
    q = request.GET
    severity = q.get("severity", "")
    unit = q.get("unit", "").strip()
    return AlertFilters(severities=(severity,) if severity in Severity.values else (),
                        rule=q.get("rule", ""), unit=unit if unit.isdigit() else "", service=q.get("service", ""))


@login_required
@require_http_methods(["GET", "POST"])
def alerts_page(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        if not staff(request.user):
            raise PermissionDenied()
        try:
            _act(request)
            return redirect(request.get_full_path())
        except InvalidParameter as exc:
            error = str(exc.detail)
    filters = _filters(request)
    states = visible_states(request.user, filters)
    firing = states.filter(status=AlertStatus.FIRING)
    current = list(states[:CURRENT])
    for state in current:  # the reader's half of the "vi / en" labels
        state.severity_label = choice_label(Severity(state.rule.severity).label)
        state.status_label = choice_label(AlertStatus(state.status).label)
    history = list(visible_events(request.user, filters, open_only=False)[:HISTORY])
    for event in history:
        event.severity_label = choice_label(Severity(event.severity).label)
    rules = list(visible_rules(request.user).order_by("slug"))
    return render(request, "dashboard/alerts.html", {
        "current": current,
        "firing_count": firing.count(),
        "unacknowledged": firing.filter(event__isnull=False, event__acknowledged_at__isnull=True).count(),
        "history": history,
        "rules": rules, "services": Service.objects.order_by("position", "slug"),
        "severities": [(value, choice_label(label)) for value, label in Severity.choices], "filters": filters, "staff": staff(request.user),
        "silence_hours": SILENCE_HOURS, "error": error,
    }, status=400 if error else 200)


def _act(request: HttpRequest) -> None:
    action = request.POST.get("action")
    if action == "ack":
        event = acknowledgements.acknowledge(request.user, _int(request.POST.get("event")),
                                             note=request.POST.get("note", "").strip())
        alert_layers.refresh_for(event.rule)
    elif action == "silence":
        rule = visible_rules(request.user).filter(slug=request.POST.get("rule", "")).first()
        if rule is None:
            raise NotFound(code="rule_not_found")
        hours = _int(request.POST.get("hours"))
        if hours not in SILENCE_HOURS:
            raise InvalidParameter(fields={"hours": [str(SILENCE_HOURS)]})
        acknowledgements.silence(request.user, rule, ends_at=timezone.now() + timedelta(hours=hours),
                                 reason=request.POST.get("reason", ""), area_key=request.POST.get("area", ""))
    else:
        raise ApiError(code="validation_error")


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return -1  # no event has it, no silence lasts it
