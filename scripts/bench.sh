#!/usr/bin/env bash
# scripts/bench.sh — HTTP load benchmark of Postern with wrk.
#
# Usage
#   scripts/bench.sh                              # SQLite, one instance, 10 s per scenario
#   BENCH_DURATION=5s scripts/bench.sh
#   BENCH_DB=postgres scripts/bench.sh            # PostgreSQL, one instance
#   BENCH_DB=postgres BENCH_INSTANCES=3 scripts/bench.sh   # three instances behind nginx
#   BENCH_MATRIX=1 scripts/bench.sh               # sqlite x1, postgres x1, postgres x3 in a
#                                                 # row, one combined table
#
# Knobs (environment)
#   BENCH_DB           sqlite (default) or postgres. PostgreSQL is the server on
#                      127.0.0.1:5432, user postgres, trust auth; scripts/ensure-postgres.sh
#                      starts it, or installs it when there is none. Every scenario run
#                      gets its own database, postern_bench_<pid>_<random>, dropped WITH
#                      (FORCE) when the run ends (also on failure or Ctrl-C); databases left
#                      by an earlier run of this script that was killed outright (its pid is
#                      gone) are dropped at the start.
#   BENCH_INSTANCES    number of `postern serve` processes (default 1). More than one needs
#                      BENCH_DB=postgres: they share one database, and an nginx
#                      (scripts/ensure-nginx.sh installs it if missing) runs in front of
#                      them as a child process (one process, round robin, keepalive to the
#                      upstreams); wrk then targets nginx. The first instance migrates and
#                      is started alone; the others start after its /healthz answers, with
#                      migrate_on_start off. POSTERN_PUBLIC_URL is nginx's address.
#   BENCH_MATRIX=1     run sqlite x1, postgres x1 and postgres x3 one after another and print
#                      one combined table (BENCH_DB and BENCH_INSTANCES are ignored).
#   BENCH_PG_POOL      postgres.max_connections of each instance (default: 16 in all,
#                      split over the instances and rounded up: 16 for one, 6 each for
#                      three; see "Pool size" below). POSTERN_POSTGRES__MAX_CONNECTIONS,
#                      when set, wins.
#   BENCH_DURATION     wrk duration of each measured run (default 10s)
#   BENCH_WARMUP       wrk duration of each warm-up run (default 2s)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_CONNECTIONS  wrk connections (default 32)
#   BENCH_PORT         port wrk connects to (the server's, or nginx's with several
#                      instances; default: the first free port from 18080); instances behind
#                      nginx take the next free ports
#   BENCH_SHARED_SERVER=1  run all scenarios of a configuration against one server (or
#                      cluster) and database instead of a fresh one each. Off by default
#                      because the dev inbox lookup gets slower as the outbox grows, so the
#                      tens of thousands of messages the "start" scenario leaves behind
#                      would slow the sign-in scenario down severalfold and make its numbers
#                      depend on BENCH_DURATION.
#   BENCH_SKIP_BUILD=1 skip `cargo build --release` and use the binary already built
#   BENCH_PROFILE=1    also sample per-process CPU (from /proc, during each measured run)
#                      and print where the CPU went: postgres backends, postern instances,
#                      nginx, wrk (scripts/bench/cpu-profile.sh)
#   CARGO_TARGET_DIR   respected as usual by cargo; the binary is taken from the target
#                      directory cargo reports
#   POSTERN_*          passed through to the servers (e.g. POSTERN_SQLITE__READERS=4),
#                      except the settings this script forces: LISTEN, DATABASE_URL,
#                      RATE_LIMITS__ENABLED, LOG__LEVEL; on PostgreSQL also MIGRATE_ON_START;
#                      behind nginx also PUBLIC_URL, and TRUSTED_PROXIES unless set;
#                      POSTERN_CONFIG is cleared.
#
# What it does
#   1. Installs wrk (apt-get install -y wrk) if it is not on PATH; sudo only when not root.
#      Makes sure PostgreSQL runs and nginx is installed when a configuration needs them.
#   2. Builds the release binary (cargo build --release in the repository root) and copies
#      it into the run's temporary directory: every server of the run starts from that
#      copy, so a rebuild in the repository meanwhile cannot mix two binaries into one table.
#   3. Per configuration and scenario: a fresh database (a temporary SQLite file, or a new
#      PostgreSQL database), `postern serve` on 127.0.0.1 (free ports) with rate limits off
#      and log level warn (several instances: nginx in front), waits for GET /healthz, and
#      stops everything again when the scenario is done or the script exits (also on failure
#      or Ctrl-C). Each scenario gets its own fresh server (see BENCH_SHARED_SERVER for why).
#   4. Runs three wrk scenarios over loopback, each after a short warm-up run:
#        start          POST /v1/passwordless/start, a new address on every request
#                       (scripts/bench/start.lua)
#        full sign-in   start -> code from /dev/inbox.json -> verify, many flows in flight
#                       on every connection (scripts/bench/signin.lua explains how the
#                       answers are matched to their flows)
#        session check  GET /v1/session with the cookie of one session made with curl
#                       (scripts/bench/session.lua)
#        auth check (cookie) / (bearer)  GET /v1/auth/check (forward-auth) with that cookie,
#                       then with an access token made from it (scripts/bench/session.lua)
#        token issue    POST /v1/session/token with that cookie (scripts/bench/token.lua)
#      Behind nginx, consecutive requests of one flow land on different instances: the
#      message lives in the database, so any instance's dev inbox shows it, and the session
#      cookie works on every instance.
#   5. Prints, per scenario: requests/s, p50 and p99 latency, non-2xx count (sign-ins/s
#      for the full sign-in), and the server's peak RSS (VmHWM, read from /proc just
#      before the server is stopped; with several instances the largest and the sum);
#      then a summary table, which is also written to bench-results/latest.txt
#      (git-ignored). With no BENCH_* knobs the output is the single-server table of
#      before; otherwise the table has a configuration column. Before each measured run
#      it looks for other wrk, postern, cargo or rustc processes (someone else's
#      build or benchmark) and notes them under the table: such numbers are not comparable.
#
# Pool size
#   On the 2-core machine this was tuned on, PostgreSQL, nginx, the instances and wrk share
#   the same cores, so more backends do not add CPU; they add context switches and lock
#   waits. One instance keeps Postern's default of 16 (8 measured no better, within the
#   run-to-run noise; 32 lost a third of the session checks). Several instances share the
#   same 16 backends (3 x 6): with 10 each (30 backends) the session check lost about 20%
#   against 5 each, and start and sign-in did not gain. Keeping the total equal also makes
#   x1 and x3 differ by the proxy and the extra processes only, not by database concurrency.
#   Override with BENCH_PG_POOL.
#
# Exit status: non-zero if the build or a server fails, or if a scenario looks broken
# (no requests, more than 1% errors, no sign-ins, flows that do not add up); the table is
# printed and saved either way once the scenarios ran.
#
# Sanity of the numbers: wrk and the server share the machine, so on a small box (2
# cores) wrk takes a good part of the CPU; with PostgreSQL and nginx the database, the
# proxy, every instance and wrk all compete for the same cores. Compare runs on the same
# machine only.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LUA_DIR="$ROOT/scripts/bench"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
RESULTS_DIR="$ROOT/bench-results"
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# --- configurations ---------------------------------------------------------------------
MATRIX="${BENCH_MATRIX:-0}"
if [[ "$MATRIX" = 1 ]]; then
    CONFIGS=("sqlite 1" "postgres 1" "postgres 3")
