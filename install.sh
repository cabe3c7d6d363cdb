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
    # Another apt or dpkg (unattended upgrades, a second install) may hold the lock: wait for
    # it up to APT_LOCK_TIMEOUT seconds instead of failing at once with rc 100.
    wait_s=${APT_LOCK_TIMEOUT:-600}
    apt_opts=(-o "DPkg::Lock::Timeout=$wait_s")
    apt_failed() {
      echo "install.sh: error: apt-get $1 failed (rc $2); if another apt/dpkg held the lock for" \
        "more than ${wait_s} s, wait for it to finish (or raise APT_LOCK_TIMEOUT) and rerun" >&2
      exit "$2"
    }
    apt-get "${apt_opts[@]}" update -qq || apt_failed update $?
    DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null || apt_failed install $?
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
# pip's build of the editable package repeats setuptools' deprecation and "Location ... is
# ignored" warnings on every install; keep the log, show it whole only if pip fails.
log=$(mktemp)
if ! .venv/bin/python -m pip install -q -e '.[test,ray]' >"$log" 2>&1; then
  grep -v -e 'SetuptoolsDeprecationWarning' -e 'is ignored: it is neither' "$log" >&2 || cat "$log" >&2
  echo "install.sh: error: pip install failed (full log: $log)" >&2
  exit 1
fi
grep -i -e '^error' -e 'ERROR:' "$log" >&2 || true
rm -f "$log"
echo "install.sh: ready (.venv/bin/cadresim)"
