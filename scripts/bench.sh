#!/usr/bin/env bash
# scripts/bench.sh — HTTP load benchmark of Postern with wrk.
#
# What it does
#   1. Installs wrk (apt-get install -y wrk) if it is not on PATH; sudo only when not root.
#   2. Builds the release binary (cargo build --release in the repository root).
#   3. Starts `postern serve` on 127.0.0.1 (a free port) with a fresh temporary SQLite
#      database, rate limits off and log level warn, waits for GET /healthz, and stops it
#      again when the script exits (also on failure or Ctrl-C). Each scenario gets its
#      own fresh server and database (see BENCH_SHARED_SERVER for why).
#   4. Runs three wrk scenarios over loopback, each after a short warm-up run:
#        start          POST /v1/passwordless/start, a new address on every request
#                       (scripts/bench/start.lua)
#        full sign-in   start -> code from /dev/inbox.json -> verify, many flows in flight
#                       on every connection (scripts/bench/signin.lua explains how the
#                       answers are matched to their flows)
#        session check  GET /v1/session with the cookie of one session made with curl
#                       (scripts/bench/session.lua)
#   5. Prints, per scenario: requests/s, p50 and p99 latency, non-2xx count (sign-ins/s
#      for the full sign-in), and the server's peak RSS (VmHWM, read from /proc just
#      before the server is stopped); then a summary table, which is also written to
#      bench-results/latest.txt (git-ignored).
#
# Usage
#   scripts/bench.sh                         # 10 s per scenario
#   BENCH_DURATION=5s scripts/bench.sh
#
# Environment
#   BENCH_DURATION     wrk duration of each measured run (default 10s)
#   BENCH_WARMUP       wrk duration of each warm-up run (default 2s)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_CONNECTIONS  wrk connections (default 32)
#   BENCH_PORT         port to listen on (default: the first free port from 18080)
#   BENCH_SHARED_SERVER=1  run all scenarios against one server and database instead of
#                      a fresh one each. Off by default because the dev inbox lookup gets
#                      slower as the outbox grows, so the tens of thousands of messages
#                      the "start" scenario leaves behind would slow the sign-in scenario
#                      down severalfold and make its numbers depend on BENCH_DURATION.
#   BENCH_SKIP_BUILD=1 skip `cargo build --release` and use the binary already built
#   CARGO_TARGET_DIR   respected as usual by cargo; the binary is taken from the target
#                      directory cargo reports
#   POSTERN_*          passed through to the server (e.g. POSTERN_SQLITE__READERS=4),
#                      except the settings this script forces: LISTEN, DATABASE_URL,
#                      RATE_LIMITS__ENABLED, LOG__LEVEL; POSTERN_CONFIG is cleared.
#
# Exit status: non-zero if the build or the server fails, or if a scenario looks broken
# (no requests, more than 1% errors, no sign-ins, flows that do not add up); the table is
# printed and saved either way once the scenarios ran.
#
# Sanity of the numbers: wrk and the server share the machine, so on a small box (2
# cores) wrk takes a good part of the CPU; compare runs on the same machine only.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LUA_DIR="$ROOT/scripts/bench"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
RESULTS_DIR="$ROOT/bench-results"

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

WORK=""
SERVER_PID=""
WRK_PID=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$WRK_PID" ]] && kill -0 "$WRK_PID" 2>/dev/null; then
        kill "$WRK_PID" 2>/dev/null || true
        wait "$WRK_PID" 2>/dev/null || true
    fi
    stop_server
    if [[ -n "$WORK" && -d "$WORK" ]]; then
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Children get SIGTERM if this shell dies without running its traps (e.g. SIGKILL).
PDEATH=()
if command -v setpriv >/dev/null 2>&1 && setpriv --help 2>&1 | grep -q -- --pdeathsig; then
    PDEATH=(setpriv --pdeathsig TERM --)
fi

# --- 1. wrk --------------------------------------------------------------------------
ensure_wrk() {
    command -v wrk >/dev/null 2>&1 && return 0
    log "wrk not found; installing it with apt-get"
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "wrk is missing and sudo is not available; install wrk first"
        sudo=(sudo)
    fi
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
    if ! "${apt[@]}" install -y wrk; then
        log "apt-get install failed; refreshing the package lists and trying again"
        "${apt[@]}" update
        "${apt[@]}" install -y wrk
    fi
    command -v wrk >/dev/null 2>&1 || die "wrk is still not on PATH after installing it"
}

