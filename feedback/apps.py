from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Citizen feedback 1022"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from feedback.models import Holiday
        from feedback.sla import forget_holidays

        # The working-time clock's remembered holidays: an edit in the admin counts from the next report.
        post_save.connect(forget_holidays, sender=Holiday, dispatch_uid="feedback.holidays")
        post_delete.connect(forget_holidays, sender=Holiday, dispatch_uid="feedback.holidays")
