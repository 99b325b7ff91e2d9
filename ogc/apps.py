from django.apps import AppConfig


class OgcConfig(AppConfig):
    name = "ogc"
    verbose_name = "OGC API and open-data portal"
    default_auto_field = "django.db.models.BigAutoField"
