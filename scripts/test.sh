#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `make test`: the set-up of `make run` without the demo world and the application processes (the
# tests start the servers and the Celery worker they need), then pytest. Its exit code is ours.
# It may run while `make run`'s processes are up: tests/settings.py gives the tests a broker database
# of their own, so the running worker never takes their jobs.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib.sh"
source "$here/postgres.sh"
source "$here/redis.sh"
source "$here/deps.sh"
source "$here/app.sh"

start_log
install_dependencies test
start_postgres
start_redis
prepare_django

# Tests that start programs of the venv (celery, gunicorn) find them on PATH.
export PATH=$VENV/bin:$PATH
# PYTEST_ARGS is split like a shell command line, so quoted arguments work: PYTEST_ARGS='-k "a or b"'.
# The 25 slowest tests are listed before pytest's closing "N passed in …" line (what CI reads), so
# what costs time is visible. PYTEST_ARGS may say otherwise (the last --durations wins; 0 lists all).
eval "set -- --durations=25 ${PYTEST_ARGS:-}"
echo "==> Running pytest $*"
cd "$ROOT"
code=0
"$VENV/bin/python" -m pytest "$@" || code=$?
# pytest exits 5 when it collected nothing: that is already non-zero, but say why.
((code != 5)) || echo "error: pytest collected no tests" >&2
exit "$code"
