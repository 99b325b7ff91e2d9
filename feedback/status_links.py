"""The citizen's public status link: a secret key per report (no sign-in), for following it and
rating it after closing."""

from django.http import HttpRequest
from django.urls import reverse

from feedback.models import Report


def status_url(request: HttpRequest, report: Report) -> str:
    return request.build_absolute_uri(reverse("feedback-status", args=[report.status_key]))
