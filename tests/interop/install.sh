#!/usr/bin/env bash
# Installs what the tests need, and nothing else: Debian's nginx and python3-websockets, openssl for the test
# certificates, tmux for the console chat's terminal test, Node.js if it is missing, and the Node peer's locked packages
# (npm ci). Quick and silent when all is
# there; `apt-get update` runs only when a Debian package is missing. Called by .ci/run and, when a peer finds
# something missing, by the interop test fixture. Exits non-zero with the reason when something cannot be installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# One install at a time: the test fixtures of several peers may call this script at once.
exec 9>"${TMPDIR:-/tmp}/realtimeclient-interop-install.lock"
flock -w 600 9 || { echo "install.sh: another install held the lock for 10 minutes" >&2; exit 1; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for package in nginx python3-websockets openssl tmux; do
  installed "$package" || missing+=("$package")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: missing ${missing[*]}; run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "install.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -q
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
fi

# The Node peer: npm ci when node_modules is missing or was installed from another lockfile.
node_dir="$here/node"
stamp="$node_dir/node_modules/.installed-from-lock.sha256"
lock_sha=$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sha" ]; then
  echo "install.sh: npm ci in tests/interop/node"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sha" > "$stamp"
fi
