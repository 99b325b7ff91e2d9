from django.conf import settings
from django.db import models


class Bookmark(models.Model):
    """A view of the map a person keeps for themselves: where it looks and which layers it shows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="map_bookmarks")
    name = models.CharField(max_length=120)
    lon = models.FloatField()
    lat = models.FloatField()
    zoom = models.FloatField()
    # Layer slugs, in the order they were shown; ones the person may no longer see are left out on reading.
    layers = models.JSONField(default=list)
    # The attribute filters of those layers ({slug: {property: value}}), read back for the layers only.
    filters = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name
