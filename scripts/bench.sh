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

start_log
install_dependencies bench
start_postgres
start_redis
prepare_django

eval "set -- ${BENCH_ARGS:-}"
echo "==> Running python -m bench $*"
cd "$ROOT"
exec "$VENV/bin/python" -m bench "$@"
