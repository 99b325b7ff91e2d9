from django.urls import path

from layers import import_views

urlpatterns = [
    path("", import_views.ImportList.as_view(), name="import-list"),
    path("<int:job_id>/", import_views.ImportDetail.as_view(), name="import-detail"),
    path("<int:job_id>/confirm/", import_views.ImportConfirm.as_view(), name="import-confirm"),
    path("<int:job_id>/style/", import_views.ImportStyle.as_view(), name="import-style"),
]
