#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make backup`: a pg_dump -Fc of the database and a tar of MEDIA_ROOT, with a manifest of checksums
# and of every layer (layers/backups.py), in a new directory under BACKUP_DIR (default backups/).
# The private PostgreSQL is started if it is not running; nothing else is.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/postgres.sh"
source "$here/redis.sh"
source "$here/deps.sh"
source "$here/app.sh"

start_log
install_dependencies test
start_postgres
step "Writing $(rel "$LOCAL_ENV")" write_local_env
echo "==> Backing up"
manage backup
