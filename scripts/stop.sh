#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make stop`: stop beat, the worker and the web server, then the private Redis and PostgreSQL this
# project started. Servers it did not start (DATABASE_URL, REDIS_URL, a system server) are left alone.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/postgres.sh"
source "$here/redis.sh"
source "$here/app.sh"

start_log
stop_app
stop_redis
stop_postgres
