"""Who handles which report, and so who sees its contact details: a handling unit's members its own
reports, the 1022 operators (members of FEEDBACK_OPERATORS_DEPARTMENT) and superusers every report.
Everyone else is told a report does not exist (hidden answers like unknown)."""

from django.conf import settings
from django.db.models import QuerySet

from feedback.errors import RequestNotFound
from feedback.models import Report
from layers.access import Caller
from layers.models import Department


def _signed_in(user: Caller) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_operator(user: Caller) -> bool:
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(department__code=settings.FEEDBACK_OPERATORS_DEPARTMENT).exists()


def my_units(user: Caller) -> QuerySet[Department]:
    if not _signed_in(user):
        return Department.objects.none()
    return Department.objects.filter(group__user=user)


def handles_reports(user: Caller) -> bool:
    """May open the desk at all: an operator, or a member of a unit that has a routing rule or a report."""
    return is_operator(user) or my_units(user).filter(feedback_rules__isnull=False).exists() or \
        Report.objects.filter(department__in=my_units(user)).exists()


def handled_reports(user: Caller) -> QuerySet[Report]:
    reports = Report.objects.select_related("category", "department")
    if is_operator(user):
        return reports
    return reports.filter(department__in=my_units(user).values("id"))


def get_handled_report(user: Caller, pk: int) -> Report:
    report = handled_reports(user).filter(pk=pk).first()
    if report is None:
        raise RequestNotFound()
    return report
