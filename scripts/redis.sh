# The private Redis (Celery broker and result store), used when REDIS_URL is not set.
# Sourced after lib.sh. Its data lives in var/redis with the append-only file on, so that jobs
# accepted before a restart are still queued after it.

REDIS_DIR=$VAR/redis
REDIS_PIDFILE=$RUN_DIR/redis.pid

needs_private_redis() { [[ -z ${REDIS_URL:-} ]]; }

redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

redis_answers() { [[ $(redis_cli ping 2>/dev/null) == PONG ]]; }

# True when the Redis on our port is the one serving var/redis (even if its pidfile was lost).
redis_is_ours() {
    [[ $(redis_cli config get dir 2>/dev/null | sed -n 2p) == "$REDIS_DIR" ]]
}

ensure_redis() {
    if redis_answers; then
        redis_is_ours || die "port $REDIS_PORT is taken by a Redis this project did not start; set REDIS_PORT"
        note "already running"
        return
    fi
    if port_answers "$REDIS_PORT"; then
        die "port $REDIS_PORT is taken by another program; set REDIS_PORT"
    fi
    mkdir -p "$REDIS_DIR"
    # appendfsync everysec: at most one second of accepted jobs is lost if the machine dies.
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
        --pidfile "$REDIS_PIDFILE" --logfile "$LOG_DIR/redis.log" --dir "$REDIS_DIR" \
        --appendonly yes --appendfsync everysec
    local tries=0
    until redis_answers; do
        ((++tries < 100)) || die "Redis did not answer within 10 s (see var/log/redis.log)"
        sleep 0.1
    done
}

start_redis() {
    if ! needs_private_redis; then
        echo "==> Using the Redis at REDIS_URL (no private Redis)"
        return
    fi
    step "Starting Redis ($(rel "$REDIS_DIR"), port $REDIS_PORT)" ensure_redis
}

stop_redis_step() {
    if pidfile_alive "$REDIS_PIDFILE" redis-server; then
        # SIGTERM makes Redis flush the append-only file before it exits.
        stop_pidfiles "$REDIS_PIDFILE:redis-server"
    elif redis_answers && redis_is_ours; then
        redis_cli shutdown
    else
        note "was not running"
    fi
}

stop_redis() {
    [[ -d $REDIS_DIR ]] || return 0
    step "Stopping Redis ($(rel "$REDIS_DIR"))" stop_redis_step
}

redis_status() {
    if pidfile_alive "$REDIS_PIDFILE" redis-server; then
        echo "redis: running on 127.0.0.1:$REDIS_PORT ($(rel "$REDIS_DIR"), pid $(first_line "$REDIS_PIDFILE"))"
    elif [[ -d $REDIS_DIR ]]; then
        echo "redis: stopped"
    else
        echo "redis: no private Redis"
    fi
}
