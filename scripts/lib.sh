# Shared by every script in scripts/: paths, settings from the environment, progress lines.
# Sourced, never run. Requires bash.
# shellcheck disable=SC2034  # the variables below are used by the scripts that source this file

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# Every script works from the project root, wherever make was called from.
cd "$ROOT"
VAR=$ROOT/var
LOG_DIR=$VAR/log
RUN_DIR=$VAR/run
STAMP_DIR=$VAR/stamps
VENV=$ROOT/.venv
LOCAL_ENV=$VAR/local.env
MAKE_LOG=$LOG_DIR/make.log

# Knobs (documented in README "Configuration"). Ports default to odd numbers so that the private
# services never collide with a system PostgreSQL (5432) or Redis (6379) on the same machine.
PG_PORT=${GEO_IOC_PG_PORT:-54329}
REDIS_PORT=${GEO_IOC_REDIS_PORT:-${REDIS_PORT:-63790}}
WEB_PORT=${PORT:-8000}
WEB_WORKERS=${GEO_IOC_WEB_WORKERS:-3}
WORKER_CONCURRENCY=${GEO_IOC_WORKER_CONCURRENCY:-2}
HEALTHZ_TIMEOUT=${GEO_IOC_HEALTHZ_TIMEOUT:-90}
STOP_TIMEOUT=${GEO_IOC_STOP_TIMEOUT:-60}

mkdir -p "$LOG_DIR" "$RUN_DIR" "$STAMP_DIR"
touch "$MAKE_LOG"

# --- progress lines -------------------------------------------------------------------------------
# Each step prints "==> Title… ok". Its own output goes to var/log/make.log so the terminal stays
# readable; when a step fails, the EXIT trap prints that step's part of the log.

STEP_TITLE=""
STEP_LOG_START=0
STEP_NOTE_FILE=$RUN_DIR/step-note

step() {
    local title=$1 note=""
    shift
    STEP_TITLE=$title
    STEP_LOG_START=$(wc -l <"$MAKE_LOG")
    rm -f "$STEP_NOTE_FILE"
    printf '==> %s… ' "$title"
    printf '\n### %s  %s\n' "$(date '+%F %T')" "$title" >>"$MAKE_LOG"
    # A subshell, not `if "$@"`: `set -e` stays on inside the step, and when the step fails this
    # shell exits after the redirection is undone, so on_exit reports on the terminal.
    local started=${EPOCHREALTIME/[.,]/} tenths
    ("$@") >>"$MAKE_LOG" 2>&1 </dev/null
    tenths=$(((${EPOCHREALTIME/[.,]/} - started) / 100000))
    echo "### done in $((tenths / 10)).$((tenths % 10)) s" >>"$MAKE_LOG"
    note=$(first_line "$STEP_NOTE_FILE") || true
    if [[ -n $note ]]; then echo "ok ($note)"; else echo "ok"; fi
    STEP_TITLE=""
}

# A step's remark for its progress line ("ok (already running)").
note() { echo "$1" >"$STEP_NOTE_FILE"; }

on_exit() {
    local code=$?
    if [[ $code -ne 0 && -n $STEP_TITLE ]]; then
        echo "FAILED"
        echo "---- output of \"$STEP_TITLE\" (full log: ${MAKE_LOG#"$ROOT"/}) ----" >&2
        tail -n +"$((STEP_LOG_START + 1))" "$MAKE_LOG" | tail -n 80 >&2
        echo "----" >&2
    fi
    exit "$code"
}

start_log() {
    : >"$MAKE_LOG"
    trap on_exit EXIT
}

die() {
    echo "error: $*" >&2
    exit 1
}

# --- small helpers --------------------------------------------------------------------------------

# Prints the first line of file $1, or fails quietly when it is missing. Not `$(<file)`: in bash 5.2
# a missing file there ends a `set -e` script even inside `if`, and pidfiles vanish at any time.
first_line() {
    local line=""
    { read -r line || [[ -n $line ]]; } 2>/dev/null <"$1" || return 1
    echo "$line"
}

is_root() { [[ $EUID -eq 0 ]]; }

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no extra tools).
port_answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when process $1 exists and is not a zombie. /proc rather than `kill -0`: a daemon's exited
# process lingers as a zombie until init reaps it, and some container inits are slow to do that.
process_alive() {
    local stat
    stat=$(first_line "/proc/$1/stat") || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# Prints the pid in pidfile $1 when that process is alive and its command line contains $2, so that
# a stale pidfile whose pid was reused by another program is never mistaken for ours.
pidfile_pid() {
    local pid cmdline
    [[ -s $1 ]] || return 1
    pid=$(first_line "$1") || return 1
    [[ $pid =~ ^[0-9]+$ ]] && process_alive "$pid" || return 1
    { cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline"); } 2>/dev/null || return 1
    [[ $cmdline == *"$2"* ]] || return 1
    echo "$pid"
}

pidfile_alive() { pidfile_pid "$1" "$2" >/dev/null; }

# Stops the processes of the pidfile:word pairs given: SIGTERM to all at once, then waits up to
# STOP_TIMEOUT seconds for each and SIGKILLs the process group of any survivor (our daemons are group
# leaders, so prefork children go too). Returns 1 when none was running.
stop_pidfiles() {
    local pair pid pids=() pidfiles=() deadline
    for pair in "$@"; do
        pidfiles+=("${pair%%:*}")
        if pid=$(pidfile_pid "${pair%%:*}" "${pair#*:}"); then
            kill -TERM "$pid"
            pids+=("$pid")
        fi
    done
    if ((${#pids[@]} > 0)); then
        deadline=$((SECONDS + STOP_TIMEOUT))
        for pid in "${pids[@]}"; do
            while process_alive "$pid"; do
                if ((SECONDS >= deadline)); then
                    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
                    break
                fi
                sleep 0.1
            done
        done
    fi
    rm -f "${pidfiles[@]}"
    ((${#pids[@]} > 0))
}

rel() { echo "${1#"$ROOT"/}"; }
