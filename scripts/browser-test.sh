#!/usr/bin/env bash
# Browser end-to-end tests of the hosted pages: playwright-core drives Debian's Chromium
# against a freshly built `postern serve` (each test file starts its own server on a free
# port with its own temp database).
#
#   scripts/browser-test.sh                # everything
#   scripts/browser-test.sh sign_in.test.js  # some files (paths relative to tests/browser)
#
# Honours CARGO_TARGET_DIR (default target/). Needs node >= 20 and npm.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian's Chromium (playwright's own browser downloads are not used).
if [ ! -x /usr/bin/chromium ]; then
  echo "browser-test: installing chromium with apt-get" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# Node dependencies, exactly as locked.
(
  cd tests/browser
  export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
)

# The server.
cargo build
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$repo/$target_dir" ;;
esac
export POSTERN_BIN="$target_dir/debug/postern"
if [ ! -x "$POSTERN_BIN" ]; then
  echo "browser-test: $POSTERN_BIN was not built" >&2
  exit 1
fi

cd tests/browser
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  files=(*.test.js)
fi
# One file at a time: each runs a server and a Chromium, and the machine has 2 cores.
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