else
    CONFIGS=("${BENCH_DB:-sqlite} ${BENCH_INSTANCES:-1}")
fi
for c in "${CONFIGS[@]}"; do
    read -r db n <<<"$c"
    [[ "$db" = sqlite || "$db" = postgres ]] || die "BENCH_DB must be sqlite or postgres, not '$db'"
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "BENCH_INSTANCES must be a positive number, not '$n'"
    [[ "$db" = postgres || "$n" = 1 ]] ||
        die "BENCH_INSTANCES=$n needs BENCH_DB=postgres (several instances cannot share a SQLite file)"
done
# The plain run (no knob) keeps the output of before: no configuration column.
PLAIN=0
[[ "$MATRIX" != 1 && "${CONFIGS[0]}" = "sqlite 1" ]] && PLAIN=1

DB_KIND=sqlite      # of the configuration being run
INSTANCES=1
CONFIG_LABEL=""     # "postgres x3"
P=""                # prefix of messages: "" in a plain run, else "postgres x3 "

WORK=""
WRK_PID=""
PROFILE_PID=""
INSTANCE_PIDS=()    # of the running stack
INSTANCE_PORTS=()
NGINX_PID=""
NGINX_DIR=""
PG_DB=""            # the database of the running stack
PG_CREATED=()       # every database this run created and has not dropped yet

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "$WRK_PID" "$PROFILE_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    stop_server || true
    drop_all_databases || true
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

# --- 1. wrk, PostgreSQL, nginx ------------------------------------------------------------
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

NEED_PG=0
NEED_NGINX=0
for c in "${CONFIGS[@]}"; do
    read -r db n <<<"$c"
    [[ "$db" = postgres ]] && NEED_PG=1
    ((n > 1)) && NEED_NGINX=1
done

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres)

