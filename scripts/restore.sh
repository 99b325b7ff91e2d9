#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make restore FROM=<backup directory>`: on a fresh machine (or after `make reset`), set up PostgreSQL
# with an empty database, restore the backup into it and MEDIA_ROOT, and check every layer against the
# backup's manifest (layers/backups.py). It refuses a database that is not empty. Then `make run`.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/postgres.sh"
source "$here/redis.sh"
source "$here/deps.sh"
source "$here/app.sh"

from=${1:-}
[[ -n $from ]] || die "say which backup: make restore FROM=backups/geo-ioc-…"
[[ -d $from ]] || die "$from is not a directory"
from=$(cd "$from" && pwd)

start_log
install_dependencies test
start_postgres
step "Writing $(rel "$LOCAL_ENV")" write_local_env
echo "==> Restoring $from"
manage restore "$from"
