from django.apps import AppConfig


class TilesConfig(AppConfig):
    name = "tiles"
    verbose_name = "Tiles"

    def ready(self) -> None:
        from tiles import checks  # noqa: F401  (registers the system checks)

        self._listen_for_layer_changes()

    @staticmethod
    def _listen_for_layer_changes() -> None:
        """tiles.access_memo remembers layer rows: it must hear of every write to them. Receivers
        rather than calls in each writer because the writers include Django's own (the admin, deletes,
        m2m managers) and every future one; the version bumps themselves stay explicit calls."""
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

        from layers.catalog import layer_changed
        from layers.models import Layer
        from tiles.access_memo import on_layer_change

        uid = "tiles.access_memo"
        layer_changed.connect(on_layer_change, sender=Layer, dispatch_uid=uid)
        post_save.connect(on_layer_change, sender=Layer, dispatch_uid=uid)
        post_delete.connect(on_layer_change, sender=Layer, dispatch_uid=uid)
        m2m_changed.connect(on_layer_change, sender=Layer.groups.through, dispatch_uid=uid)
        # A deleted group takes its layer links with it (a bulk delete, no m2m signal).
        post_delete.connect(on_layer_change, sender=Group, dispatch_uid=uid + ".group")
        # A flush (tests) or a migration may rewrite layer rows behind the ORM's back.
        post_migrate.connect(on_layer_change, dispatch_uid=uid + ".migrate")
