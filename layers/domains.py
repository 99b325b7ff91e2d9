"""The catalog's domains with a title in the page's language, in the order an operations room reads
them (plans first, the planners' own zones last): the layer panel's groups, the import page's choice."""

from django.utils.translation import gettext_lazy as _

from layers.models import Domain

DOMAIN_TITLES = {
    Domain.LAND_PLAN: _("Land-use plans"),
    Domain.URBAN_PLAN: _("Urban plans"),
    Domain.TRAFFIC: _("Traffic"),
    Domain.INFRASTRUCTURE: _("Infrastructure"),
    Domain.ENVIRONMENT: _("Environment"),
    Domain.WATER: _("Water and salinity"),
    Domain.AGRICULTURE: _("Agriculture"),
    Domain.TOURISM: _("Tourism"),
    Domain.EDUCATION: _("Education"),
    Domain.HEALTH: _("Health"),
    Domain.FEEDBACK: _("Citizen feedback (1022)"),
    Domain.ADMIN: _("Administrative units"),
    Domain.ZONES: _("Planners' zones"),
}


def domain_groups() -> list[dict[str, str]]:
    groups = [{"key": domain.value, "title": str(title)} for domain, title in DOMAIN_TITLES.items()]
    # A domain added to the catalog later still gets a group, under its bilingual label.
    groups += [{"key": d.value, "title": d.label} for d in Domain if d not in DOMAIN_TITLES]
    return groups
