#!/usr/bin/env bash
# The Next.js integration, as CI runs it:
#   1. clients/js (@postern/next): install exactly as locked, check the types generated
#      from Postern's OpenAPI document are current, build, unit tests, `npm pack`;
#   2. examples/nextjs: `npm ci` (the lockfile takes the packed tarball, as a fresh app
#      installs it), checked to be the package just built, `next build`;
#   3. the end-to-end tests in Chromium (tests/browser/nextjs) against `next start` and a
#      real Postern;
#   4. the same app on Next 15 (its `middleware.ts` made from `proxy.ts` as docs/nextjs.md
#      says; installed without a lockfile, Next pinned): built and driven end to end too.
# Idempotent; needs node >= 20 and npm (Chromium is installed by browser-test.sh).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
export NEXT_TELEMETRY_DISABLED=1

cargo build
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$repo/$target_dir" ;;
esac
export POSTERN_BIN="$target_dir/debug/postern"

echo "== @postern/next: install, generated types current, build, unit tests, pack" >&2
(
  cd clients/js
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent check-types
  npm test
  rm -f postern-next-*.tgz
  npm pack --silent >/dev/null
)
tarball="$(ls "$repo"/clients/js/postern-next-*.tgz)"

echo "== examples/nextjs: install (with the packed package), next build" >&2
(
  cd examples/nextjs
  # Exactly what docs/nextjs.md says. The lockfile names the tarball without an
  # integrity hash, so npm reads the file just packed (never an older one from its cache).
  npm ci --no-audit --no-fund --loglevel=error
  if ! diff -r -q node_modules/@postern/next/dist "$repo/clients/js/dist"; then
    echo "nextjs-test: examples/nextjs installed another @postern/next than $tarball" >&2
    exit 1
  fi
  npx --no-install next build
)

echo "== end to end in Chromium" >&2
bash scripts/browser-test.sh nextjs/e2e.test.js

echo "== the same app on Next 15 (middleware.ts instead of proxy.ts): build, end to end" >&2
next15="${target_dir}/nextjs15"
rm -rf "$next15"
mkdir -p "$next15"
(
  cd examples/nextjs
  tar --exclude=node_modules --exclude=.next --exclude=next-env.d.ts -cf - .
) | (cd "$next15" && tar xf -)
(
  cd "$next15"
  # What docs/nextjs.md tells a Next 15 app: the file is middleware.ts, the export middleware.
  sed 's/^export const proxy = /export const middleware = /' proxy.ts > middleware.ts
  rm proxy.ts
  node -e '
    const fs = require("fs");
    const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
    p.dependencies.next = "15.5.29";
    p.dependencies["@postern/next"] = "file:" + process.argv[1];
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2));
  ' "$tarball"
  rm -f package-lock.json
  npm install --no-package-lock --no-audit --no-fund --loglevel=error
  npx --no-install next build
)
# Browsed as localhost: Next 15's middleware rewrites 127.0.0.1 in a redirect to localhost.
NEXTJS_APP_DIR="$next15" NEXTJS_APP_HOST=localhost bash scripts/browser-test.sh nextjs/e2e.test.js
