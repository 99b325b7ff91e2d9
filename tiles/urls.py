"""Tile endpoints (vector MVT, raster PNG/WebP, TileJSON, MapLibre styles).

z/x/y and the format are captured as text and checked by tiles.grid, so a malformed address gets a
precise 4xx in the error shape without touching the database.
"""

from django.urls import path, re_path

from tiles import views

_SLUGS = r"(?P<slugs>[^/]+)"

urlpatterns = [
    # First: by far the most requested.
    re_path(
        r"^" + _SLUGS + r"/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.(?P<fmt>[^/.]+)$", views.tile, name="tiles-tile"
    ),
    path("styles/basemap.json", views.basemap, name="tiles-basemap"),
    re_path(r"^styles/" + _SLUGS + r"\.json$", views.layer_style, name="tiles-style"),
    path("preview/", views.preview, name="tiles-preview"),
    re_path(r"^" + _SLUGS + r"\.json$", views.tilejson, name="tiles-tilejson"),
]
