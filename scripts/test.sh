#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, unit + property tests, the
# integration suite (real server, real port, real SQLite) and, when present, the
# browser tests (real Chromium on the hosted pages), the API against its OpenAPI
# document (scripts/api-fuzz.sh: openapi-spec-validator, schemathesis), and the Next.js
# package with its example app end to end (scripts/nextjs-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The SMTP tests run a real SMTP server (aiosmtpd) and check DKIM with dkimpy.
bash scripts/ensure-python-deps.sh >/dev/null
cargo test --all-targets
# The benchmark tool (bench/) and its harness: unit tests (wrk output parsing), then a
# one-second smoke run of one scenario on the debug binary just built, so the tool cannot rot.
cargo test -p postern-bench -p postern-harness
cargo run -p postern-bench -- --bin target/debug/postern --duration 1s --warmup 0s --scenario start \
    --output bench-results/smoke.txt
# The API against its OpenAPI document: validated, then fuzzed by schemathesis (bounded).
bash scripts/api-fuzz.sh
bash scripts/browser-test.sh
# @postern/next (unit tests, generated types current, npm pack) and the Next.js example
# app built and driven end to end in Chromium.
bash scripts/nextjs-test.sh
