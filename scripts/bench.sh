#!/usr/bin/env bash
# scripts/bench.sh — the HTTP load benchmark of Postern: runs the postern-bench tool (bench/).
#
#   scripts/bench.sh                                    # SQLite, one instance, the usual scenarios
#   scripts/bench.sh --scenario grown --grown-scale 0.1
#   scripts/bench.sh --help                             # every scenario and option
#
# The BENCH_* variables of before still work as defaults of the tool's options:
# BENCH_DURATION, BENCH_WARMUP, BENCH_THREADS, BENCH_CONNECTIONS, BENCH_DB, BENCH_INSTANCES,
# BENCH_MATRIX=1, BENCH_PG_POOL, BENCH_SKIP_BUILD=1, BENCH_ACCOUNTS. POSTERN_* variables are
# passed to the servers, except those the benchmark sets.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo run --quiet --release -p postern-bench -- "$@"
