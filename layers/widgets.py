"""A GeoDjango map widget that works on an intranet: OpenLayers served by the app (from npm), and a
base layer drawn from our own public admin-boundary layer instead of an internet tile service."""

from django.contrib.gis.forms.widgets import OpenLayersWidget

from layers.extent import province_center



class OfflineMapWidget(OpenLayersWidget):
    template_name = "layers/widgets/offline_map.html"
    base_layer_slug = "admin-districts"

    class Media:
        extend = False  # the parent's Media points at a CDN
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/dist/ol.js", "gis/js/OLMapWidget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # The province's centre; the widget zooms to the geometry being edited when there is one.
        lon, lat = province_center()
        context.update(
            default_lon=lon, default_lat=lat, default_zoom=9,
            base_layer_url=f"/api/layers/{self.base_layer_slug}/features/?properties=name&limit=10000",
        )
        return context
