"""Tile endpoints (vector MVT, raster PNG/WebP, TileJSON, MapLibre styles)."""

urlpatterns: list = []
