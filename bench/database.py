"""Create and migrate the bench database when it is missing."""

import os

import environ
import psycopg
from django.core.management import call_command


def ensure_bench_database() -> None:
    url = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    admin = psycopg.connect(host=url["HOST"], port=url["PORT"] or 5432, user=url["USER"],
                            password=url["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [url["NAME"]]).fetchone()
        if not exists:
            admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(url["NAME"])))
    import django

    django.setup()
    call_command("migrate", verbosity=0)
