#!/usr/bin/env bash
# scripts/bench-delivery.sh — how fast the outbox drains into a provider.
#
# Usage
#   scripts/bench-delivery.sh                 # HTTP provider (resend API shape) and SMTP
#   BENCH_DELIVERY_TARGETS=http scripts/bench-delivery.sh
#
# What it does, per target (http, smtp), on SQLite:
#   1. Starts the local sink (examples/delivery_sink.rs: an HTTP API answering like Resend
#      and a minimal SMTP server, both accepting everything and counting).
#   2. Fills the outbox: `postern serve` with the provider pointed at a closed port and a
#      one-hour retry delay, wrk POSTs /v1/passwordless/start for BENCH_FILL (default 3s);
#      every message fails its first attempt and waits in the queue. The server stops, and
#      the queue is made due again (next_attempt_at = 0, attempts = 0).
#   3. Starts `postern serve` on the same database with the provider pointed at the sink
#      and measures the drain: messages delivered per second from the moment /healthz
#      answers until the sink has counted every queued message. Also prints the server's
#      peak RSS, its CPU seconds during the drain, and how many messages the outbox records
#      as sent once the server has stopped (recorded = messages: nothing lost).
#
# Knobs: BENCH_FILL (wrk duration of the fill, default 3s), BENCH_CONCURRENCY
# (delivery.concurrency, default 64), BENCH_SKIP_BUILD=1, BENCH_DELIVERY_TARGETS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

FILL=${BENCH_FILL:-3s}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
TARGETS=${BENCH_DELIVERY_TARGETS:-http smtp}

command -v wrk >/dev/null || { if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi; }
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    cargo build --release --bin postern --example delivery_sink >&2
fi
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
WORK=$(mktemp -d)
cp "$TARGET_DIR/release/postern" "$TARGET_DIR/release/examples/delivery_sink" "$WORK/"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() { # URL
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no answer from $1" >&2
    return 1
}

sql() { # DB SQL
    python3 - "$1" "$2" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute(sys.argv[2]).fetchall()
c.commit()
print(rows[0][0] if rows else "")
EOF
}

# serve DB PORT PROVIDER-ENV... : starts postern, echoes its pid
serve() {
    local db=$1 port=$2
    shift 2
    env -i PATH="$PATH" HOME="$HOME" \
        POSTERN_LISTEN="127.0.0.1:$port" POSTERN_DATABASE_URL="sqlite://$db" \
        POSTERN_RATE_LIMITS__ENABLED=false POSTERN_LOG__LEVEL=error \
        POSTERN_DELIVERY__CONCURRENCY="$CONCURRENCY" POSTERN_DELIVERY__POLL_INTERVAL=50ms \
        "$@" "$WORK/postern" serve >>"$WORK/postern.log" 2>&1 &
    echo $!
}

provider_env() { # TARGET PORT
    case $1 in
        http) echo "POSTERN_DELIVERY__EMAIL__PROVIDER=resend POSTERN_DELIVERY__EMAIL__RESEND__API_KEY=re_bench POSTERN_DELIVERY__EMAIL__RESEND__BASE_URL=http://127.0.0.1:$2" ;;
        smtp) echo "POSTERN_DELIVERY__EMAIL__PROVIDER=smtp POSTERN_DELIVERY__EMAIL__SMTP_URL=smtp://127.0.0.1:$2 POSTERN_DELIVERY__EMAIL__SMTP__POOL_MAX=$CONCURRENCY" ;;
    esac
}

printf '%-6s %10s %10s %12s %10s %10s %10s\n' target messages seconds "msgs/s" "rss_MB" "cpu_s" "recorded"
for target in $TARGETS; do
    http_port=$(free_port); smtp_port=$(free_port); closed=$(free_port); port=$(free_port)
    "$WORK/delivery_sink" "$http_port" "$smtp_port" >"$WORK/sink.log" 2>&1 &
    PIDS+=($!)
    wait_http "http://127.0.0.1:$http_port/count"
    sink_port=$http_port; [ "$target" = smtp ] && sink_port=$smtp_port
    db="$WORK/$target.db"

    # 2. Fill: every first attempt fails fast (nothing listens) and waits an hour.
    # shellcheck disable=SC2046
    pid=$(serve "$db" "$port" $(provider_env "$target" "$closed") POSTERN_DELIVERY__RETRY_BASE=1h POSTERN_DELIVERY__RETRY_MAX=1h)
    wait_http "http://127.0.0.1:$port/healthz"
    wrk -t2 -c32 -d"$FILL" -s scripts/bench/start.lua "http://127.0.0.1:$port" -- "$target$RANDOM" >/dev/null
    for _ in $(seq 1 600); do
        [ "$(sql "$db" "SELECT count(*) FROM outbox WHERE status = 'sending'")" = 0 ] && break
        sleep 0.1
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    total=$(sql "$db" "SELECT count(*) FROM outbox WHERE status = 'queued'")
    sql "$db" "UPDATE outbox SET next_attempt_at = 0, attempts = 0 WHERE status = 'queued'" >/dev/null

    # 3. Drain into the sink.
    before=$(curl -fsS "http://127.0.0.1:$http_port/count")
    # shellcheck disable=SC2046
    pid=$(serve "$db" "$port" $(provider_env "$target" "$sink_port"))
    PIDS+=("$pid")
    wait_http "http://127.0.0.1:$port/healthz"
    t0=$(date +%s.%N)
    c0=$(( $(curl -fsS "http://127.0.0.1:$http_port/count") - before ))
    cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
    deadline=$(( $(date +%s) + 300 ))
    while :; do
        done_count=$(( $(curl -fsS "http://127.0.0.1:$http_port/count") - before ))
        [ "$done_count" -ge "$total" ] && break
        [ "$(date +%s)" -gt "$deadline" ] && { echo "drain timed out at $done_count/$total" >&2; break; }
        sleep 0.05
    done
    t1=$(date +%s.%N)
    cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    sent=$(sql "$db" "SELECT count(*) FROM outbox WHERE status = 'sent'")
    python3 - "$target" "$total" "$c0" "$done_count" "$t0" "$t1" "$rss" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "$sent" <<'EOF'
import sys
target, total, c0, done, t0, t1, rss, cpu0, cpu1, tck, sent = sys.argv[1:]
secs = float(t1) - float(t0)
drained = int(done) - int(c0)
print(f"{target:<6} {int(total):>10} {secs:>10.2f} {drained / secs:>12.0f} {int(rss) / 1024:>10.1f} {(int(cpu1) - int(cpu0)) / int(tck):>10.2f} {int(sent):>10}")
EOF
done
