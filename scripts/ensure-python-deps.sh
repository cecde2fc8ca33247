#!/usr/bin/env bash
# Makes sure a Python 3 with aiosmtpd and dkimpy is available for the SMTP tests (the
# sink in tests/support/smtp_sink.py). Idempotent: does nothing when `python3` can
# already import both; otherwise installs them from PyPI with pip, and if that fails,
# Debian's packages (python3-aiosmtpd, python3-dkim) for the system Python.
#
# The last line on stdout is the path of the interpreter to run the sink with; all other
# output goes to stderr.
set -euo pipefail

PY="${PYTHON:-python3}"
has_deps() { "$1" -c 'import aiosmtpd, dkim' >/dev/null 2>&1; }
found() { command -v "$1" 2>/dev/null || echo "$1"; exit 0; }

has_deps "$PY" && found "$PY"
[ -x /usr/bin/python3 ] && has_deps /usr/bin/python3 && found /usr/bin/python3

if command -v "$PY" >/dev/null 2>&1; then
  echo "installing aiosmtpd and dkimpy with pip for $PY" >&2
  # A Debian system Python refuses pip installs (PEP 668) unless told otherwise.
  if "$PY" -m pip install --quiet --disable-pip-version-check aiosmtpd dkimpy >&2 \
    || "$PY" -m pip install --quiet --disable-pip-version-check --break-system-packages aiosmtpd dkimpy >&2; then
    has_deps "$PY" && found "$PY"
  fi
fi

echo "pip did not work: installing Debian's python3-aiosmtpd and python3-dkim" >&2
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3 python3-aiosmtpd python3-dkim >&2
has_deps /usr/bin/python3 && found /usr/bin/python3

echo "aiosmtpd and dkimpy are not available after installing them" >&2
exit 1
