"""Server-rendered pages of the layers app. The map dashboard replaces the home page's list later."""

from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from layers.access import visible_layers
from layers.models import Domain


def home(request: HttpRequest) -> HttpResponse:
    """The catalog the caller may see, grouped by domain, with links to its GeoJSON and metadata."""
    layers = visible_layers(request.user).order_by("domain", "title_vi")
    labels = dict(Domain.choices)
    groups = [(labels.get(domain, domain), list(items)) for domain, items in groupby(layers, key=lambda l: l.domain)]
    return render(request, "layers/home.html", {"groups": groups, "layer_total": sum(len(g[1]) for g in groups)})
