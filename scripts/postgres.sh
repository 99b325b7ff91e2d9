# The private PostgreSQL cluster under var/postgres, used when DATABASE_URL is not set.
# Sourced after lib.sh.
#
# PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` OS user. That
# user must be able to reach the data directory: a clone in a 0700 directory (mktemp -d in CI, /root)
# is out of its reach, and then the data lives in /var/lib/geo-ioc/<sha1 of the project path>/ with
# var/postgres a symlink to it.

PG_LINK=$VAR/postgres
PG_DB=geo_ioc
PG_EXTERNAL_BASE=/var/lib/geo-ioc

needs_private_postgres() { [[ -z ${DATABASE_URL:-} ]]; }

# The major version to run: the existing cluster's, else the highest installed server (not whatever
# `initdb` is first on PATH: /usr/local/bin may hold odd copies). Prints nothing when none is found.
pg_major() {
    if [[ -r $PG_LINK/PG_VERSION ]]; then
        cat "$PG_LINK/PG_VERSION"
        return
    fi
    local bin majors
    majors=$(for bin in /usr/lib/postgresql/*/bin/postgres; do
        [[ -x $bin ]] && basename "$(dirname "$(dirname "$bin")")"
    done | sort -n | tail -n 1)
    if [[ -n $majors ]]; then
        echo "$majors"
    elif command -v pg_config >/dev/null && [[ -x $(pg_config --bindir)/postgres ]]; then
        "$(pg_config --bindir)/postgres" --version | sed -n 's/.* \([0-9][0-9]*\)\..*/\1/p'
    fi
}

pg_bindir() {
    local major
    major=$(pg_major)
    [[ -n $major ]] || return 1
    if [[ -x /usr/lib/postgresql/$major/bin/initdb ]]; then
        echo "/usr/lib/postgresql/$major/bin"
    elif command -v pg_config >/dev/null && [[ -x $(pg_config --bindir)/initdb ]]; then
        pg_config --bindir
    else
        return 1
    fi
}

pg_os_user() { if is_root; then echo postgres; else id -un; fi; }

# Runs "$@" as the cluster's owner. From / because the caller's directory may be closed to postgres.
as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

ensure_postgres_user() {
    id -u postgres >/dev/null 2>&1 && return
    useradd --system --user-group --home-dir /var/lib/postgresql --create-home --shell /bin/bash postgres
}

# Sets PG_DATA (the real data directory) and PG_LOG (its server log) without creating anything.
resolve_pg_paths() {
    if [[ -L $PG_LINK ]]; then
        PG_DATA=$(readlink "$PG_LINK")
        PG_LOG=$(dirname "$PG_DATA")/postgres.log
    elif ! is_root || [[ -d $PG_LINK ]] || pg_can_reach "$VAR"; then
        PG_DATA=$PG_LINK
        PG_LOG=$LOG_DIR/postgres.log
    else
        local key
        key=$(printf '%s' "$ROOT" | sha1sum | cut -d' ' -f1)
        PG_DATA=$PG_EXTERNAL_BASE/$key/postgres
        PG_LOG=$PG_EXTERNAL_BASE/$key/postgres.log
    fi
}

pg_can_reach() {
    id -u postgres >/dev/null 2>&1 && (cd / && runuser -u postgres -- test -x "$1")
}

pg_describe() {
    if [[ $PG_DATA == "$PG_LINK" ]]; then
        echo "$(rel "$PG_LINK"), port $PG_PORT"
    else
        echo "$(rel "$PG_LINK") -> $PG_DATA, port $PG_PORT"
    fi
}

# Creates the (empty) data directory and the log file, owned by the cluster's owner.
prepare_pg_dirs() {
    local owner
    owner=$(pg_os_user)
    if [[ $PG_DATA != "$PG_LINK" ]]; then
        install -d -m 0755 "$PG_EXTERNAL_BASE"
        install -d -m 0700 -o "$owner" -g "$(id -gn "$owner")" "$(dirname "$PG_DATA")"
        ln -sfn "$PG_DATA" "$PG_LINK"
        ln -sfn "$PG_LOG" "$LOG_DIR/postgres.log"
    fi
    install -d -m 0700 -o "$owner" -g "$(id -gn "$owner")" "$PG_DATA"
    # pg_ctl opens the log as the owner, who cannot create files in a root-owned var/log.
    [[ -e $PG_LOG ]] || install -m 0600 -o "$owner" -g "$(id -gn "$owner")" /dev/null "$PG_LOG"
}

init_cluster() {
    prepare_pg_dirs
    # trust is safe only because the server listens on 127.0.0.1 and has no Unix socket (below).
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust --username=postgres --encoding=UTF8 \
        --locale=C.UTF-8
    cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# Geo IOC private cluster (scripts/postgres.sh). Loopback TCP only, and no Unix socket, so that it
# never meets a system server's socket in /var/run/postgresql. The port is given by pg_ctl -o.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
EOF
}

pg_running() {
    [[ -s $PG_DATA/PG_VERSION ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

# The port a running cluster listens on (line 4 of postmaster.pid).
pg_running_port() {
    sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null
}

pg_start() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 120 -o "-p $PG_PORT" start
}

pg_stop() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t "$STOP_TIMEOUT" -m fast stop
}

psql_admin() {
    "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

ensure_database() {
    local exists
    exists=$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")
    [[ $exists == 1 ]] || "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB"
}

ensure_postgres() {
    if [[ ! -s $PG_DATA/PG_VERSION ]]; then
        init_cluster
        note "new cluster"
    fi
    local running=""
    if pg_running; then
        if [[ $(pg_running_port) == "$PG_PORT" ]]; then
            note "already running"
            ensure_database
            return
        fi
        running=$(pg_running_port)
    fi
    if port_answers "$PG_PORT"; then
        die "port $PG_PORT is taken by a server this project did not start; set GEO_IOC_PG_PORT"
    fi
    if [[ -n $running ]]; then
        # GEO_IOC_PG_PORT changed since the cluster was started.
        pg_stop
        note "moved from port $running"
    fi
    pg_start
    ensure_database
}

# Resolves the paths and the binaries, then runs ensure_postgres as a progress step.
start_postgres() {
    if ! needs_private_postgres; then
        echo "==> Using the database at DATABASE_URL (no private PostgreSQL)"
        return
    fi
    PG_BIN=$(pg_bindir) || die "no PostgreSQL server binaries found (apt-get install postgresql)"
    if is_root; then ensure_postgres_user; fi
    resolve_pg_paths
    if is_root && [[ $PG_DATA == "$PG_LINK" && -d $PG_LINK ]] && ! pg_can_reach "$PG_LINK"; then
        die "the postgres user cannot reach $PG_LINK (a parent directory is closed to it); open the" \
            "path to it (chmod o+x) or remove var/postgres to recreate the cluster elsewhere"
    fi
    step "Starting PostgreSQL ($(pg_describe))" ensure_postgres
}

stop_postgres() {
    [[ -e $PG_LINK ]] || return 0
    PG_BIN=$(pg_bindir) || return 0
    resolve_pg_paths
    step "Stopping PostgreSQL ($(rel "$PG_LINK"))" stop_postgres_step
}

stop_postgres_step() {
    if pg_running; then pg_stop; else note "was not running"; fi
}

postgres_status() {
    if [[ ! -e $PG_LINK ]]; then
        echo "postgres: no private cluster"
        return
    fi
    PG_BIN=$(pg_bindir) || { echo "postgres: no server binaries"; return; }
    resolve_pg_paths
    if pg_running; then
        echo "postgres: running on 127.0.0.1:$(pg_running_port) ($(rel "$PG_LINK"))"
    else
        echo "postgres: stopped"
    fi
}
