from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Citizen feedback 1022"
    default_auto_field = "django.db.models.BigAutoField"