# --- 2. build ------------------------------------------------------------------------
build() {
    if [[ "${BENCH_SKIP_BUILD:-0}" = 1 ]]; then
        log "BENCH_SKIP_BUILD=1: using the release binary already built"
    else
        log "building the release binary (cargo build --release)"
        (cd "$ROOT" && cargo build --release)
    fi
    # The target directory as cargo sees it: CARGO_TARGET_DIR, .cargo/config, or target/.
    local target_dir
    target_dir="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
        | grep -o '"target_directory":"[^"]*"' | head -n1 | cut -d'"' -f4)" || true
    [[ -n "$target_dir" ]] || target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
    [[ "$target_dir" = /* ]] || target_dir="$ROOT/$target_dir"
    BIN="$target_dir/release/postern"
    [[ -x "$BIN" ]] || die "the build did not produce $BIN"
}

# --- 3. server -----------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
    if [[ -n "${BENCH_PORT:-}" ]]; then
        port_in_use "$BENCH_PORT" && die "BENCH_PORT $BENCH_PORT is already in use"
        PORT="$BENCH_PORT"
        return
    fi
    local p
    for p in $(seq 18080 18179); do
        if ! port_in_use "$p"; then PORT="$p"; return; fi
    done
    die "no free port in 18080-18179; set BENCH_PORT"
}

check_server_env() {
    local var
    for var in $(compgen -e | grep '^POSTERN_' || true); do
        case "$var" in
            POSTERN_LISTEN | POSTERN_DATABASE_URL | POSTERN_RATE_LIMITS__ENABLED | POSTERN_LOG__LEVEL) ;;
            POSTERN_CONFIG) unset POSTERN_CONFIG ;;
            *) log "passing $var=${!var} to the server" ;;
        esac
    done
}

SERVER_COUNT=0

# start_server: a new server on a new, empty database.
start_server() {
    pick_port
    BASE="http://127.0.0.1:$PORT"
    SERVER_COUNT=$((SERVER_COUNT + 1))
    local db_dir="$WORK/db$SERVER_COUNT" status
    mkdir -p "$db_dir"
    log "starting $BIN serve on $BASE (fresh database $db_dir/postern.db)"
    POSTERN_LISTEN="127.0.0.1:$PORT" \
    POSTERN_DATABASE_URL="sqlite://$db_dir/postern.db" \
    POSTERN_RATE_LIMITS__ENABLED=false \
    POSTERN_LOG__LEVEL=warn \
        "${PDEATH[@]}" "$BIN" serve >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    local i
    for i in $(seq 300); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            wait "$SERVER_PID" 2>/dev/null && status=0 || status=$?
            SERVER_PID=""
            tail -n 30 "$WORK/server.log" >&2 || true
            die "the server exited during startup (status $status); its log is above"
        fi
        if curl -fsS -o /dev/null --max-time 1 "$BASE/healthz" 2>/dev/null; then
            log "server up (pid $SERVER_PID) after $((i / 10)).$((i % 10)) s"
            return
        fi
        sleep 0.1
    done
    tail -n 30 "$WORK/server.log" >&2 || true
    die "the server did not answer GET $BASE/healthz within 30 s; its log is above"
}

# stop_server: SIGTERM, then SIGKILL if it is still draining after 15 s.
stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        local _
        for _ in $(seq 150); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            warn "the server (pid $SERVER_PID) did not stop within 15 s of SIGTERM; killing it"
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    # The data of a finished scenario is not needed any more.
    rm -rf "$WORK/db$SERVER_COUNT"
}

# fresh_server: the server for the next scenario.
fresh_server() {
    if [[ "${BENCH_SHARED_SERVER:-0}" = 1 && -n "$SERVER_PID" ]]; then
        return
    fi
    stop_server
    start_server
}

server_alive() {
    kill -0 "$SERVER_PID" 2>/dev/null || {
        tail -n 30 "$WORK/server.log" >&2 || true
        die "the server died; its log is above"
    }
}

peak_rss_mb() {
    awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status"
}

# --- 4. scenarios ----------------------------------------------------------------------
RUN_TAG="b$(date +%s)"

# run_wrk NAME SCRIPT PATH [wrk options...]: warm-up, then the measured run.
run_wrk() {
    local name="$1" script="$2" path="$3"
    shift 3
    local common=(-t "$THREADS" -c "$CONNECTIONS" --latency -s "$LUA_DIR/$script" "$@" "$BASE$path")
    log "[$name] warm-up ($WARMUP)"
    "${PDEATH[@]}" wrk -d "$WARMUP" "${common[@]}" -- "$RUN_TAG-$name-warm" >"$WORK/$name.warm.txt" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || { cat "$WORK/$name.warm.txt" >&2; die "[$name] wrk warm-up failed"; }
    server_alive
    log "[$name] measuring ($DURATION, $THREADS threads, $CONNECTIONS connections)"
    "${PDEATH[@]}" wrk -d "$DURATION" "${common[@]}" -- "$RUN_TAG-$name" >"$WORK/$name.txt" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || { cat "$WORK/$name.txt" >&2; die "[$name] wrk failed"; }
    WRK_PID=""
    server_alive
    sed 's/^/    /' "$WORK/$name.txt"
    grep -q '^BENCH ' "$WORK/$name.txt" || die "[$name] wrk printed no result line"
}

# kv NAME KEY: a value from the BENCH line of scenario NAME.
kv() {
    grep '^BENCH ' "$WORK/$1.txt" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

PROBLEMS=()
problem() { PROBLEMS+=("$*"); warn "$*"; }

# Per-scenario row: name|rps|p50|p99|non2xx|signins_per_s|rss
ROWS=()
MAX_RSS=0

record() {
    local name="$1" label="$2" signins_per_s="${3:--}"
    local requests rps p50 p99 status_errors socket_errors rss errors
    requests="$(kv "$name" requests)"
    rps="$(kv "$name" rps)"
    p50="$(kv "$name" p50_ms)"
    p99="$(kv "$name" p99_ms)"
    status_errors="$(kv "$name" status_errors)"
    socket_errors="$(kv "$name" socket_errors)"
    # Non-2xx: exact for the sign-in script (it sees every status); wrk's count of
    # statuses > 399 otherwise (these endpoints do not redirect).
    local non2xx
    non2xx="$(kv "$name" non2xx)"
    [[ -n "$non2xx" ]] || non2xx="$status_errors"
    rss="$(peak_rss_mb)"
    MAX_RSS="$(awk -v a="$MAX_RSS" -v b="$rss" 'BEGIN { print (b > a ? b : a) }')"
    printf '    %s: %s req/s, p50 %s ms, p99 %s ms, non-2xx %s, socket errors %s' \
        "$label" "$rps" "$p50" "$p99" "$non2xx" "$socket_errors"
    [[ "$signins_per_s" != "-" ]] && printf ', %s sign-ins/s' "$signins_per_s"
    printf ', server peak RSS %s MB\n' "$rss"
    ROWS+=("$label|$rps|$p50|$p99|$non2xx|$signins_per_s|$rss")
    if [[ "${requests:-0}" -eq 0 ]]; then
        problem "[$label] no requests completed"
        return
    fi
    errors=$((non2xx + socket_errors))
    if ((errors * 100 > requests)); then
        problem "[$label] $errors of $requests requests failed (non-2xx or socket errors)"
    elif ((errors > 0)); then
        warn "[$label] $errors of $requests requests failed (non-2xx or socket errors)"
    fi
}

scenario_start() {
    fresh_server
    run_wrk start start.lua /v1/passwordless/start
    record start "start"
}

scenario_signin() {
    fresh_server
    run_wrk signin signin.lua /v1/passwordless/start
    local signins signins_per_s starts_ok open failed mismatch untagged inbox_reads inbox_empty
    signins="$(kv signin signins)"
    signins_per_s="$(kv signin signins_per_s)"
    starts_ok="$(kv signin starts_ok)"
    open="$(kv signin open_flows)"
    failed="$(kv signin failed)"
    mismatch="$(kv signin mismatch)"
    untagged="$(kv signin untagged)"
    inbox_reads="$(kv signin inbox_reads)"
    inbox_empty="$(kv signin inbox_empty)"
    printf '    flows: %s started, %s signed in, %s failed, %s wrong user, %s unmatched answers, %s open at the end\n' \
        "$starts_ok" "$signins" "$failed" "$mismatch" "$untagged" "$open"
    printf '    inbox: %s reads, %s before the message was delivered\n' "$inbox_reads" "$inbox_empty"
    record signin "full sign-in" "$signins_per_s"
    ((signins > 0)) || problem "[full sign-in] no sign-in completed"
    ((mismatch == 0)) || problem "[full sign-in] $mismatch verifies signed in a different user than the flow's"
    ((untagged == 0)) || problem "[full sign-in] $untagged answers could not be matched to a flow (X-Request-Id not echoed?)"
    # Every open flow is in flight on a connection or queued behind one: at most one
    # per connection, with slack for requests cut off at the end of the run.
    ((open >= 0 && open <= 2 * CONNECTIONS)) ||
        problem "[full sign-in] flows do not add up: $open open at the end with $CONNECTIONS connections"
    # Each sign-in is 3 requests plus the inbox re-reads.
    local requests explained
    requests="$(kv signin requests)"
    if ((requests > 0)); then
        explained=$(((signins * 3 + inbox_empty) * 100 / requests))
        ((explained >= 95 && explained <= 105)) ||
            problem "[full sign-in] requests do not add up to the sign-ins (${explained}% explained)"
    fi
}

make_session() {
    local email="$RUN_TAG-session@example.com" started rid code="" cookie i
    started="$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$email\"}" \
        "$BASE/v1/passwordless/start")" || die "[session check] POST /v1/passwordless/start failed"
    rid="$(sed -n 's/.*"auth_request_id":"\([^"]*\)".*/\1/p' <<<"$started")"
    [[ -n "$rid" ]] || die "[session check] no auth_request_id in: $started"
    for i in $(seq 100); do
        code="$(curl -fsS -G --data-urlencode "to=$email" "$BASE/dev/inbox.json" |
            grep -o 'Your code: [0-9]\{6\}' | head -n1 | grep -o '[0-9]\{6\}')" && break
        sleep 0.1
    done
    [[ -n "$code" ]] || die "[session check] the code for $email did not arrive in the dev inbox within 10 s"
    curl -fsS -D "$WORK/verify.headers" -o "$WORK/verify.json" -H 'Content-Type: application/json' \
        -d "{\"auth_request_id\":\"$rid\",\"code\":\"$code\"}" "$BASE/v1/passwordless/verify" ||
        die "[session check] POST /v1/passwordless/verify failed"
    cookie="$(tr -d '\r' <"$WORK/verify.headers" | sed -n 's/^[Ss]et-[Cc]ookie: *\(postern_session=[^;]*\).*/\1/p' | head -n1)"
    [[ -n "$cookie" ]] || die "[session check] the verify answer set no postern_session cookie"
    curl -fsS -o /dev/null -H "Cookie: $cookie" "$BASE/v1/session" ||
        die "[session check] GET /v1/session refused the new session"
    SESSION_COOKIE="$cookie"
}

