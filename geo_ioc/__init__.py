from layers.gdal_env import harden

# Before anything loads a GDAL (GeoDjango, rasterio, pyogrio): drivers read GDAL_SKIP once, at load.
harden()

from geo_ioc.celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
