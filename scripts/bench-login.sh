#!/usr/bin/env bash
# scripts/bench-login.sh — password logins per second against what argon2id allows on this
# machine's cores, and the latency of session checks while a login flood runs (issue 11).
#
# Usage
#   scripts/bench-login.sh                          # 200 accounts, 10 s per run, SQLite
#   BENCH_DURATION=20s BENCH_CONNECTIONS=32 scripts/bench-login.sh
#   BENCH_SKIP_BUILD=1 scripts/bench-login.sh
#
# Knobs (environment)
#   BENCH_DURATION     wrk duration of each measured run (default 10s)
#   BENCH_WARMUP       wrk duration of the login warm-up (default 2s)
#   BENCH_CONNECTIONS  wrk connections of the login flood (default 16, 2 threads)
#   BENCH_ACCOUNTS     accounts created and logged into in turn (default 200)
#   BENCH_HASH_SECONDS seconds per run of examples/password_hash_rate (default 3)
#   BENCH_SKIP_BUILD=1 skip `cargo build --release` and use the binaries already built
#   BIN=path           the postern binary to run (the build then makes the example only);
#                      HASH_BIN=path likewise for the password_hash_rate example
#   CARGO_TARGET_DIR   respected as usual by cargo; binaries are taken from the target
#                      directory cargo reports
#   POSTERN_*          passed through to the server, except the settings this script
#                      forces: LISTEN, DATABASE_URL, RATE_LIMITS__ENABLED, LOG__LEVEL;
#                      POSTERN_CONFIG is cleared.
#
# What it does
#   1. Installs wrk (apt-get install -y wrk) if it is not on PATH; sudo only when not root.
#      Builds the release binary and examples/password_hash_rate.rs, and copies both into
#      the run's temporary directory (a rebuild meanwhile cannot mix two binaries).
#   2. Measures the bare argon2id rate with Postern's parameters on every core at once
#      (examples/password_hash_rate, its "N threads:" line), before the server starts and
#      again after the last run: the ceiling of password logins per second (one argon2id
#      verify each). Their mean is the ceiling: on a small VM two readings a minute apart
#      can differ by 10-20 % with nothing else running, and a larger gap means the
#      machine's load changed during the run (noted under the table).
#   3. Starts `postern serve` on a free port with a fresh SQLite file, rate limits off, log
#      level error, dev inbox delivery. Creates BENCH_ACCOUNTS accounts with a password
#      (POST /v1/signup, the code from /dev/inbox.json, POST /v1/passwordless/verify; a
#      small stdlib Python script, 8 at a time) and keeps the session cookie of the first
#      one's verify.
#   4. Runs, one after another (wrk, loopback):
#        session checks alone    GET /v1/session with that cookie, 1 thread, 4 connections
#                                (scripts/bench/session.lua)
#        login flood alone       POST /v1/login, each request the next account in turn,
#                                2 threads, BENCH_CONNECTIONS connections, after a warm-up
#                                (scripts/bench/login.lua); every answer must be 200
#        login flood + sessions  the same flood and, at the same time, the session checks
#   5. Prints one table (also written to bench-results/login-latest.txt, git-ignored):
#      requests/s, p50, p99 and non-2xx of each run, logins/s as a percentage of the bare
#      argon2id rate, the server's CPU use during the floods, its peak RSS (VmHWM, read
#      from /proc at the end), and whether the targets were met:
#        logins/s of the flood alone  >= 85 % of the bare argon2id rate (all cores)
#        session check p99 during the flood  <= 20 ms
#      Before each measured run it looks for other wrk, postern, cargo or rustc processes
#      (someone else's build or benchmark) and notes them under the table: such numbers
#      are not comparable.
#
# The session checks of the last run are closed-loop (each connection sends its next
# request when the previous answer arrives), so they take CPU from the logins as fast as
# the server answers them; the login rate of that run is shown too but is not the target.
#
# Reading the numbers (2-vCPU VM, December 2026): the bare rate read 138-174 hashes/s on
# an otherwise idle machine, so one run's percentage moves by several points; logins/s
# were steadier (124-140). During the flood the server used ~90 % of both cores and the
# machine stayed ~8 % idle: each hash waits for a permit on the async side and then for
# a blocking thread, two thread wake-ups between consecutive hashes. Another engineer's
# cargo build on the same machine halves every number here (see the NOTE lines).
#
# Exit status: non-zero if the build or the server fails, or a run looks broken (an error
# answer, a socket error, no requests); a missed target prints "target missed" and is not
# an error.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LUA_DIR="$ROOT/scripts/bench"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
ACCOUNTS="${BENCH_ACCOUNTS:-200}"
HASH_SECONDS="${BENCH_HASH_SECONDS:-3}"
LOGIN_THREADS=2
SESSION_THREADS=1
SESSION_CONNECTIONS=4
PASSWORD="plum tulip orbit 8841"
PREFIX="login"
TARGET_PCT=85
TARGET_P99_MS=20
RESULTS_DIR="$ROOT/bench-results"

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$ACCOUNTS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ACCOUNTS must be a positive number, not '$ACCOUNTS'"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONNECTIONS must be a positive number, not '$CONNECTIONS'"
((CONNECTIONS >= LOGIN_THREADS)) || die "BENCH_CONNECTIONS must be at least $LOGIN_THREADS (one per wrk thread)"

