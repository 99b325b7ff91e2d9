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
cd "$ROOT"

# TEST_WORKERS pytest-xdist workers (default: the cores, at most 2; tests/settings.py allows 3) run
# the tests in parallel, each with its own test database, Redis databases and media directory; then
# the tests marked `serial` (they stop, restart or fill a shared service) run alone. TEST_WORKERS=1:
# one plain pytest run, serial tests included.
cores=$(nproc 2>/dev/null || echo 1)
workers=${TEST_WORKERS:-$((cores < 2 ? cores : 2))}
if ((workers <= 1)); then
    echo "==> Running pytest $*"
    code=0
    "$VENV/bin/python" -m pytest "$@" || code=$?
    # pytest exits 5 when it collected nothing: that is already non-zero, but say why.
    ((code != 5)) || echo "error: pytest collected no tests" >&2
    exit "$code"
fi

reports=$VAR/test
mkdir -p "$reports"
rm -f "$reports/parallel.xml" "$reports/serial.xml"
started=$(date +%s.%N)  # for the closing line
# --dist loadgroup: tests/conftest.py keeps a module's tests on one worker and every browser test on
# the same one.
echo "==> Running pytest on $workers workers: -n $workers --dist loadgroup --serial=exclude $*"
parallel=0
"$VENV/bin/python" -m pytest -n "$workers" --dist loadgroup --serial=exclude --junitxml="$reports/parallel.xml" "$@" || parallel=$?
echo "==> Running the serial tests alone: --serial=only $*"
serial=0
"$VENV/bin/python" -m pytest --serial=only --junitxml="$reports/serial.xml" "$@" || serial=$?
# Exit 5 is "no tests collected": nothing of that kind was asked for. Both 5: nothing at all.
if ((parallel == 5 && serial == 5)); then
    echo "error: pytest collected no tests" >&2
    exit 5
fi
((parallel != 5)) || parallel=0
((serial != 5)) || serial=0
# The one closing line CI reads, in pytest's form, for both phases together.
"$VENV/bin/python" "$here/pytest_totals.py" "$started" "$reports/parallel.xml" "$reports/serial.xml"
((parallel == 0)) || exit "$parallel"
exit "$serial"
