from django.urls import path

from feedback import desk_views, status_views

urlpatterns = [
    path("", desk_views.queue_page, name="feedback-desk"),
    path("reports/<int:pk>/", desk_views.report_page, name="feedback-report"),
    path("reports/<int:pk>/act", desk_views.act_on_report, name="feedback-act"),
    path("status/<str:key>/", status_views.status_page, name="feedback-status"),
]
