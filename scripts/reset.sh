#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make reset`: `make stop`, then delete var/ (database, queued jobs, media, logs, SECRET_KEY) and the
# cluster directory under /var/lib/geo-ioc that var/postgres may point to. The next `make run` starts
# from scratch.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
bash "$here/stop.sh"
source "$here/lib.sh"
source "$here/postgres.sh"

remove_var() {
    if [[ -L $PG_LINK ]]; then
        local outside
        outside=$(dirname "$(readlink "$PG_LINK")")
        # Only ever a directory this project created: /var/lib/geo-ioc/<sha1>.
        [[ $outside =~ ^$PG_EXTERNAL_BASE/[0-9a-f]{40}$ ]] && rm -rf "$outside"
    fi
    rm -rf "$VAR"
}

echo "==> Deleting $(rel "$VAR")"
remove_var
