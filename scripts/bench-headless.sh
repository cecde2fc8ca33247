#!/usr/bin/env bash
# scripts/bench-headless.sh — headless passwordless (an app's server with an API key:
# /admin/v1/passwordless/send and /verify) against the public start and verify, on one
# machine, one run (issue 12: within 10 %).
#
# Usage
#   scripts/bench-headless.sh                     # SQLite, 8 s per run
#   BENCH_DURATION=10s BENCH_SKIP_BUILD=1 scripts/bench-headless.sh
#
# Builds release (unless BENCH_SKIP_BUILD=1; BIN=path overrides the binary), then for each
# of "public" and "headless": a fresh SQLite database and server (rate limits off), an API
# key made with `postern api-keys create`, a wrk run of sends (a new address each,
# scripts/bench/start.lua) and a wrk run of full sign-ins (send → read the code from the dev
# inbox → verify, scripts/bench/signin.lua), 32 connections. Prints one table and the
# headless/public ratios. Exit status non-zero when a run failed (errors, no requests).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${BENCH_DURATION:-8s}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
if [[ -z "${BIN:-}" ]]; then
    if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
        (cd "$ROOT" && cargo build --release --bin postern >&2)
    fi
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/postern"
fi
command -v wrk >/dev/null 2>&1 || {
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
}

work="$(mktemp -d)"
pid=""
cleanup() {
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

serve() {
    rm -f "$work"/postern.db*
    POSTERN_LISTEN="127.0.0.1:$port" POSTERN_DATABASE_URL="sqlite://$work/postern.db" \
        POSTERN_RATE_LIMITS__ENABLED=false POSTERN_LOG__LEVEL=error "$BIN" serve >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        curl -fs "$base/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$work/server.log" >&2
    exit 1
}

# run NAME SCRIPT KEY: one wrk run; prints "req/s p99_ms sign-ins/s".
run() {
    local name="$1" script="$2" key="$3"
    wrk -t2 -c"$CONNECTIONS" -d2s -s "$ROOT/scripts/bench/$script" "$base" -- "warm-$name" "$key" >/dev/null 2>&1
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$ROOT/scripts/bench/$script" "$base" -- "$name" "$key" >"$work/$name.txt" 2>&1
    local line
    line="$(grep '^BENCH ' "$work/$name.txt" || true)"
    [[ -n "$line" ]] || { cat "$work/$name.txt" >&2; echo "bench-headless: $name produced no result" >&2; exit 1; }
    local rps p99 signins errors
    rps="$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")"
    p99="$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")"
    signins="$(sed -n 's/.* signins_per_s=\([0-9.]*\).*/\1/p' <<<"$line")"
    errors="$(sed -n 's/.* status_errors=\([0-9]*\).*/\1/p' <<<"$line")"
    [[ "${errors:-0}" == 0 ]] || { cat "$work/$name.txt" >&2; echo "bench-headless: $name had $errors errors" >&2; exit 1; }
    echo "$rps ${p99:-?} ${signins:--}"
}

declare -A result
for mode in public headless; do
    serve
    key=""
    if [[ "$mode" == headless ]]; then
        key="$(POSTERN_DATABASE_URL="sqlite://$work/postern.db" POSTERN_LOG__LEVEL=error "$BIN" api-keys create --name bench --scopes passwordless 2>/dev/null)"
    fi
    result["$mode-send"]="$(run "$mode-send" start.lua "$key")"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    serve
    if [[ "$mode" == headless ]]; then
        key="$(POSTERN_DATABASE_URL="sqlite://$work/postern.db" POSTERN_LOG__LEVEL=error "$BIN" api-keys create --name bench --scopes passwordless 2>/dev/null)"
    fi
    result["$mode-signin"]="$(run "$mode-signin" signin.lua "$key")"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done

echo
echo "Postern headless vs public  $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "SQLite, rate limits off, wrk 2 threads x $CONNECTIONS connections, $DURATION per run, $(nproc) CPUs"
printf '%-18s %12s %10s %12s\n' "run" "req/s" "p99 ms" "sign-ins/s"
for k in public-send headless-send public-signin headless-signin; do
    read -r rps p99 signins <<<"${result[$k]}"
    printf '%-18s %12s %10s %12s\n' "$k" "$rps" "$p99" "$signins"
done
read -r ps _ _ <<<"${result[public-send]}"
read -r hs _ _ <<<"${result[headless-send]}"
read -r _ _ psi <<<"${result[public-signin]}"
read -r _ _ hsi <<<"${result[headless-signin]}"
python3 - "$ps" "$hs" "$psi" "$hsi" <<'PY'
import sys
ps, hs, psi, hsi = map(float, sys.argv[1:])
for name, a, b in (("sends", hs, ps), ("sign-ins", hsi, psi)):
    ratio = a / b * 100 if b else 0
    verdict = "met" if ratio >= 90 else "target missed"
    print(f"headless {name}: {ratio:.1f} % of public (target >= 90 %): {verdict}")
PY
