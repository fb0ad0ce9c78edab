#!/usr/bin/env bash
# The README's test command: builds pyinspect (the integration tests run the built
# .build/debug/pyinspect against real interpreters), then runs every test target, unit and
# integration. Extra arguments go to `swift test` (e.g. --filter IntegrationTests).
# Narrow the interpreters with PYINSPECT_TEST_PYTHONS=3.11,3.13,debian. The library tests run in the
# venvs that scripts/venvs.sh makes (a few seconds when they are there; about two minutes from nothing).
# If it cannot make them (no PyPI) the run stops under CI; elsewhere the library tests without a venv
# are left out and the output says so.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
swift build
if ! scripts/venvs.sh; then
    [ -z "${CI:-}" ] || { echo "test.sh: scripts/venvs.sh failed" >&2; exit 1; }
    echo "test.sh: scripts/venvs.sh failed: the library tests without a venv do not run" >&2
fi
swift test "$@"
