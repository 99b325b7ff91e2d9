"""URLs of the spatial queries under /api/ (included from geo_ioc/urls.py)."""

from django.urls import path

from layers import spatial_views as views

urlpatterns = [
    path("search/", views.Search.as_view(), name="search"),
    path("timeline/", views.Timeline.as_view(), name="timeline"),
]
