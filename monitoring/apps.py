from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring and alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The firing alerts' layers copy areas into a layer of their rule's access scope
        (monitoring.alert_layers): a change to the access of a layer a rule watches must move them at
        once, or an area would stay in a layer wider than its rule. Receivers, as tiles.access_memo's,
        because access is changed by Django's own writers too (the admin, the m2m managers)."""
        from django.db.models.signals import m2m_changed, post_save

        from layers.models import Layer
        from monitoring.alert_layers import on_layer_access

        uid = "monitoring.alert_layers"
        post_save.connect(on_layer_access, sender=Layer, dispatch_uid=uid)
        m2m_changed.connect(on_layer_access, sender=Layer.groups.through, dispatch_uid=uid)