ensure_postgres() {
    log "making sure PostgreSQL answers on $PG_HOST:$PG_PORT (scripts/ensure-postgres.sh)"
    bash "$ROOT/scripts/ensure-postgres.sh" || die "scripts/ensure-postgres.sh failed"
    command -v psql >/dev/null 2>&1 || die "psql is not on PATH"
    "${PSQL[@]}" -Atc 'SELECT 1' >/dev/null ||
        die "cannot connect as $PG_USER to $PG_HOST:$PG_PORT without a password"
    PG_VERSION="$("${PSQL[@]}" -Atc 'SHOW server_version' | cut -d' ' -f1)"
    PG_MAX_CONN="$("${PSQL[@]}" -Atc 'SHOW max_connections')"
    PG_SYNC="$("${PSQL[@]}" -Atc 'SHOW synchronous_commit')"
    sweep_stale_databases
}

NGINX=""
ensure_nginx() {
    log "making sure nginx is installed (scripts/ensure-nginx.sh)"
    bash "$ROOT/scripts/ensure-nginx.sh" || die "scripts/ensure-nginx.sh failed"
    # Debian keeps it in /usr/sbin, which a non-root PATH may lack.
    if [[ -x /usr/sbin/nginx ]]; then NGINX=/usr/sbin/nginx; else NGINX="$(command -v nginx)"; fi
    [[ -n "$NGINX" ]] || die "nginx is not available"
    NGINX_VERSION="$("$NGINX" -v 2>&1 | sed -n 's|.*nginx/\([^ ]*\).*|\1|p')"
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

# --- 3. databases ------------------------------------------------------------------------
# Names: postern_bench_<pid of this script>_<random hex>, so that a later run can tell the
# databases of a run that was killed outright (SIGKILL: no trap ran) from a live run's.
new_database() {
    local name
    name="postern_bench_$$_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
    "${PSQL[@]}" -c "CREATE DATABASE $name" || die "CREATE DATABASE $name failed"
    PG_CREATED+=("$name")
    PG_DB="$name"
}

drop_database() {
    local name="$1" keep=() d
    "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" ||
        { warn "could not drop database $name"; return 1; }
    for d in "${PG_CREATED[@]}"; do [[ "$d" = "$name" ]] || keep+=("$d"); done
    PG_CREATED=("${keep[@]}")
}

drop_all_databases() {
    local d
    for d in "${PG_CREATED[@]}"; do drop_database "$d" || true; done
}

sweep_stale_databases() {
    local name pid
    while read -r name; do
        [[ "$name" =~ ^postern_bench_([0-9]+)_[0-9a-f]+$ ]] || continue
        pid="${BASH_REMATCH[1]}"
        [[ "$pid" != "$$" ]] || continue
        kill -0 "$pid" 2>/dev/null && continue
        log "dropping $name, left behind by an earlier run (pid $pid is gone)"
        "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" || warn "could not drop $name"
    done < <("${PSQL[@]}" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'postern\_bench\_%'")
}

# --- 4. servers ------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

TAKEN_PORTS=()      # picked for the stack being started, not listened on yet
# pick_port [explicit]: a free port, or the explicit one if it is free.
pick_port() {
    if [[ -n "${1:-}" ]]; then
        port_in_use "$1" && die "BENCH_PORT $1 is already in use"
        PORT="$1"
        TAKEN_PORTS+=("$PORT")
        return
    fi
    local p t taken
    for p in $(seq 18080 18179); do
        taken=0
        for t in "${TAKEN_PORTS[@]}"; do [[ "$t" = "$p" ]] && taken=1; done
        if ((taken == 0)) && ! port_in_use "$p"; then
            PORT="$p"
            TAKEN_PORTS+=("$PORT")
            return
        fi
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

pg_pool_size() {
    if [[ -n "${POSTERN_POSTGRES__MAX_CONNECTIONS:-}" ]]; then
        echo "$POSTERN_POSTGRES__MAX_CONNECTIONS"
    elif [[ -n "${BENCH_PG_POOL:-}" ]]; then
        echo "$BENCH_PG_POOL"
    else
        # 16 backends in all, split over the instances (rounded up): 16, 8, 6, 4, ...
        echo $(((16 + INSTANCES - 1) / INSTANCES))
    fi
}

SERVER_COUNT=0

# spawn_instance I PORT: starts instance I (1-based) in the background.
spawn_instance() {
    local i="$1" port="$2" env=()
    env+=(POSTERN_LISTEN="127.0.0.1:$port" POSTERN_RATE_LIMITS__ENABLED=false POSTERN_LOG__LEVEL=warn)
    if [[ "$DB_KIND" = postgres ]]; then
        env+=("POSTERN_DATABASE_URL=postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB?sslmode=disable"
            "POSTERN_POSTGRES__MAX_CONNECTIONS=$(pg_pool_size)")
        # The first instance migrates the fresh database; the others find it done.
        if ((i == 1)); then env+=(POSTERN_MIGRATE_ON_START=true); else env+=(POSTERN_MIGRATE_ON_START=false); fi
    else
        env+=("POSTERN_DATABASE_URL=sqlite://$WORK/db$SERVER_COUNT/postern.db")
    fi
    if ((INSTANCES > 1)); then
        env+=("POSTERN_PUBLIC_URL=$BASE")
        [[ -n "${POSTERN_TRUSTED_PROXIES:-}" ]] || env+=('POSTERN_TRUSTED_PROXIES=["127.0.0.1/32"]')
    fi
    env "${env[@]}" "${PDEATH[@]}" "$RUN_BIN" serve >"$WORK/server$i.log" 2>&1 &
    INSTANCE_PIDS[i - 1]=$!
    INSTANCE_PORTS[i - 1]="$port"
}

# wait_healthy I: until instance I answers GET /healthz (30 s at most).
wait_healthy() {
    local i="$1" pid="${INSTANCE_PIDS[$1 - 1]}" port="${INSTANCE_PORTS[$1 - 1]}" n status
    for n in $(seq 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null && status=0 || status=$?
            INSTANCE_PIDS[i - 1]=""
            tail -n 30 "$WORK/server$i.log" >&2 || true
            die "${P:+[${P% }] }the server exited during startup (status $status); its log is above"
        fi
        if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" 2>/dev/null; then
            log "server up (pid $pid) after $((n / 10)).$((n % 10)) s"
            return
        fi
        sleep 0.1
    done
    tail -n 30 "$WORK/server$i.log" >&2 || true
    die "${P:+[${P% }] }the server did not answer GET http://127.0.0.1:$port/healthz within 30 s; its log is above"
}

start_nginx() {
    NGINX_DIR="$WORK/nginx$SERVER_COUNT"
    mkdir -p "$NGINX_DIR"
    local user="" servers="" port
    # One process (master_process off), so that stopping it leaves no orphaned worker; as
    # root it would otherwise switch to `nobody`, who cannot enter our directory.
    [[ "$(id -u)" -eq 0 ]] && user="user root;"
    for port in "${INSTANCE_PORTS[@]}"; do servers+="        server 127.0.0.1:$port;"$'\n'; done
    cat >"$NGINX_DIR/nginx.conf" <<EOF
$user
master_process off;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $NGINX_DIR/client_body;
    proxy_temp_path $NGINX_DIR/proxy;
    fastcgi_temp_path $NGINX_DIR/fastcgi;
    uwsgi_temp_path $NGINX_DIR/uwsgi;
    scgi_temp_path $NGINX_DIR/scgi;
    # wrk keeps its connections for the whole run; so does nginx towards the instances.
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    upstream postern {
$servers        keepalive 64;
        keepalive_requests 10000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$FRONT_PORT;
        location / {
            proxy_pass http://postern;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
EOF
    log "starting nginx on $BASE in front of ports ${INSTANCE_PORTS[*]}"
    "${PDEATH[@]}" "$NGINX" -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" \
        -g 'daemon off;' </dev/null >"$NGINX_DIR/stdout.log" 2>&1 &
    NGINX_PID=$!
    local n
    for n in $(seq 150); do
        if ! kill -0 "$NGINX_PID" 2>/dev/null; then
            wait "$NGINX_PID" 2>/dev/null || true
            NGINX_PID=""
            cat "$NGINX_DIR/error.log" "$NGINX_DIR/stdout.log" >&2 2>/dev/null || true
            die "${P:+[${P% }] }nginx exited during startup; its log is above"
        fi
        if curl -fsS -o /dev/null --max-time 1 "$BASE/healthz" 2>/dev/null; then
            log "nginx up (pid $NGINX_PID) after $((n / 10)).$((n % 10)) s"
            return
        fi
        sleep 0.1
    done
    cat "$NGINX_DIR/error.log" >&2 2>/dev/null || true
    die "${P:+[${P% }] }nginx did not answer GET $BASE/healthz within 15 s; its log is above"
}

# start_server: new server(s) on a new, empty database; BASE is where wrk connects.
start_server() {
    SERVER_COUNT=$((SERVER_COUNT + 1))
    TAKEN_PORTS=()
    INSTANCE_PIDS=()
    INSTANCE_PORTS=()
    if ((INSTANCES == 1)); then
        pick_port "${BENCH_PORT:-}"
        BASE="http://127.0.0.1:$PORT"
    else
        pick_port "${BENCH_PORT:-}"
        FRONT_PORT="$PORT"
        BASE="http://127.0.0.1:$FRONT_PORT"
    fi
    local where
    if [[ "$DB_KIND" = postgres ]]; then
        new_database
        where="database $PG_DB on $PG_HOST:$PG_PORT, pool $(pg_pool_size)"
    else
        mkdir -p "$WORK/db$SERVER_COUNT"
        where="database $WORK/db$SERVER_COUNT/postern.db"
    fi
    if ((INSTANCES == 1)); then
        log "starting $BIN serve on $BASE (fresh $where)"
        spawn_instance 1 "$PORT"
        wait_healthy 1
        return
    fi
    local i ports=()
    for i in $(seq "$INSTANCES"); do
        pick_port
        ports+=("$PORT")
    done
    log "starting instance 1 of $INSTANCES on port ${ports[0]} (fresh $where; it migrates)"
    spawn_instance 1 "${ports[0]}"
    wait_healthy 1
    log "starting instances 2-$INSTANCES on ports ${ports[*]:1}"
    for i in $(seq 2 "$INSTANCES"); do spawn_instance "$i" "${ports[i - 1]}"; done
    for i in $(seq 2 "$INSTANCES"); do wait_healthy "$i"; done
    start_nginx
}

# stop_pids PID...: SIGTERM, then SIGKILL for those still draining after 15 s.
stop_pids() {
    local pid alive _
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 150); do
        alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "$@"; do
        if kill -0 "$pid" 2>/dev/null; then
            warn "process $pid did not stop within 15 s of SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
}

# stop_server: nginx, then the instances, then the data of the finished scenario.
stop_server() {
    if [[ -n "$NGINX_PID" ]]; then
        stop_pids "$NGINX_PID"
        NGINX_PID=""
    fi
    local pids=() pid
    for pid in "${INSTANCE_PIDS[@]}"; do [[ -n "$pid" ]] && pids+=("$pid"); done
    ((${#pids[@]} == 0)) || stop_pids "${pids[@]}"
    INSTANCE_PIDS=()
    # The data of a finished scenario is not needed any more.
    if [[ -n "$PG_DB" ]]; then
        drop_database "$PG_DB" || true
        PG_DB=""
    fi
    if [[ -n "$WORK" ]]; then rm -rf "$WORK/db$SERVER_COUNT"; fi
}

# fresh_server: the server for the next scenario.
fresh_server() {
    if [[ "${BENCH_SHARED_SERVER:-0}" = 1 && ${#INSTANCE_PIDS[@]} -gt 0 ]]; then
        return
    fi
    stop_server
    start_server
}

server_alive() {
    local i
    for i in "${!INSTANCE_PIDS[@]}"; do
        kill -0 "${INSTANCE_PIDS[i]}" 2>/dev/null || {
            tail -n 30 "$WORK/server$((i + 1)).log" >&2 || true
            die "${P:+[${P% }] }the server died; its log is above"
        }
    done
    if [[ -n "$NGINX_PID" ]]; then
        kill -0 "$NGINX_PID" 2>/dev/null || {
            cat "$NGINX_DIR/error.log" >&2 2>/dev/null || true
            die "${P:+[${P% }] }nginx died; its log is above"
        }
    fi
}

vmhwm_mb() {
    awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# peak_rss: RSS_MAX and RSS_SUM (MB) over the instances, RSS_NGINX.
peak_rss() {
    local pid v
    RSS_MAX=0
    RSS_SUM=0
    for pid in "${INSTANCE_PIDS[@]}"; do
        v="$(vmhwm_mb "$pid")"
        RSS_MAX="$(awk -v a="$RSS_MAX" -v b="$v" 'BEGIN { print (b > a ? b : a) }')"
        RSS_SUM="$(awk -v a="$RSS_SUM" -v b="$v" 'BEGIN { printf "%.1f", a + b }')"
    done
    RSS_NGINX=""
    [[ -z "$NGINX_PID" ]] || RSS_NGINX="$(vmhwm_mb "$NGINX_PID")"
}

# --- 5. scenarios ----------------------------------------------------------------------
RUN_TAG="b$(date +%s)"

# run_wrk NAME SCRIPT PATH [wrk options...]: warm-up, then the measured run.
run_wrk() {
    local name="$1" script="$2" path="$3"
    shift 3
    local common=(-t "$THREADS" -c "$CONNECTIONS" --latency -s "$LUA_DIR/$script" "$@" "$BASE$path")
    log "${P}[$name] warm-up ($WARMUP)"
    "${PDEATH[@]}" wrk -d "$WARMUP" "${common[@]}" -- "$RUN_TAG-$name-warm" >"$WORK/$name.warm.txt" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || { cat "$WORK/$name.warm.txt" >&2; die "${P}[$name] wrk warm-up failed"; }
    server_alive
    busy_check "$name"
    log "${P}[$name] measuring ($DURATION, $THREADS threads, $CONNECTIONS connections)"
    "${PDEATH[@]}" wrk -d "$DURATION" "${common[@]}" -- "$RUN_TAG-$name" >"$WORK/$name.txt" 2>&1 &
    WRK_PID=$!
    [[ "${BENCH_PROFILE:-0}" != 1 ]] || start_profile "$name"
    wait "$WRK_PID" || { cat "$WORK/$name.txt" >&2; die "${P}[$name] wrk failed"; }
    WRK_PID=""
    [[ "${BENCH_PROFILE:-0}" != 1 ]] || stop_profile "$name"
    server_alive
    sed 's/^/    /' "$WORK/$name.txt"
    grep -q '^BENCH ' "$WORK/$name.txt" || die "${P}[$name] wrk printed no result line"
}

# busy_check NAME: notes other benchmarks, servers or builds running on the machine (they
# take CPU from this one; the numbers are then not comparable).
BUSY=()
busy_check() {
    local mine=" ${INSTANCE_PIDS[*]} $NGINX_PID " pid found=()
    for pid in $(pgrep -x 'wrk|postern|rustc|cargo' 2>/dev/null || true); do
        [[ "$mine" = *" $pid "* ]] && continue
        found+=("$(cat "/proc/$pid/comm" 2>/dev/null || echo "?")")
    done
    if ((${#found[@]})); then
        local what
        what="$(printf '%s\n' "${found[@]}" | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')"
        warn "[$P$1] other processes are running and take CPU from the benchmark: $what"
        BUSY+=("[$P$1] $what")
    fi
}

# BENCH_PROFILE=1: CPU per process group while wrk measures (scripts/bench/cpu-profile.sh).
start_profile() {
    local pids=("${INSTANCE_PIDS[@]}")
    bash "$LUA_DIR/cpu-profile.sh" "$(seconds "$DURATION")" "$WRK_PID" "${NGINX_PID:-0}" "${pids[@]}" \
        >"$WORK/$1.cpu.txt" 2>&1 &
    PROFILE_PID=$!
}

# seconds 10s|2m|1h|10: a wrk duration in seconds.
seconds() {
    local d="$1"
    case "$d" in
        *h) echo $((${d%h} * 3600)) ;;
        *m) echo $((${d%m} * 60)) ;;
        *s) echo "${d%s}" ;;
        *) echo "$d" ;;
    esac
}

stop_profile() {
    [[ -n "$PROFILE_PID" ]] || return 0
    wait "$PROFILE_PID" 2>/dev/null || true
    PROFILE_PID=""
    sed 's/^/    /' "$WORK/$1.cpu.txt"
    PROFILES+=("${P}[$1] $(tail -n1 "$WORK/$1.cpu.txt")")
}

# kv NAME KEY: a value from the BENCH line of scenario NAME.
kv() {
    grep '^BENCH ' "$WORK/$1.txt" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

PROBLEMS=()
PROFILES=()
problem() { PROBLEMS+=("$*"); warn "$*"; }

# Per-scenario row: config|name|rps|p50|p99|non2xx|signins_per_s|rss max|rss sum
ROWS=()
MAX_RSS=0

record() {
    local name="$1" label="$2" signins_per_s="${3:--}"
    local requests rps p50 p99 status_errors socket_errors errors
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
    peak_rss
    MAX_RSS="$(awk -v a="$MAX_RSS" -v b="$RSS_MAX" 'BEGIN { print (b > a ? b : a) }')"
    printf '    %s: %s req/s, p50 %s ms, p99 %s ms, non-2xx %s, socket errors %s' \
        "$label" "$rps" "$p50" "$p99" "$non2xx" "$socket_errors"
    [[ "$signins_per_s" != "-" ]] && printf ', %s sign-ins/s' "$signins_per_s"
    if ((INSTANCES == 1)); then
        printf ', server peak RSS %s MB\n' "$RSS_MAX"
    else
        printf ', instances peak RSS largest %s MB, sum %s MB (nginx %s MB)\n' "$RSS_MAX" "$RSS_SUM" "$RSS_NGINX"
    fi
    ROWS+=("$CONFIG_LABEL|$label|$rps|$p50|$p99|$non2xx|$signins_per_s|$RSS_MAX|$RSS_SUM")
    if [[ "${requests:-0}" -eq 0 ]]; then
        problem "[$P$label] no requests completed"
        return
    fi
    errors=$((non2xx + socket_errors))
    if ((errors * 100 > requests)); then
        problem "[$P$label] $errors of $requests requests failed (non-2xx or socket errors)"
    elif ((errors > 0)); then
        warn "[$P$label] $errors of $requests requests failed (non-2xx or socket errors)"
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
    ((signins > 0)) || problem "[${P}full sign-in] no sign-in completed"
    ((mismatch == 0)) || problem "[${P}full sign-in] $mismatch verifies signed in a different user than the flow's"
    ((untagged == 0)) || problem "[${P}full sign-in] $untagged answers could not be matched to a flow (X-Request-Id not echoed?)"
    # Every open flow is in flight on a connection or queued behind one: at most one
    # per connection, with slack for requests cut off at the end of the run.
    ((open >= 0 && open <= 2 * CONNECTIONS)) ||
        problem "[${P}full sign-in] flows do not add up: $open open at the end with $CONNECTIONS connections"
    # Each sign-in is 3 requests plus the inbox re-reads.
    local requests explained
    requests="$(kv signin requests)"
    if ((requests > 0)); then
        explained=$(((signins * 3 + inbox_empty) * 100 / requests))
        ((explained >= 95 && explained <= 105)) ||
            problem "[${P}full sign-in] requests do not add up to the sign-ins (${explained}% explained)"
    fi
}

make_session() {
    local email="$RUN_TAG-session@example.com" started rid code="" cookie i
    started="$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$email\"}" \
        "$BASE/v1/passwordless/start")" || die "[${P}session check] POST /v1/passwordless/start failed"
    rid="$(sed -n 's/.*"auth_request_id":"\([^"]*\)".*/\1/p' <<<"$started")"
    [[ -n "$rid" ]] || die "[${P}session check] no auth_request_id in: $started"
    for i in $(seq 100); do
        code="$(curl -fsS -G --data-urlencode "to=$email" "$BASE/dev/inbox.json" |
            grep -o 'Your code: [0-9]\{6\}' | head -n1 | grep -o '[0-9]\{6\}')" && break
        sleep 0.1
    done
    [[ -n "$code" ]] || die "[${P}session check] the code for $email did not arrive in the dev inbox within 10 s"
    curl -fsS -D "$WORK/verify.headers" -o "$WORK/verify.json" -H 'Content-Type: application/json' \
        -d "{\"auth_request_id\":\"$rid\",\"code\":\"$code\"}" "$BASE/v1/passwordless/verify" ||
        die "[${P}session check] POST /v1/passwordless/verify failed"
    cookie="$(tr -d '\r' <"$WORK/verify.headers" | sed -n 's/^[Ss]et-[Cc]ookie: *\(postern_session=[^;]*\).*/\1/p' | head -n1)"
    [[ -n "$cookie" ]] || die "[${P}session check] the verify answer set no postern_session cookie"
    curl -fsS -o /dev/null -H "Cookie: $cookie" "$BASE/v1/session" ||
        die "[${P}session check] GET /v1/session refused the new session"
    if ((INSTANCES > 1)); then
        # The cookie works on every instance, not only through nginx's choice.
        local port
        for port in "${INSTANCE_PORTS[@]}"; do
            curl -fsS -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$port/v1/session" ||
                die "[${P}session check] instance on port $port refused the new session"
        done
    fi
    SESSION_COOKIE="$cookie"
}

scenario_session() {
    fresh_server
    log "${P}[session] creating a session with curl"
    make_session
    run_wrk session session.lua /v1/session -H "Cookie: $SESSION_COOKIE"
    record session "session check"
}

# Forward-auth (issue 13): GET /v1/auth/check with the session cookie, then with a bearer
# access token, then token issuance, all on one server and one session.
scenario_tokens() {
    fresh_server
    log "${P}[auth check] creating a session with curl"
    make_session
    run_wrk check_cookie session.lua /v1/auth/check -H "Cookie: $SESSION_COOKIE"
    record check_cookie "auth check (cookie)"
    local token
    token="$(curl -fsS -X POST -H "Cookie: $SESSION_COOKIE" "$BASE/v1/session/token" |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
    [[ -n "$token" ]] || die "[${P}auth check] POST /v1/session/token gave no access token"
    run_wrk check_bearer session.lua /v1/auth/check -H "Authorization: Bearer $token"
    record check_bearer "auth check (bearer)"
    run_wrk token token.lua /v1/session/token -H "Cookie: $SESSION_COOKIE"
    record token "token issue"
}

# run_config DB N: the scenarios on one configuration.
run_config() {
    DB_KIND="$1"
    INSTANCES="$2"
    CONFIG_LABEL="$DB_KIND x$INSTANCES"
    if ((PLAIN)); then P=""; else P="$CONFIG_LABEL "; fi
    ((PLAIN)) || log "=== configuration $CONFIG_LABEL$( ((INSTANCES > 1)) && echo " behind nginx")"
    scenario_start
    scenario_signin
    scenario_session
    scenario_tokens
    server_alive
    stop_server
}

# --- 6. summary ------------------------------------------------------------------------
summary() {
    local commit dirty=""
    commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    [[ -z "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]] || dirty="+dirty"
    {
        printf 'Postern benchmark  %s  commit %s%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit" "$dirty"
        printf 'wrk %s threads, %s connections, %s per scenario (+%s warm-up), loopback, %s CPUs, %s\n' \
            "$THREADS" "$CONNECTIONS" "$DURATION" "$WARMUP" "$(nproc)" \
            "$([[ "${BENCH_SHARED_SERVER:-0}" = 1 ]] && echo "one server for all scenarios" || echo "fresh server and database per scenario")"
        local row
        if ((PLAIN)); then
            printf '%-20s %10s %9s %9s %8s %11s %12s\n' scenario req/s "p50 ms" "p99 ms" non-2xx sign-ins/s "peak RSS MB"
            for row in "${ROWS[@]}"; do
                IFS='|' read -r _ label rps p50 p99 non2xx sps rss _ <<<"$row"
                printf '%-20s %10s %9s %9s %8s %11s %12s\n' "$label" "$rps" "$p50" "$p99" "$non2xx" "$sps" "$rss"
            done
            printf 'server peak RSS (VmHWM), highest of the scenarios: %s MB\n' "$MAX_RSS"
        else
            if ((NEED_PG)); then
                printf 'PostgreSQL %s on %s:%s (synchronous_commit %s, max_connections %s), a fresh database per scenario\n' \
                    "$PG_VERSION" "$PG_HOST" "$PG_PORT" "$PG_SYNC" "$PG_MAX_CONN"
                printf 'pool (postgres.max_connections) per instance: %s\n' "$(pool_summary)"
            fi
            ((NEED_NGINX == 0)) ||
                printf 'several instances: nginx %s in front (one process, round robin, upstream keepalive), wrk targets nginx\n' "$NGINX_VERSION"
            printf 'peak RSS = VmHWM of the largest instance; RSS sum = all instances (nginx not included)\n'
            printf '%-12s %-20s %10s %9s %9s %8s %11s %12s %11s\n' configuration scenario req/s "p50 ms" "p99 ms" \
                non-2xx sign-ins/s "peak RSS MB" "RSS sum MB"
            for row in "${ROWS[@]}"; do
                IFS='|' read -r config label rps p50 p99 non2xx sps rss rss_sum <<<"$row"
                printf '%-12s %-20s %10s %9s %9s %8s %11s %12s %11s\n' "$config" "$label" "$rps" "$p50" "$p99" \
                    "$non2xx" "$sps" "$rss" "$rss_sum"
            done
        fi
        local p
        for p in "${PROFILES[@]}"; do printf 'CPU %s\n' "$p"; done
        for p in "${BUSY[@]}"; do printf 'NOTE: other load during %s\n' "$p"; done
        for p in "${PROBLEMS[@]}"; do printf 'PROBLEM: %s\n' "$p"; done
    } >"$WORK/summary.txt"
    mkdir -p "$RESULTS_DIR"
    cp "$WORK/summary.txt" "$RESULTS_DIR/latest.txt"
    echo
    cat "$WORK/summary.txt"
    echo "(saved to $RESULTS_DIR/latest.txt)"
}

pool_summary() {
    local c db n out=()
    for c in "${CONFIGS[@]}"; do
        read -r db n <<<"$c"
        [[ "$db" = postgres ]] || continue
        out+=("$(INSTANCES="$n" pg_pool_size) with $n instance$( ((n > 1)) && echo s)")
    done
    local IFS=,
    echo "${out[*]}" | sed 's/,/, /g'
}

main() {
    command -v curl >/dev/null 2>&1 || die "curl is required"
    ensure_wrk
    ((NEED_PG == 0)) || ensure_postgres
    ((NEED_NGINX == 0)) || ensure_nginx
    build
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/postern-bench.XXXXXX")"
    # Every server of this run starts from one copy, so a rebuild in the repository while
    # the benchmark runs cannot mix two binaries into one table.
    RUN_BIN="$WORK/postern"
    cp "$BIN" "$RUN_BIN"
    check_server_env
    local c db n
    for c in "${CONFIGS[@]}"; do
        read -r db n <<<"$c"
        run_config "$db" "$n"
    done
    summary
    ((${#PROBLEMS[@]} == 0)) || die "${#PROBLEMS[@]} problem(s); see above"
}

main "$@"