WORK=""
SERVER_PID=""
WRK_PIDS=()

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${WRK_PIDS[@]}" "$SERVER_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
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

# --- 1. wrk and the binaries ------------------------------------------------------------
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

build() {
    if [[ "${BENCH_SKIP_BUILD:-0}" = 1 ]]; then
        log "BENCH_SKIP_BUILD=1: using the release binaries already built"
    else
        local what=(--example password_hash_rate)
        [[ -n "${BIN:-}" ]] || what=(--bin postern "${what[@]}")
        log "building the release binaries (cargo build --release ${what[*]})"
        (cd "$ROOT" && cargo build --release "${what[@]}")
    fi
    # The target directory as cargo sees it: CARGO_TARGET_DIR, .cargo/config, or target/.
    local target_dir
    target_dir="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
        | grep -o '"target_directory":"[^"]*"' | head -n1 | cut -d'"' -f4)" || true
    [[ -n "$target_dir" ]] || target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
    [[ "$target_dir" = /* ]] || target_dir="$ROOT/$target_dir"
    BIN="${BIN:-$target_dir/release/postern}"
    HASH_BIN="${HASH_BIN:-$target_dir/release/examples/password_hash_rate}"
    [[ -x "$BIN" ]] || die "no postern binary at $BIN"
    [[ -x "$HASH_BIN" ]] ||
        die "no password_hash_rate binary at $HASH_BIN (cargo build --release --example password_hash_rate)"
}

# --- 2. the bare argon2id rate -----------------------------------------------------------
# hash_rate NAME: runs the example, prints its output indented, sets HASH_RATE (hashes/s
# on all cores) and HASH_PARAMS.
hash_rate() {
    log "[argon2id $1] bare hash rate, ${HASH_SECONDS} s on one thread, then ${HASH_SECONDS} s on every core"
    "${PDEATH[@]}" "$RUN_HASH_BIN" "$HASH_SECONDS" >"$WORK/hash-$1.txt" 2>&1 ||
        { cat "$WORK/hash-$1.txt" >&2; die "examples/password_hash_rate failed"; }
    sed 's/^/    /' "$WORK/hash-$1.txt"
    HASH_RATE="$(sed -n 's/^[0-9][0-9]* threads: *\([0-9.][0-9.]*\) hashes\/s.*/\1/p' "$WORK/hash-$1.txt" | head -n1)"
    HASH_PARAMS="$(sed -n 's/^argon2id \(.*\); .*/\1/p' "$WORK/hash-$1.txt" | head -n1)"
    [[ -n "$HASH_RATE" ]] || die "no 'N threads: ... hashes/s' line in the output of password_hash_rate"
    awk -v r="$HASH_RATE" 'BEGIN { exit !(r > 0) }' || die "password_hash_rate measured $HASH_RATE hashes/s"
}

# --- 3. the server and its accounts ------------------------------------------------------
start_server() {
    local var
    for var in $(compgen -e | grep '^POSTERN_' || true); do
        case "$var" in
            POSTERN_LISTEN | POSTERN_DATABASE_URL | POSTERN_RATE_LIMITS__ENABLED | POSTERN_LOG__LEVEL | POSTERN_CONFIG) ;;
            *) log "passing $var=${!var} to the server" ;;
        esac
    done
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    BASE="http://127.0.0.1:$PORT"
    log "starting $BIN serve on $BASE (fresh database $WORK/postern.db)"
    env -u POSTERN_CONFIG POSTERN_LISTEN="127.0.0.1:$PORT" POSTERN_DATABASE_URL="sqlite://$WORK/postern.db" \
        POSTERN_RATE_LIMITS__ENABLED=false POSTERN_LOG__LEVEL=error \
        "${PDEATH[@]}" "$RUN_BIN" serve >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    local n
    for n in $(seq 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited during startup; its log is above"; }
        if curl -fsS -o /dev/null --max-time 1 "$BASE/healthz" 2>/dev/null; then
            log "server up (pid $SERVER_PID) after $((n / 10)).$((n % 10)) s"
            return
        fi
        sleep 0.1
    done
    cat "$WORK/server.log" >&2
    die "the server did not answer GET $BASE/healthz within 30 s; its log is above"
}

