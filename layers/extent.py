"""The province the platform serves: its extent is one setting, PROVINCE_BOUNDS; its centre follows.
Maps, tile seeding and CRS guesses ask here, so no module carries the province's coordinates."""

from django.conf import settings

Bounds = tuple[float, float, float, float]


def province_bounds() -> Bounds:
    """minLon, minLat, maxLon, maxLat in WGS 84 degrees (checked by layers.E014)."""
    west, south, east, north = settings.PROVINCE_BOUNDS
    return (west, south, east, north)


def province_center() -> tuple[float, float]:
    """lon, lat: the middle of the province's bounds."""
    west, south, east, north = province_bounds()
    return ((west + east) / 2, (south + north) / 2)
