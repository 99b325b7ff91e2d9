"""manage.py seed_tiles --layers schools admin-province,admin-districts --zooms 8-12 [--bbox …] [--user NAME] [--queue]"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from layers.errors import ApiError
from tiles import seeding
from tiles.tasks import seed_tiles


class Command(BaseCommand):
    help = "Pre-render tiles of chosen layers and zooms over the province into the tile cache."

    def add_arguments(self, parser):
        parser.add_argument("--layers", nargs="+", required=True,
                            help="Tilesets: a slug, or slugs joined by ',' for a composite tile.")
        parser.add_argument("--zooms", required=True, help="e.g. 8-12, or 8,10,12.")
        parser.add_argument("--bbox", help="minLon,minLat,maxLon,maxLat (default TILES_SEED_BBOX).")
        parser.add_argument("--user", help="Seed as this user (their access scope); default anonymous.")
        parser.add_argument("--queue", action="store_true", help="Run as a Celery task instead of here.")

    def handle(self, *args, layers: list[str], zooms: str, bbox: str | None, user: str | None, queue: bool,
               **options):
        caller = None
        if user:
            caller = get_user_model().objects.filter(username=user).first()
            if caller is None:
                raise CommandError(f"No user {user!r}.")
        box = None
        if bbox:
            try:
                box = tuple(float(v) for v in bbox.split(","))
            except ValueError:
                raise CommandError("--bbox takes four numbers: minLon,minLat,maxLon,maxLat.") from None
            if len(box) != 4:
                raise CommandError("--bbox takes four numbers: minLon,minLat,maxLon,maxLat.")
        try:
            parsed_zooms = seeding.parse_zooms(zooms)
        except ApiError as exc:
            raise CommandError(str(exc.detail)) from None
        if queue:
            result = seed_tiles.delay(tilesets=layers, zooms=zooms, bbox=list(box) if box else None,
                                      user_id=caller.pk if caller else None)
            self.stdout.write(f"Queued seeding task {result.id}.")
            return
        interactive = sys.stdout.isatty()

        def progress(report: seeding.SeedReport) -> None:
            if interactive or report.done == report.total or report.done % max(1, report.total // 20) == 0:
                end = "\r" if interactive and report.done < report.total else "\n"
                self.stdout.write(seeding.progress_bar(report), ending=end)
                self.stdout.flush()

        try:
            report = seeding.seed(user=caller, tilesets=layers, zooms=parsed_zooms, bbox=box, progress=progress)
        except ApiError as exc:
            raise CommandError(str(exc.detail)) from None
        if report.total == 0:
            self.stdout.write("No tile of these layers lies in the area.")
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {report.total} tiles: {report.rendered} rendered, {report.cached} already cached,"
            f" {report.empty} empty."))
