"""System checks: the TILES_* settings agree with each other and the cache backend is one we know."""

import rasterio
from django.conf import settings
from django.core.checks import Error, register

CACHE_BACKENDS = ("redis", "disk", "none")


@register()
def check_tile_settings(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.TILES_CACHE not in CACHE_BACKENDS:
        errors.append(Error(f"TILES_CACHE is {settings.TILES_CACHE!r}; use one of {CACHE_BACKENDS}.", id="tiles.E001"))
    if settings.TILES_CACHE == "redis" and not settings.TILES_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        errors.append(Error("TILES_CACHE_URL must be a redis:// URL when TILES_CACHE is redis.", id="tiles.E002"))
    if not 0 <= settings.TILES_MIN_ZOOM <= settings.TILES_MAX_ZOOM <= 24:
        errors.append(Error("TILES_MIN_ZOOM <= TILES_MAX_ZOOM <= 24 must hold.", id="tiles.E003"))
    if not 16 * 1024 <= settings.TILES_MAX_BYTES <= 16 * 1024 * 1024:
        errors.append(Error("TILES_MAX_BYTES must be between 16 KiB and 16 MiB.", id="tiles.E004"))
    cells = settings.TILES_CLUSTER_CELLS
    if cells not in (16, 32, 64, 128, 256):
        errors.append(Error("TILES_CLUSTER_CELLS must be a power of two from 16 to 256.", id="tiles.E005"))
    # The densest clustered tile has cells² features; it must stay under the feature cap that made
    # it a clustered tile, or clustering would not make the tile smaller.
    elif cells * cells > settings.TILES_MAX_FEATURES:
        errors.append(
            Error("TILES_CLUSTER_CELLS² must not exceed TILES_MAX_FEATURES.",
                  hint=f"{cells}² = {cells * cells} > {settings.TILES_MAX_FEATURES}.", id="tiles.E006")
        )
    if not settings.TILES_MIN_ZOOM <= settings.TILES_CLUSTER_MAX_ZOOM <= settings.TILES_MAX_ZOOM:
        errors.append(Error("TILES_CLUSTER_MAX_ZOOM must lie between TILES_MIN_ZOOM and TILES_MAX_ZOOM.",
                            id="tiles.E011"))
    if not 1 <= settings.TILES_GZIP_LEVEL <= 9:
        errors.append(Error("TILES_GZIP_LEVEL must be between 1 and 9.", id="tiles.E007"))
    if settings.TILES_CACHE_TTL < 60:
        errors.append(Error("TILES_CACHE_TTL must be at least 60 seconds.", id="tiles.E008"))
    if settings.TILES_RASTER_SIZE not in (256, 512):
        errors.append(Error("TILES_RASTER_SIZE must be 256 or 512.", id="tiles.E009"))
    west, south, east, north = (settings.TILES_SEED_BBOX + [0, 0, 0, 0])[:4]
    if len(settings.TILES_SEED_BBOX) != 4 or not (-180 <= west < east <= 180 and -85.06 <= south < north <= 85.06):
        errors.append(Error("TILES_SEED_BBOX must be minLon,minLat,maxLon,maxLat in WGS 84.", id="tiles.E010"))
    # Each attribute is a column of the tile's statement; PostgreSQL's target lists stop at 1,664.
    if not 1 <= settings.TILES_MAX_ATTRIBUTES <= 1_600:
        errors.append(Error("TILES_MAX_ATTRIBUTES must be between 1 and 1,600.", id="tiles.E020"))
    return errors


@register()
def check_raster_stack(app_configs, **kwargs) -> list[Error]:
    """Raster tiles read COGs with rasterio's GDAL: the COG layout needs GDAL >= 3.1."""
    major, minor = (int(p) for p in rasterio.__gdal_version__.split(".")[:2])
    if (major, minor) < (3, 1):
        return [Error(f"rasterio's GDAL {rasterio.__gdal_version__} is too old for COGs; 3.1+ is needed.",
                      id="tiles.E012")]
    return []
