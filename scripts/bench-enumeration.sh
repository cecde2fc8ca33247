#!/usr/bin/env bash
# scripts/bench-enumeration.sh — does a start take longer for a known account than for an
# unknown address? (DESIGN.md: no enumeration by timing; issue 10, finding 4.)
#
# Usage
#   scripts/bench-enumeration.sh                 # sign-up closed, 2000 starts of each kind
#   BENCH_SIGNUP=open scripts/bench-enumeration.sh
#   BENCH_REQUESTS=5000 BENCH_SKIP_BUILD=1 scripts/bench-enumeration.sh
#
# Builds release (unless BENCH_SKIP_BUILD=1; BIN=path overrides the binary), creates one
# account with sign-up open, restarts the server on the same SQLite file with
# `signup = BENCH_SIGNUP` and rate limits off, then sends starts one at a time on one
# keep-alive connection, alternating the known address and a new unknown one, and prints
# the median, p90 and mean of each and the gap between the medians.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUESTS="${BENCH_REQUESTS:-2000}"
SIGNUP="${BENCH_SIGNUP:-closed}"
if [[ -z "${BIN:-}" ]]; then
    if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
        (cd "$ROOT" && cargo build --release >&2)
    fi
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/postern"
fi

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
    POSTERN_LISTEN="127.0.0.1:$port" POSTERN_DATABASE_URL="sqlite://$work/postern.db" \
        POSTERN_RATE_LIMITS__ENABLED=false POSTERN_LOG__LEVEL=error POSTERN_SIGNUP="$1" \
        "$BIN" serve >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        curl -fs "$base/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$work/server.log" >&2
    exit 1
}

serve open
python3 - "$base" <<'EOF'
import json, sys, urllib.request
base = sys.argv[1]
def post(path, body):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))
started = post("/v1/passwordless/start", {"email": "known@example.com"})
inbox = json.load(urllib.request.urlopen(base + "/dev/inbox.json?to=known@example.com&wait=5"))
code = next(w for w in inbox["messages"][0]["text"].split() if w.isdigit() and len(w) == 6)
post("/v1/passwordless/verify", {"auth_request_id": started["auth_request_id"], "code": code})
EOF
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
serve "$SIGNUP"

python3 - "$port" "$REQUESTS" "$SIGNUP" <<'EOF'
import http.client, json, statistics, sys, time
port, n, signup = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port)
def start(email):
    body = json.dumps({"email": email})
    t = time.perf_counter()
    conn.request("POST", "/v1/passwordless/start", body, {"content-type": "application/json"})
    r = conn.getresponse(); r.read()
    assert r.status == 200, r.status
    return (time.perf_counter() - t) * 1000
for i in range(200):  # warm-up
    start(f"warm{i}@example.com")
known, unknown = [], []
for i in range(n):
    known.append(start("known@example.com"))
    unknown.append(start(f"nobody{i}@example.com"))
def row(name, xs):
    xs = sorted(xs)
    return f"{name:8} median {statistics.median(xs):.3f} ms  p90 {xs[int(len(xs) * 0.9)]:.3f} ms  mean {statistics.fmean(xs):.3f} ms"
print(f"signup = {signup}, {n} starts of each, one connection, SQLite")
print(row("known", known))
print(row("unknown", unknown))
print(f"gap of the medians: {statistics.median(known) - statistics.median(unknown):+.3f} ms")
EOF
