"""The citizen's status page (its secret link comes back from POST requests as `service_notice`):
the public view of the report, its public responses, and the rating form once it is closed."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from feedback import workflow
from feedback.errors import RequestNotFound
from feedback.models import Report, Status
from layers.errors import ApiError


@require_http_methods(["GET", "POST"])
def status_page(request: HttpRequest, key: str) -> HttpResponse:
    report = Report.objects.select_related("category", "department").filter(status_key=key).first()
    if report is None:
        raise RequestNotFound()
    error = ""
    if request.method == "POST":
        try:
            rating = int(request.POST.get("rating", ""))
        except ValueError:
            rating = 0
        try:
            workflow.rate(report, rating=rating)
        except ApiError as exc:
            error = str(exc.detail)
        else:
            return redirect("feedback-status", key=key)
    steps = report.transitions.exclude(public_response="").values("at", "public_response")
    return render(request, "feedback/status.html", {
        "report": report, "steps": steps, "error": error,
        "may_rate": report.status == Status.CLOSED and report.rating is None,
    }, status=400 if error else 200)
