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
