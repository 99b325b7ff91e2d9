"""GDAL configuration for every GDAL this process loads: Debian's (GeoDjango) and the copies bundled
in the rasterio and pyogrio wheels. Drivers are registered once, when each library loads, and each
reads GDAL_SKIP then: so `harden()` must run before any of them is imported (geo_ioc/__init__.py).
"""

import os

# Drivers that follow references to other files, URLs or databases. An upload is opened only by the
# one driver its format allows (layers.imports.sources), but a driver that is not registered cannot
# be tricked into opening anything at all.
# Drivers that follow references to other files, URLs or services. An upload is opened only by the
# one driver its format allows (layers.imports.sources), but a driver that is not registered cannot be
# tricked into opening anything at all. Only drivers every build here has: GDAL warns about others.
SKIPPED_DRIVERS = ("VRT", "OGR_VRT", "WMS", "WMTS", "WCS", "WFS", "HTTP")

HARDENED = {
    "GDAL_SKIP": ",".join(SKIPPED_DRIVERS),
    # No .aux.xml side files: they are read beside an input and written beside an output.
    "GDAL_PAM_ENABLED": "NO",
    # Never list a directory to look for side files of a network path.
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    # Network access through /vsicurl/ and friends is off.
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".nonexistent-extension",
    "GDAL_HTTP_TIMEOUT": "1",
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
}


def harden() -> None:
    """Put the hardened values into the environment unless the operator set them already."""
    for name, value in HARDENED.items():
        os.environ.setdefault(name, value)