scenario_session() {
    fresh_server
    log "[session] creating a session with curl"
    make_session
    run_wrk session session.lua /v1/session -H "Cookie: $SESSION_COOKIE"
    record session "session check"
}

# --- 5. summary ------------------------------------------------------------------------
summary() {
    local commit dirty=""
    commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    [[ -z "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]] || dirty="+dirty"
    {
        printf 'Postern benchmark  %s  commit %s%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit" "$dirty"
        printf 'wrk %s threads, %s connections, %s per scenario (+%s warm-up), loopback, %s CPUs, %s\n' \
            "$THREADS" "$CONNECTIONS" "$DURATION" "$WARMUP" "$(nproc)" \
            "$([[ "${BENCH_SHARED_SERVER:-0}" = 1 ]] && echo "one server for all scenarios" || echo "fresh server and database per scenario")"
        printf '%-14s %10s %9s %9s %8s %11s %12s\n' scenario req/s "p50 ms" "p99 ms" non-2xx sign-ins/s "peak RSS MB"
        local row
        for row in "${ROWS[@]}"; do
            IFS='|' read -r label rps p50 p99 non2xx sps rss <<<"$row"
            printf '%-14s %10s %9s %9s %8s %11s %12s\n' "$label" "$rps" "$p50" "$p99" "$non2xx" "$sps" "$rss"
        done
        printf 'server peak RSS (VmHWM), highest of the scenarios: %s MB\n' "$MAX_RSS"
        local p
        for p in "${PROBLEMS[@]}"; do printf 'PROBLEM: %s\n' "$p"; done
    } >"$WORK/summary.txt"
    mkdir -p "$RESULTS_DIR"
    cp "$WORK/summary.txt" "$RESULTS_DIR/latest.txt"
    echo
    cat "$WORK/summary.txt"
    echo "(saved to $RESULTS_DIR/latest.txt)"
}

main() {
    command -v curl >/dev/null 2>&1 || die "curl is required"
    ensure_wrk
    build
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/postern-bench.XXXXXX")"
    check_server_env
    scenario_start
    scenario_signin
    scenario_session
    server_alive
    stop_server
    summary
    ((${#PROBLEMS[@]} == 0)) || die "${#PROBLEMS[@]} problem(s); see above"
}

main "$@"
