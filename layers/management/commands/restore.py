from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layers.backups import BackupError, restore


class Command(BaseCommand):
    help = ("Restore a backup (a directory written by `backup`) into the configured database, which must be "
            "empty, and MEDIA_ROOT; then check every layer against its manifest (layers.backups).")

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup's directory.")

    def handle(self, *args, source: str, **options):
        try:
            manifest = restore(source=Path(source))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"restored {len(manifest['layers'])} layers and {manifest['media']['files']} files "
                          f"from {source} (taken {manifest['created_at']}); every layer matches its checksum")
