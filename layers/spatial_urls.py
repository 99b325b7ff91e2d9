"""URLs of the spatial queries under /api/ (included from geo_ioc/urls.py)."""

from django.urls import path

from layers import spatial_views as views

urlpatterns = [
    path("search/", views.Search.as_view(), name="search"),
    path("counts/", views.Counts.as_view(), name="counts"),
    path("timeline/", views.Timeline.as_view(), name="timeline"),
    path("summary/", views.PolygonSummary.as_view(), name="polygon-summary"),
    path("layers/<slug:slug>/features/<str:feature_id>/summary/", views.FeatureSummary.as_view(),
         name="feature-summary"),
    path("zones/", views.ZoneList.as_view(), name="zone-list"),
    path("zones/<str:zone_id>/", views.ZoneDetail.as_view(), name="zone-detail"),
]
