"""The dashboard's own API under /api/ (included from geo_ioc/urls.py): the staff's "today" overview and a person's bookmarks."""

from django.urls import path

from dashboard import bookmark_views, overview_views

urlpatterns = [
    path("overview/", overview_views.Overview.as_view(), name="dashboard-overview"),
    path("bookmarks/", bookmark_views.BookmarkList.as_view(), name="bookmark-list"),
    path("bookmarks/<str:bookmark_id>/", bookmark_views.BookmarkDetail.as_view(), name="bookmark-detail"),
]
