from django.urls import path

from feedback import status_views

urlpatterns = [
    path("status/<str:key>/", status_views.status_page, name="feedback-status"),
]
