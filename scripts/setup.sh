#!/usr/bin/env bash
# Installs what pyinspect needs to build on Debian 12 (libelf, libunwind, libsqlite3, libunicorn, pkg-config), then builds
# it. Usage: scripts/setup.sh [debug|release]   (default release). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-release}"

need=()
# The tests also parse `check --format openmetrics` with python3-prometheus-client and query
# snapshots with the sqlite3 CLI, as docs/snapshot-schema.md does.
for pkg in libelf-dev libunwind-dev liblzma-dev libsqlite3-dev libunicorn-dev pkg-config python3-prometheus-client sqlite3; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: swift is not on PATH (install Swift 6 from swift.org)" >&2; exit 1; }
echo "setup: swift build -c $config" >&2
swift build -c "$config" >&2
