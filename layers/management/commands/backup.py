from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from layers.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc) and MEDIA_ROOT with a manifest and checksums (layers.backups)."

    def add_arguments(self, parser):
        parser.add_argument("--to", default=str(settings.BACKUP_DIR), help="Directory the backup is written under.")

    def handle(self, *args, to: str, **options):
        try:
            path = backup(to=Path(to))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(path))
