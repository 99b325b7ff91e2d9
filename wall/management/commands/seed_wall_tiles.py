"""manage.py seed_wall_tiles [--zooms 8-11] [--user NAME …] [--queue]"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from layers.errors import ApiError
from tiles.seeding import parse_zooms, progress_bar
from wall.map_tiles import seed_map_tiles
from wall.tasks import seed_wall_map_tiles

# A 3 × 3-screen map of the province is drawn from z9 tiles on a 1920 × 1080 canvas, z10 at
# 3840 × 2160 and z11 on the 9600 × 5400 wall; z8 serves smaller screens.
DEFAULT_ZOOMS = "8-11"


class Command(BaseCommand):
    help = ("Pre-render the tiles the wall's scenes draw, for an anonymous (lobby) wall and for each --user "
            "(a display account: its tiles are cached for everyone with the same access). "
            "Cached tiles are skipped.")

    def add_arguments(self, parser):
        parser.add_argument("--zooms", default=DEFAULT_ZOOMS, help=f"e.g. 8-11 (default {DEFAULT_ZOOMS}).")
        parser.add_argument("--user", action="append", default=[],
                            help="Also seed as this account (repeatable).")
        parser.add_argument("--queue", action="store_true",
                            help="Hand the work to the Celery worker and return.")

    def handle(self, *args, zooms: str, user: list[str], queue: bool, **options):
        try:
            parsed = parse_zooms(zooms)
        except ApiError as exc:
            raise CommandError(str(exc.detail)) from None
        accounts = []
        for name in user:
            account = get_user_model().objects.filter(username=name).first()
            if account is None:
                raise CommandError(f"No user {name!r}.")
            accounts.append(account)
        if queue:
            result = seed_wall_map_tiles.delay(user_ids=[None] + [a.pk for a in accounts], zooms=zooms)
            self.stdout.write(f"Queued the wall's map tiles (zooms {zooms}) as task {result.id}.")
            return
        for caller in [None, *accounts]:
            report = seed_map_tiles(user=caller, zooms=parsed)
            self.stdout.write(f"{caller.get_username() if caller else 'anonymous'}: {progress_bar(report)}")
