#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make status`: one line per process this project runs.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/postgres.sh"
source "$here/redis.sh"
source "$here/app.sh"

postgres_status
redis_status
app_status
