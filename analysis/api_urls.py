"""URLs of the analysis API under /api/ (included from geo_ioc/urls.py)."""

from django.urls import path

from analysis import tool_views, views

urlpatterns = [
    path("counts/", views.Counts.as_view(), name="counts"),
    path("summary/", views.PolygonSummary.as_view(), name="polygon-summary"),
    path("layers/<slug:slug>/features/<str:feature_id>/summary/", views.FeatureSummary.as_view(),
         name="feature-summary"),
    path("zones/", views.ZoneList.as_view(), name="zone-list"),
    path("zones/<str:zone_id>/", views.ZoneDetail.as_view(), name="zone-detail"),
    path("analysis/proximity/", tool_views.Proximity.as_view(), name="analysis-proximity"),
    path("analysis/aggregate/", tool_views.Aggregate.as_view(), name="analysis-aggregate"),
    path("analysis/compliance/", tool_views.Compliance.as_view(), name="analysis-compliance"),
    path("analysis/compliance/<str:check_id>/", tool_views.ComplianceDetail.as_view(), name="analysis-compliance-detail"),
    path("analysis/zone-file/", tool_views.ZoneFile.as_view(), name="analysis-zone-file"),
    path("analysis/report.<str:fmt>", tool_views.Report.as_view(), name="analysis-report"),
]
