"""The open-data portal, included at /data/ (geo_ioc.urls)."""

from django.urls import path

from ogc import portal_views

urlpatterns = [
    path("", portal_views.index, name="portal-index"),
    path("catalog.jsonld", portal_views.catalog_jsonld, name="portal-dcat"),
    path("api/3/action/package_list", portal_views.package_list, name="portal-package-list"),
    path("api/3/action/package_show", portal_views.package_show, name="portal-package-show"),
    path("<slug:slug>/", portal_views.dataset, name="portal-dataset"),
]
