#!/usr/bin/env bash
# Entry point of the Docker image: one role per container (docker-compose.yml picks it).
#   web      gunicorn on 0.0.0.0:8000 (workers: WEB_CONCURRENCY, read by gunicorn itself, default 3)
#   worker   a Celery worker (CELERY_CONCURRENCY, default 2)
#   beat     Celery beat; run exactly one, or scheduled jobs run twice
#   migrate  one-shot: migrations, then the demo world (idempotent: skipped once loaded)
# Anything else is run as a command, e.g. `docker compose run --rm web manage.py shell`.
set -euo pipefail

role=${1:-web}
case $role in
    web)
        exec gunicorn geo_ioc.wsgi:application -c geo_ioc/gunicorn_conf.py --bind 0.0.0.0:8000 \
            --workers "${WEB_CONCURRENCY:-3}" --access-logfile - --error-logfile -
        ;;
    worker)
        # %h is the container's hostname, which the compose healthcheck pings by name.
        exec celery -A geo_ioc worker --loglevel INFO --concurrency "${CELERY_CONCURRENCY:-2}" \
            --hostname "worker@%h"
        ;;
    beat)
        exec celery -A geo_ioc beat --loglevel INFO
        ;;
    migrate)
        python manage.py migrate --noinput
        exec python manage.py load_demo_world
        ;;
    manage.py)
        shift
        exec python manage.py "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
