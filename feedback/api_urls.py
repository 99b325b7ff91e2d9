from django.urls import path

from feedback import kpi_views

urlpatterns = [
    path("feedback/kpis/", kpi_views.Kpis.as_view(), name="feedback-kpis"),
]
