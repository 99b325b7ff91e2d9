"""OGC API - Features (Parts 1-3) and Tiles (vector tiles, and map tiles of rasters) at /ogc/. Addresses have no trailing slash, as the standard
writes them and its clients (GDAL, QGIS, OWSLib) build them."""

from django.urls import path

from ogc import views

urlpatterns = [
    path("", views.landing, name="ogc-landing"),
    path("conformance", views.conformance, name="ogc-conformance"),
    path("api", views.api, name="ogc-api"),
    path("collections", views.collections, name="ogc-collections"),
    path("collections/<slug:slug>", views.collection, name="ogc-collection"),
    path("collections/<slug:slug>/queryables", views.queryables, name="ogc-queryables"),
    path("collections/<slug:slug>/items", views.items, name="ogc-items"),
    path("collections/<slug:slug>/items/<str:feature_id>", views.item, name="ogc-item"),
    path("collections/<slug:slug>/tiles", views.tilesets, name="ogc-tilesets"),
    path("collections/<slug:slug>/tiles/<str:tms>", views.tileset, name="ogc-tileset"),
    path("collections/<slug:slug>/tiles/<str:tms>/<str:z>/<str:row>/<str:col>", views.tile, name="ogc-tile"),
    path("collections/<slug:slug>/map/tiles", views.map_tilesets, name="ogc-map-tilesets"),
    path("collections/<slug:slug>/map/tiles/<str:tms>", views.map_tileset, name="ogc-map-tileset"),
    path("collections/<slug:slug>/map/tiles/<str:tms>/<str:z>/<str:row>/<str:col>", views.map_tile,
         name="ogc-map-tile"),
    path("tileMatrixSets", views.tile_matrix_sets, name="ogc-tile-matrix-sets"),
    path("tileMatrixSets/<str:tms>", views.tile_matrix_set, name="ogc-tile-matrix-set"),
]
