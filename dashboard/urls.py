from django.urls import path

from dashboard import alerts_page, pages, print_views

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("alerts/", alerts_page.alerts_page, name="alerts-page"),
    path("api/print.<str:fmt>", print_views.PrintMap.as_view(), name="dashboard-print"),
]
