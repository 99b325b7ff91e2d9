from django.urls import path

from wall import api

urlpatterns = [
    path("scenes/<slug:slug>/data", api.SceneData.as_view(), name="wall-scene-data"),
    path("playlists/<slug:slug>/state", api.PlaylistState.as_view(), name="wall-playlist-state"),
    path("playlists/<slug:slug>/control", api.PlaylistControl.as_view(), name="wall-playlist-control"),
]
