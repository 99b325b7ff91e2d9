"""Which indicators and submissions a caller may see or write: the layer access rule
(layers.access) applied to each indicator's layer, never a rule of its own. A hidden indicator
answers exactly like an unknown one."""

from django.db.models import QuerySet

from layers.access import Caller, can_write, visible_layers, writable_layers
from layers.errors import NotFound, PermissionDenied
from monitoring.models import Indicator, Submission


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"


def visible_indicators(user: Caller) -> QuerySet[Indicator]:
    return Indicator.objects.filter(layer__in=visible_layers(user)).select_related(
        "service__department", "layer", "numerator", "denominator")


def get_visible_indicator(user: Caller, slug: str) -> Indicator:
    # With its service, department and layer, not the ratio's parts (read by id, or lazily): their two
    # self-joins more cost PostgreSQL more planning than the whole query takes to run.
    indicator = (Indicator.objects.filter(layer__in=visible_layers(user), slug=slug)
                 .select_related("service__department", "layer").first())
    if indicator is None:
        raise IndicatorNotFound()
    return indicator


def get_submittable_indicator(user: Caller, slug: str) -> Indicator:
    """The indicator if `user` may submit its values (a steward of the department owning its layer):
    IndicatorNotFound when unknown or hidden, PermissionDenied when visible but another department's."""
    indicator = get_visible_indicator(user, slug)
    if not can_write(user, indicator.layer):
        raise PermissionDenied()
    return indicator


def visible_submissions(user: Caller) -> QuerySet[Submission]:
    """The ledger entries of the indicators `user` may see."""
    return Submission.objects.filter(indicator__layer__in=visible_layers(user))


def get_own_submission(user: Caller, submission_id: int) -> Submission:
    """A submission of an indicator `user` may write; any other answers like an unknown one (a plain
    `not_found`, as an import job of a layer the caller may not write does)."""
    submission = (Submission.objects.filter(pk=submission_id, indicator__layer__in=writable_layers(user))
                  .select_related("indicator__service__department", "indicator__layer").first())
    if submission is None:
        raise NotFound()
    return submission
