from django.urls import path

from wall import pages

urlpatterns = [
    path("", pages.wall, name="wall"),
    path("control/", pages.control_page, name="wall-control"),
]
