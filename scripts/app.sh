# The application processes: var/local.env, Django management commands, gunicorn, the Celery worker
# and Celery beat. Sourced after lib.sh, postgres.sh and redis.sh.

WEB_PIDFILE=$RUN_DIR/gunicorn.pid
WEB_PORTFILE=$RUN_DIR/gunicorn.port
WORKER_PIDFILE=$RUN_DIR/celery-worker.pid
BEAT_PIDFILE=$RUN_DIR/celery-beat.pid
BEAT_SCHEDULE=$VAR/celerybeat-schedule

# Writes var/local.env, which geo_ioc/settings.py reads (real environment variables win over it).
# The secret key is generated once and kept, so sessions survive a restart.
write_local_env() {
    local db_url redis_url key
    db_url=${DATABASE_URL:-postgis://postgres@127.0.0.1:$PG_PORT/$PG_DB}
    redis_url=${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}
    key=$(sed -n 's/^SECRET_KEY=//p' "$LOCAL_ENV" 2>/dev/null | head -n 1 || true)
    if [[ -z $key ]]; then
        key=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
        note "new SECRET_KEY"
    fi
    (
        umask 077
        cat >"$LOCAL_ENV.tmp" <<EOF
# Written by \`make run\` / \`make test\` (scripts/app.sh); rewritten on every run except SECRET_KEY.
DATABASE_URL=$db_url
REDIS_URL=$redis_url
SECRET_KEY=$key
EOF
        mv "$LOCAL_ENV.tmp" "$LOCAL_ENV"
    )
}

manage() { (cd "$ROOT" && "$VENV/bin/python" manage.py "$@"); }

# True when a .po file has no .mo or a .mo older than itself.
translations_stale() {
    local po
    while IFS= read -r po; do
        [[ ${po%.po}.mo -nt $po ]] || return 0
    done < <(find "$ROOT" -path "$ROOT/.git" -prune -o -path "$VENV" -prune -o -path "$ROOT/node_modules" -prune \
        -o -path "$VAR" -prune -o -path '*/LC_MESSAGES/*.po' -print)
    return 1
}

compile_translations() {
    if ! translations_stale; then
        note "up to date"
        return
    fi
    manage compilemessages --ignore .venv --ignore node_modules --ignore var
}

prepare_django() {
    step "Writing $(rel "$LOCAL_ENV")" write_local_env
    step "Compiling translations" compile_translations
    step "Migrating the database" manage migrate --noinput
    step "Collecting static files ($(rel "$VAR")/static)" manage collectstatic --noinput
}

# The pidfile:word pairs of the application processes (the word must be in their command line).
APP_PROCESSES=("$WEB_PIDFILE:gunicorn" "$WORKER_PIDFILE:celery" "$BEAT_PIDFILE:celery")

# Waits until pidfile $1 names a live process whose command line has $2. When pid $4 (the process
# just launched) is given, fails as soon as it dies instead of waiting the full minute.
wait_for_pidfile() {
    local tries=0
    until pidfile_alive "$1" "$2"; do
        if [[ -n ${4:-} ]] && ! process_alive "$4"; then die "$2 exited at start (see $3)"; fi
        ((++tries < 600)) || die "$2 did not start within a minute (see $3)"
        sleep 0.1
    done
}

# Runs "$@" in the background in a session of its own, so that it outlives make and a Ctrl-C in the
# terminal. Its output is appended to log file $1. Prints its pid.
launch() {
    local logfile=$1
    shift
    setsid "$@" </dev/null >>"$logfile" 2>&1 &
    echo $!
}

any_app_running() {
    local pair
    for pair in "${APP_PROCESSES[@]}"; do
        pidfile_alive "${pair%%:*}" "${pair#*:}" && return 0
    done
    return 1
}

stop_app_processes() {
    stop_pidfiles "${APP_PROCESSES[@]}" || note "none was running"
}

start_web() {
    port_answers "$WEB_PORT" && die "port $WEB_PORT is in use by another program; set PORT"
    # Worker class, threads, keep-alive and timeout: geo_ioc/gunicorn_conf.py (shared with the bench).
    "$VENV/bin/gunicorn" geo_ioc.wsgi:application --chdir "$ROOT" -c "$ROOT/geo_ioc/gunicorn_conf.py" \
        --bind "127.0.0.1:$WEB_PORT" --workers "$WEB_WORKERS" \
        --daemon --pid "$WEB_PIDFILE" --capture-output \
        --error-logfile "$LOG_DIR/gunicorn.log" --access-logfile "$LOG_DIR/gunicorn-access.log"
    wait_for_pidfile "$WEB_PIDFILE" gunicorn "var/log/gunicorn.log"
    echo "$WEB_PORT" >"$WEB_PORTFILE"
}

# Celery is launched rather than `--detach`ed: --detach loads the whole app once to fork and once
# more after it execs, which doubles the start time. Celery writes the pidfile itself.
start_worker() {
    local pid log=$LOG_DIR/celery-worker.log
    pid=$(launch "$log" "$VENV/bin/celery" -A geo_ioc worker --pidfile "$WORKER_PIDFILE" --logfile "$log" \
        --loglevel INFO --concurrency "$WORKER_CONCURRENCY" --hostname "geo-ioc@%h")
    wait_for_pidfile "$WORKER_PIDFILE" celery "var/log/celery-worker.log" "$pid"
}

start_beat() {
    local pid log=$LOG_DIR/celery-beat.log
    pid=$(launch "$log" "$VENV/bin/celery" -A geo_ioc beat --pidfile "$BEAT_PIDFILE" --logfile "$log" \
        --loglevel INFO --schedule "$BEAT_SCHEDULE")
    wait_for_pidfile "$BEAT_PIDFILE" celery "var/log/celery-beat.log" "$pid"
}

# Prints the HTTP status of /healthz, or 000 when nothing answers.
healthz_status() {
    "$VENV/bin/python" - "$WEB_PORT" <<'EOF'
import sys
import urllib.error
import urllib.request

try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=5) as response:
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
except (urllib.error.URLError, OSError):
    print("000")
EOF
}

