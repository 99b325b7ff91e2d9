from django.apps import AppConfig


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = "Layers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from layers import checks  # noqa: F401  (registers the system checks)
