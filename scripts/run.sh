#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make run`: install what is missing, start PostgreSQL, Redis, the web server, a Celery worker and
# beat, load the demo world, and wait until /healthz answers 200. Safe to run again: backing services
# that run are left alone, the application processes are restarted so they serve the current code.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/postgres.sh"
source "$here/redis.sh"
source "$here/deps.sh"
source "$here/app.sh"

start_log
started=$SECONDS
install_dependencies test
start_postgres
start_redis
prepare_django
step "Loading the Long An demo world" manage load_demo_world
start_app
# The worker renders them in the background; tiles already cached are skipped, so this is cheap
# on every start (and re-seeds what TILES_CACHE_TTL let expire). demo-official stands for the staff
# display accounts: every staff account without groups shares its tiles.
step "Queueing the wall's map tiles (the worker renders them)" manage seed_wall_tiles --queue --user demo-official

echo
echo "Geo IOC is running at http://127.0.0.1:$WEB_PORT/ (ready in $((SECONDS - started)) s)"
echo "demo accounts: see README"
echo "logs: var/log/   status: make status   stop: make stop"