wait_for_healthz() {
    local deadline=$((SECONDS + HEALTHZ_TIMEOUT)) status
    while :; do
        status=$(healthz_status)
        [[ $status == 200 ]] && return
        pidfile_alive "$WEB_PIDFILE" gunicorn || die "gunicorn exited (see var/log/gunicorn.log)"
        pidfile_alive "$WORKER_PIDFILE" celery || die "the Celery worker exited (see var/log/celery-worker.log)"
        ((SECONDS < deadline)) ||
            die "/healthz answered $status for ${HEALTHZ_TIMEOUT}s (see var/log/gunicorn.log, celery-worker.log)"
        sleep 0.5
    done
}

start_app() {
    # Restarted rather than left alone, so that a second `make run` serves the current code.
    if any_app_running; then
        step "Stopping the running web, worker and beat" stop_app_processes
    fi
    step "Starting web (gunicorn, 127.0.0.1:$WEB_PORT, $WEB_WORKERS workers)" start_web
    step "Starting Celery worker" start_worker
    step "Starting Celery beat" start_beat
    step "Waiting for http://127.0.0.1:$WEB_PORT/healthz" wait_for_healthz
}

stop_app() {
    step "Stopping web, worker and beat" stop_app_processes
}

app_status() {
    local pair name
    for pair in "${APP_PROCESSES[@]}"; do
        name=$(basename "${pair%%:*}" .pid)
        if pidfile_alive "${pair%%:*}" "${pair#*:}"; then
            echo "$name: running (pid $(first_line "${pair%%:*}"))"
        else
            echo "$name: stopped"
        fi
    done
    if pidfile_alive "$WEB_PIDFILE" gunicorn && [[ -s $WEB_PORTFILE ]]; then
        echo "web address: http://127.0.0.1:$(first_line "$WEB_PORTFILE")/"
    fi
}
