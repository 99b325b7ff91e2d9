"""A GeoDjango map widget that works on an intranet: OpenLayers served by the app (from npm), and a
base layer drawn from our own public admin-boundary layer instead of an internet tile service."""

from django.contrib.gis.forms.widgets import OpenLayersWidget

# Centre of Long An; the widget zooms to the geometry being edited when there is one.
LONG_AN_CENTER = (106.17, 10.73)


class OfflineMapWidget(OpenLayersWidget):
    template_name = "layers/widgets/offline_map.html"
    base_layer_slug = "admin-districts"

    class Media:
        extend = False  # the parent's Media points at a CDN
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/dist/ol.js", "gis/js/OLMapWidget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context.update(
            default_lon=LONG_AN_CENTER[0], default_lat=LONG_AN_CENTER[1], default_zoom=9,
            base_layer_url=f"/api/layers/{self.base_layer_slug}/features/?properties=name&limit=10000",
        )
        return context
