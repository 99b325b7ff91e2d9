"""System checks: tunables that must agree, and the geospatial stack versions we rely on."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connection
from django.db.utils import OperationalError


@register()
def check_layer_settings(app_configs, **kwargs):
    errors = []
    if not 1 <= settings.LAYERS_PAGE_DEFAULT <= settings.LAYERS_PAGE_MAX:
        errors.append(
            Error(
                "LAYERS_PAGE_DEFAULT must be between 1 and LAYERS_PAGE_MAX.",
                hint=f"Now {settings.LAYERS_PAGE_DEFAULT} and {settings.LAYERS_PAGE_MAX}.",
                id="layers.E001",
            )
        )
    west, south, east, north = (list(settings.PROVINCE_BOUNDS) + [0, 0, 0, 0])[:4]
    if len(settings.PROVINCE_BOUNDS) != 4 or not (-180 <= west < east <= 180 and -85.06 <= south < north <= 85.06):
        errors.append(Error("PROVINCE_BOUNDS must be minLon,minLat,maxLon,maxLat in WGS 84.",
                            hint=f"Now {settings.PROVINCE_BOUNDS}.", id="layers.E014"))
    return errors


@register(Tags.database, deploy=True)
def check_postgis_version(app_configs, **kwargs):
    """ST_AsMVT with feature ids and ST_TileEnvelope need PostGIS >= 3.1."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT postgis_lib_version()")
            version = cur.fetchone()[0]
    except OperationalError:
        return [Warning("The database is not reachable; PostGIS version not checked.", id="layers.W001")]
    major, minor = (int(p) for p in version.split(".")[:2])
    if (major, minor) < (3, 1):
        return [Error(f"PostGIS {version} is too old; 3.1 or newer is needed.", id="layers.E002")]
    return []


@register()
def check_import_settings(app_configs, **kwargs):
    """The import caps must make sense together, and GDAL must have been hardened before it loaded."""
    import os

    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    errors = []
    caps = ("LAYERS_IMPORT_MAX_UPLOAD_BYTES", "LAYERS_IMPORT_MAX_ARCHIVE_MEMBERS", "LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES",
            "LAYERS_IMPORT_MAX_COMPRESSION_RATIO", "LAYERS_IMPORT_MAX_RASTER_PIXELS", "LAYERS_IMPORT_BATCH",
            "LAYERS_IMPORT_INDEX_BUILDERS", "LAYERS_EXPORT_ASYNC_FEATURES", "LAYERS_MAX_PROPERTIES")
    for name in caps:
        if getattr(settings, name) < 1:
            errors.append(Error(f"{name} must be at least 1.", id="layers.E010"))
    if settings.LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES < settings.LAYERS_IMPORT_MAX_UPLOAD_BYTES:
        errors.append(Error("LAYERS_IMPORT_MAX_UNCOMPRESSED_BYTES is below LAYERS_IMPORT_MAX_UPLOAD_BYTES: an "
                            "uncompressed upload that may be sent could not be unpacked.", id="layers.E011"))
    if not 0 <= settings.LAYERS_IMPORT_COORDINATE_TOLERANCE <= 1e-3:
        errors.append(Error("LAYERS_IMPORT_COORDINATE_TOLERANCE must be between 0 and 0.001 degrees: it forgives "
                            "rounding errors, not coordinates in the wrong CRS.", id="layers.E020"))
    if "VRT" not in os.environ.get("GDAL_SKIP", "").replace(" ", ",").split(","):
        errors.append(Error("GDAL_SKIP does not name VRT: a VRT disguised as another file could be opened.",
                            hint="Do not override GDAL_SKIP, or keep VRT and OGR_VRT in it (layers/gdal_env.py).",
                            id="layers.E012"))
    try:
        Transformer.from_pipeline("urn:ogc:def:coordinateOperation:EPSG::6960")
    except ProjError:
        errors.append(Error("PROJ does not know EPSG:6960 (VN-2000 to WGS 84): install proj-data.", id="layers.E013"))
    return errors
