from django.db import migrations


class Migration(migrations.Migration):
    """The catalog token's copy in PostgreSQL (tiles.access_memo): a sequence, because nextval is
    seen by every session at once and takes no row lock, so a layer change bumps it without
    serialising with other writers."""

    dependencies = [
        ("tiles", "0002_cluster_grid"),
    ]

    operations = [
        migrations.RunSQL("CREATE SEQUENCE tiles_catalog_token", "DROP SEQUENCE tiles_catalog_token"),
    ]