server_alive() {
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$WORK/server.log" >&2; die "the server died; its log is above"; }
}

# create_accounts: BENCH_ACCOUNTS verified accounts with PASSWORD; SESSION_COOKIE is the
# session of the first one's verify.
create_accounts() {
    log "creating $ACCOUNTS accounts with a password (sign-up, code from the dev inbox, verify)"
    local started=$SECONDS
    SESSION_COOKIE="$(python3 - "$BASE" "$ACCOUNTS" "$PASSWORD" "$PREFIX" <<'EOF'
import concurrent.futures, json, re, sys, urllib.error, urllib.parse, urllib.request
base, n, password, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data, {"content-type": "application/json"}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r), r.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{method} {path} answered {e.code}: {e.read()[:300].decode(errors='replace')}")

def create(i):
    email = f"{prefix}{i}@example.com"
    started, _ = call("POST", "/v1/signup", {"email": email, "password": password})
    inbox, _ = call("GET", "/dev/inbox.json?" + urllib.parse.urlencode({"to": email, "wait": 5}))
    if not inbox.get("messages"):
        raise SystemExit(f"no message for {email} in the dev inbox within 5 s")
    code = re.search(r"(?<!\d)\d{6}(?!\d)", inbox["messages"][0]["text"])
    if not code:
        raise SystemExit(f"no 6-digit code in the message to {email}")
    _, cookies = call("POST", "/v1/passwordless/verify",
                      {"auth_request_id": started["auth_request_id"], "code": code.group()})
    return next((c.split(";")[0] for c in cookies if c.startswith("postern_session=")), None)

with concurrent.futures.ThreadPoolExecutor(8) as pool:
    cookies = list(pool.map(create, range(n)))
if not cookies[0]:
    raise SystemExit("the verify answer set no postern_session cookie")
print(cookies[0])
EOF
)" || die "creating the accounts failed (see above)"
    log "$ACCOUNTS accounts in $((SECONDS - started)) s"
    curl -fsS -o /dev/null -H "Cookie: $SESSION_COOKIE" "$BASE/v1/session" ||
        die "GET /v1/session refused the new session"
    # One login by hand, so a refusal shows its answer before the flood.
    local status
    status="$(curl -sS -o "$WORK/login-check.json" -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"email\":\"${PREFIX}0@example.com\",\"password\":\"$PASSWORD\"}" "$BASE/v1/login")" || true
    [[ "$status" = 200 ]] || die "POST /v1/login answered $status: $(head -c 300 "$WORK/login-check.json")"
}

