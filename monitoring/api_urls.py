from django.urls import include, path

from monitoring import views

urlpatterns = [
    path("monitoring/services/", views.ServiceList.as_view(), name="monitoring-services"),
    path("indicators/", views.IndicatorList.as_view(), name="indicator-list"),
    # Before indicators/<slug>/: "submissions" is not an indicator.
    path("indicators/submissions/", views.SubmissionList.as_view(), name="submission-list"),
    path("indicators/submissions/<int:submission_id>/", views.SubmissionDetail.as_view(), name="submission-detail"),
    path("indicators/submissions/<int:submission_id>/publish", views.SubmissionPublish.as_view(),
         name="submission-publish"),
    path("indicators/submissions/<int:submission_id>/discard", views.SubmissionDiscard.as_view(),
         name="submission-discard"),
    path("indicators/<slug:slug>/", views.IndicatorDetail.as_view(), name="indicator-detail"),
    path("indicators/<slug:slug>/values/", views.IndicatorValues.as_view(), name="indicator-values"),
    path("units/", views.UnitList.as_view(), name="unit-list"),
    path("units/<str:code>/profile/", views.UnitProfile.as_view(), name="unit-profile"),
    path("alerts/", include("monitoring.alert_urls")),
]
