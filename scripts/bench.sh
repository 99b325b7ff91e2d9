#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make bench`: the set-up of `make test` with the bench extras (tipg, titiler), then the benchmarks.
# BENCH_ARGS is passed to `python -m bench`.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/postgres.sh"
source "$here/redis.sh"
source "$here/deps.sh"
source "$here/app.sh"

# wrk, the load generator of the tiles bench (bench/tiles_load.py): only the bench needs it.
ensure_bench_packages() {
    local missing
    mapfile -t missing < <(missing_packages wrk)
    if ((${#missing[@]} == 0)); then
        note "all present"
        return
    fi
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    note "installed ${missing[*]}"
}

start_log
install_dependencies bench
step "Checking bench packages (wrk)" ensure_bench_packages
start_postgres
start_redis
prepare_django

eval "set -- ${BENCH_ARGS:-}"
echo "==> Running python -m bench $*"
cd "$ROOT"
exec "$VENV/bin/python" -m bench "$@"
