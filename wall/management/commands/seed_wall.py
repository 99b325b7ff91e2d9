from django.core.management.base import BaseCommand

from wall.seed import ensure_demo_scenes
from wall.service_scenes import ensure_service_scenes


class Command(BaseCommand):
    help = ("Create or update the demo wall: four Long An scenes, a scene per monitoring service, and the playlist "
            "that cycles them.")

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=60, help="How long each scene stays on.")
        parser.add_argument("--reset", action="store_true", help="Put the demo scenes and playlist back as shipped.")

    def handle(self, *args, seconds: int, reset: bool, **options):
        playlist = ensure_demo_scenes(seconds_per_scene=seconds, reset=reset)
        ensure_service_scenes(seconds_per_scene=seconds, reset=reset)
        self.stdout.write(f"playlist {playlist.slug}: {playlist.entries.count()} scenes")
