#!/usr/bin/env bash
# Makes sure an `nginx` binary is on PATH for the cluster tests, which run their own nginx
# (no daemon, config and pid in a temp dir). Idempotent: does nothing when nginx is
# installed; otherwise installs Debian's package. The package's own service is not needed.
set -euo pipefail

command -v nginx >/dev/null 2>&1 && exit 0
# Debian keeps nginx in /usr/sbin, which may not be on a non-root PATH.
[ -x /usr/sbin/nginx ] && exit 0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nginx >/dev/null
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
echo "nginx is not available after installing it" >&2
exit 1
