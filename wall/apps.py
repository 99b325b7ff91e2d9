from django.apps import AppConfig


class WallConfig(AppConfig):
    name = "wall"
    verbose_name = "Video wall"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wall import checks  # noqa: F401  (registers the system check)
