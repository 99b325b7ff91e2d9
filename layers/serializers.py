from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo_ioc.openapi import ref
from layers.models import Layer
from layers.styles import effective_style

# The media type of a Cloud-Optimized GeoTIFF (OGC 21-026).
RASTER_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"


class LayerSerializer(serializers.ModelSerializer):
    """A catalog entry. Which groups a restricted layer belongs to is not disclosed."""

    title = serializers.SerializerMethodField()
    properties = serializers.SerializerMethodField()
    bbox = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    style = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()

    class Meta:
        model = Layer
        fields = [
            "slug", "title", "title_vi", "title_en", "description", "domain", "kind", "geometry_type",
            "properties", "style", "source_department", "department", "license", "update_frequency", "access",
            "time_kind", "version",
            "bbox", "feature_count", "updated_at", "links",
        ]

    def get_title(self, layer: Layer) -> str:
        lang = getattr(self.context.get("request"), "LANGUAGE_CODE", "vi")
        return layer.title_en if lang == "en" else layer.title_vi

    @extend_schema_field(ref("LayerStyle"))
    def get_style(self, layer: Layer) -> dict:
        # The style maps draw it with: a layer without one (a fresh import) still has a legend.
        return effective_style(layer)

    @extend_schema_field({"type": "object", "nullable": True, "required": ["code", "name_vi", "name_en"],
                          "properties": {key: {"type": "string"} for key in ("code", "name_vi", "name_en")}})
    def get_department(self, layer: Layer) -> dict | None:
        """The department owning the layer (whose stewards write it), or None."""
        owner = layer.owner
        return None if owner is None else {"code": owner.code, "name_vi": owner.name_vi, "name_en": owner.name_en}

    @extend_schema_field({"type": "array", "items": ref("LayerProperty")})
    def get_properties(self, layer: Layer) -> list[dict]:
        # A layer made wider than the limit (before it, or by hand) does not swell every catalog answer.
        return layer.property_schema[:settings.LAYERS_MAX_PROPERTIES]

    def get_bbox(self, layer: Layer) -> list[float] | None:
        if layer.extent is None:
            return None
        minx, miny, maxx, maxy = layer.extent.extent
        return [round(minx, 7), round(miny, 7), round(maxx, 7), round(maxy, 7)]

    @extend_schema_field({"type": "array", "items": ref("Link")})
    def get_links(self, layer: Layer) -> list[dict]:
        request = self.context["request"]
        links = [
            {"rel": "self", "type": "application/json",
             "href": request.build_absolute_uri(reverse("layer-detail", args=[layer.slug]))},
        ]
        if layer.kind == "vector":
            links.append(
                {"rel": "items", "type": "application/geo+json",
                 "href": request.build_absolute_uri(reverse("layer-features", args=[layer.slug]))}
            )
        else:  # a raster as data: its COG (range requests) and the values under a point
            links += [
                {"rel": "enclosure", "type": RASTER_TYPE, "title": "Cloud-Optimized GeoTIFF",
                 "href": request.build_absolute_uri(reverse("layer-raster", args=[layer.slug]))},
                {"rel": "values", "type": "application/json", "title": "?lon=&lat=",
                 "href": request.build_absolute_uri(reverse("layer-value", args=[layer.slug]))},
            ]
        return links
