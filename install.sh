#!/usr/bin/env bash
# Install cadresim into ./.venv (Python 3.12) with everything its tests need, including the
# Debian packages for browser tests and static chart export (chromium, chromium-driver, CJK fonts).
# Usage: bash install.sh            # idempotent; safe to rerun
set -euo pipefail
cd "$(dirname "$0")"

DEBS=(chromium chromium-driver fonts-noto-cjk)
missing=()
for p in "${DEBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "install.sh: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install.sh: warning: Debian packages missing (${missing[*]}); browser tests and PNG export need them" >&2
  fi
fi

find_python() {
  for c in "${PYTHON:-}" python3.12 "$(pyenv root 2>/dev/null)/versions/3.12.1/bin/python3.12"; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { echo "$c"; return; }
  done
  for c in "$(pyenv root 2>/dev/null)"/versions/3.1[2-9]*/bin/python3; do
    [ -x "$c" ] && { echo "$c"; return; }
  done
  echo "install.sh: error: Python >= 3.12 not found; set PYTHON=/path/to/python3.12" >&2
  exit 2
}
PY=$(find_python)
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[test,ray]'
echo "install.sh: ready (.venv/bin/cadresim)"
