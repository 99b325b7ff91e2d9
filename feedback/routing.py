"""Which handling unit gets a report: category × area, the most specific rule first."""

from django.db.models import Case, IntegerField, Q, Value, When

from feedback.models import Category, RoutingRule
from layers.models import Department


def route(*, category: Category, commune_code: str) -> Department | None:
    """The department of the most specific rule: (category, commune) > (category, anywhere) >
    (any category, commune) > (fallback). None when no rule applies (the operators then assign)."""
    rules = RoutingRule.objects.filter(
        Q(category=category) | Q(category__isnull=True),
        Q(commune_code=commune_code) | Q(commune_code=""),
    ).annotate(rank=Case(
        When(category__isnull=False, commune_code=commune_code, then=Value(0)),
        When(category__isnull=False, then=Value(1)),
        When(commune_code=commune_code, then=Value(2)),
        default=Value(3), output_field=IntegerField(),
    )).select_related("department").order_by("rank")
    rule = rules.first()
    return rule.department if rule is not None else None
