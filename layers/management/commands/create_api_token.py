from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from layers.tokens import create_token


class Command(BaseCommand):
    help = "Create an API token for a user and print it (shown once; only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. 'wall display 3'.")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is not active.")
        self.stdout.write(create_token(user, name=name))
