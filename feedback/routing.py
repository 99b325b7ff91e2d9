"""Which handling unit gets a report: category × area, the most specific rule first."""

from feedback.models import Category
from layers.models import Department

# Asked on every report received: one plain statement (the ORM's CASE ranking cost more to build
# than to run). `false` sorts before `true`: a rule naming the category beats one for any category,
# then a rule naming the commune beats one for anywhere.
_MOST_SPECIFIC_RULE = """
    SELECT d.* FROM feedback_routingrule AS r JOIN layers_department AS d ON d.id = r.department_id
     WHERE (r.category_id = %s OR r.category_id IS NULL) AND (r.commune_code = %s OR r.commune_code = '')
     ORDER BY r.category_id IS NULL, r.commune_code = '' LIMIT 1
"""


def route(*, category: Category, commune_code: str) -> Department | None:
    """The department of the most specific rule: (category, commune) > (category, anywhere) >
    (any category, commune) > (fallback). None when no rule applies (the operators then assign)."""
    return next(iter(Department.objects.raw(_MOST_SPECIFIC_RULE, [category.pk, commune_code])), None)
