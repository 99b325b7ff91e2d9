from django.urls import path

from dashboard import pages

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
]