# --- 4. runs ---------------------------------------------------------------------------
# busy_check NAME: notes other benchmarks, servers or builds running on the machine (they
# take CPU from this one; the numbers are then not comparable).
BUSY=()
busy_check() {
    local pid found=()
    for pid in $(pgrep -x 'wrk|postern|rustc|cargo' 2>/dev/null || true); do
        [[ "$pid" = "$SERVER_PID" ]] && continue
        found+=("$(cat "/proc/$pid/comm" 2>/dev/null || echo "?")")
    done
    if ((${#found[@]})); then
        local what
        what="$(printf '%s\n' "${found[@]}" | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')"
        warn "[$1] other processes are running and take CPU from the benchmark: $what"
        BUSY+=("[$1] $what")
    fi
}

# spawn_wrk NAME DURATION THREADS CONNECTIONS SCRIPT PATH [wrk options...] [-- script args]:
# starts wrk in the background, output in $WORK/NAME.txt; adds its pid to WRK_PIDS.
spawn_wrk() {
    local name="$1" duration="$2" threads="$3" connections="$4" script="$5" path="$6"
    shift 6
    "${PDEATH[@]}" wrk -d "$duration" -t "$threads" -c "$connections" --timeout 30s --latency \
        -s "$LUA_DIR/$script" "$BASE$path" "$@" >"$WORK/$name.txt" 2>&1 &
    WRK_PIDS+=($!)
}

# wait_wrk: waits for every wrk in WRK_PIDS.
wait_wrk() {
    local pid failed=0
    for pid in "${WRK_PIDS[@]}"; do wait "$pid" || failed=1; done
    WRK_PIDS=()
    ((failed == 0)) || { cat "$WORK"/*.txt >&2; die "wrk failed"; }
}

show() {
    sed 's/^/    /' "$WORK/$1.txt"
    grep -q '^BENCH ' "$WORK/$1.txt" || die "[$1] wrk printed no result line"
}

login_args() { printf '%s\n' -- "$ACCOUNTS" "$PASSWORD" "$LOGIN_THREADS" "$PREFIX"; }

# cpu_ticks: utime + stime of the server; machine_ticks: busy and total of /proc/stat.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
machine_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }

# measure NAME: runs the wrk already spawned to the end and records the server's CPU use.
CPU=()
measure() {
    local name="$1" s0 s1 m0 m1 t0 t1 start end
    s0="$(cpu_ticks)"
    read -r m0 t0 < <(machine_ticks)
    start="$(date +%s.%N)"
    wait_wrk
    end="$(date +%s.%N)"
    s1="$(cpu_ticks)"
    read -r m1 t1 < <(machine_ticks)
    server_alive
    CPU+=("$(awk -v a="$s0" -v b="$s1" -v m0="$m0" -v m1="$m1" -v t0="$t0" -v t1="$t1" \
        -v s="$start" -v e="$end" -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" -v n="$name" \
        'BEGIN { printf "%s: server %.0f%% of %d cores, whole machine %.0f%% busy", n,
            100 * (b - a) / hz / (e - s) / cores, cores, 100 * (m1 - m0) / (t1 - t0) }')")
}

run_session_alone() {
    busy_check "session checks alone"
    log "[session checks alone] $DURATION, $SESSION_THREADS thread, $SESSION_CONNECTIONS connections"
    spawn_wrk session-alone "$DURATION" "$SESSION_THREADS" "$SESSION_CONNECTIONS" session.lua /v1/session \
        -H "Cookie: $SESSION_COOKIE"
    measure "session checks alone"
    show session-alone
}

run_login_alone() {
    local args
    mapfile -t args < <(login_args)
    log "[login flood] warm-up ($WARMUP)"
    spawn_wrk login-warm "$WARMUP" "$LOGIN_THREADS" "$CONNECTIONS" login.lua /v1/login "${args[@]}"
    wait_wrk
    server_alive
    busy_check "login flood alone"
    log "[login flood alone] $DURATION, $LOGIN_THREADS threads, $CONNECTIONS connections"
    spawn_wrk login-alone "$DURATION" "$LOGIN_THREADS" "$CONNECTIONS" login.lua /v1/login "${args[@]}"
    measure "login flood alone"
    show login-alone
}

run_login_with_sessions() {
    local args
    mapfile -t args < <(login_args)
    busy_check "login flood + session checks"
    log "[login flood + session checks] $DURATION: logins $LOGIN_THREADS threads x $CONNECTIONS connections," \
        "session checks $SESSION_THREADS thread x $SESSION_CONNECTIONS connections, at the same time"
    spawn_wrk login-mixed "$DURATION" "$LOGIN_THREADS" "$CONNECTIONS" login.lua /v1/login "${args[@]}"
    spawn_wrk session-mixed "$DURATION" "$SESSION_THREADS" "$SESSION_CONNECTIONS" session.lua /v1/session \
        -H "Cookie: $SESSION_COOKIE"
    measure "login flood + session checks"
    echo "    -- logins"
    show login-mixed
    echo "    -- session checks"
    show session-mixed
}

# --- 5. table --------------------------------------------------------------------------
# kv NAME KEY: a value from the BENCH line of run NAME.
kv() { grep '^BENCH ' "$WORK/$1.txt" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }

PROBLEMS=()
problem() { PROBLEMS+=("$*"); warn "$*"; }

# check NAME LABEL: a run is broken if it made no request or any request failed.
check() {
    local requests non2xx socket first
    requests="$(kv "$1" requests)"
    non2xx="$(kv "$1" non2xx)"
    [[ -n "$non2xx" ]] || non2xx="$(kv "$1" status_errors)"
    socket="$(kv "$1" socket_errors)"
    if [[ "${requests:-0}" -eq 0 ]]; then
        problem "[$2] no requests completed"
    fi
    if ((non2xx > 0)); then
        first="$(sed -n 's/^FIRST_FAILURE //p' "$WORK/$1.txt" | head -n1)"
        problem "[$2] $non2xx of $requests answers were not 2xx${first:+ (first: $first)}"
    fi
    ((socket == 0)) || problem "[$2] $socket socket errors (connect, read, write or timeout)"
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }'; }

summary() {
    local commit dirty="" ceiling rss
    commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    [[ -z "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]] || dirty="+dirty"
    ceiling="$(awk -v a="$HASH_BEFORE" -v b="$HASH_AFTER" 'BEGIN { printf "%.1f", (a + b) / 2 }')"
    rss="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?")"
    local login_rps login_pct mixed_rps mixed_pct session_p99
    login_rps="$(kv login-alone rps)"
    mixed_rps="$(kv login-mixed rps)"
    login_pct="$(pct "$login_rps" "$ceiling")"
    mixed_pct="$(pct "$mixed_rps" "$ceiling")"
    session_p99="$(kv session-mixed p99_ms)"
    {
        printf 'Postern password login benchmark  %s  commit %s%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit" "$dirty"
        printf 'SQLite, %s accounts, %s per run, loopback, %s CPUs; logins: wrk %s threads x %s connections;\n' \
            "$ACCOUNTS" "$DURATION" "$(nproc)" "$LOGIN_THREADS" "$CONNECTIONS"
        printf 'session checks: wrk %s thread x %s connections, closed loop\n' "$SESSION_THREADS" "$SESSION_CONNECTIONS"
        printf 'bare argon2id (%s), all cores: %s hashes/s before, %s after; ceiling (mean) %s logins/s\n' \
            "$HASH_PARAMS" "$HASH_BEFORE" "$HASH_AFTER" "$ceiling"
        printf '%-32s %9s %9s %9s %8s %11s\n' run req/s "p50 ms" "p99 ms" non-2xx "% argon2id"
        local row name label extra
        for row in "login-alone|logins, flood alone|pct" "login-mixed|logins, with session checks|pct" \
            "session-alone|session checks alone|" "session-mixed|session checks during flood|"; do
            IFS='|' read -r name label extra <<<"$row"
            local non2xx
            non2xx="$(kv "$name" non2xx)"
            [[ -n "$non2xx" ]] || non2xx="$(kv "$name" status_errors)"
            printf '%-32s %9s %9s %9s %8s %11s\n' "$label" "$(kv "$name" rps)" "$(kv "$name" p50_ms)" \
                "$(kv "$name" p99_ms)" "$non2xx" "$([[ -n "$extra" ]] && pct "$(kv "$name" rps)" "$ceiling" || echo -)"
        done
        printf 'server peak RSS (VmHWM): %s MB\n' "$rss"
        local c
        for c in "${CPU[@]}"; do printf 'CPU %s\n' "$c"; done
        if awk -v p="$login_pct" -v t="$TARGET_PCT" 'BEGIN { exit !(p >= t) }'; then
            printf 'target logins/s >= %s%% of argon2id: met (%s%%)\n' "$TARGET_PCT" "$login_pct"
        else
            printf 'target logins/s >= %s%% of argon2id: target missed (%s%%)\n' "$TARGET_PCT" "$login_pct"
        fi
        if awk -v p="$session_p99" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p <= t) }'; then
            printf 'target session check p99 <= %s ms during the flood: met (%s ms)\n' "$TARGET_P99_MS" "$session_p99"
        else
            printf 'target session check p99 <= %s ms during the flood: target missed (%s ms)\n' "$TARGET_P99_MS" "$session_p99"
        fi
        printf '(logins with session checks: %s%% of argon2id; the closed-loop checks take CPU from them)\n' "$mixed_pct"
        ! awk -v a="$HASH_BEFORE" -v b="$HASH_AFTER" 'BEGIN { exit !(a > 1.1 * b || b > 1.1 * a) }' ||
            printf 'NOTE: the bare argon2id rate differs by more than 10%% before and after: the machine was not steady\n'
        local p
        for p in "${BUSY[@]}"; do printf 'NOTE: other load during %s\n' "$p"; done
        for p in "${PROBLEMS[@]}"; do printf 'PROBLEM: %s\n' "$p"; done
    } >"$WORK/summary.txt"
    mkdir -p "$RESULTS_DIR"
    cp "$WORK/summary.txt" "$RESULTS_DIR/login-latest.txt"
    echo
    cat "$WORK/summary.txt"
    echo "(saved to $RESULTS_DIR/login-latest.txt)"
}

main() {
    command -v curl >/dev/null 2>&1 || die "curl is required"
    command -v python3 >/dev/null 2>&1 || die "python3 is required"
    ensure_wrk
    build
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/postern-bench-login.XXXXXX")"
    RUN_BIN="$WORK/postern"
    RUN_HASH_BIN="$WORK/password_hash_rate"
    cp "$BIN" "$RUN_BIN"
    cp "$HASH_BIN" "$RUN_HASH_BIN"

    busy_check "argon2id before"
    hash_rate before
    HASH_BEFORE="$HASH_RATE"

    start_server
    create_accounts
    run_session_alone
    run_login_alone
    run_login_with_sessions

    busy_check "argon2id after"
    hash_rate after
    HASH_AFTER="$HASH_RATE"
    server_alive

    check login-alone "logins, flood alone"
    check login-mixed "logins, with session checks"
    check session-alone "session checks alone"
    check session-mixed "session checks during flood"
    summary
    ((${#PROBLEMS[@]} == 0)) || die "${#PROBLEMS[@]} problem(s); see above"
}

main "$@"
