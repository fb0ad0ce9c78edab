#!/usr/bin/env bash
# The README's test command: builds pyinspect (the integration tests run the built
# .build/debug/pyinspect against real interpreters), then runs every test target, unit and
# integration. Extra arguments go to `swift test` (e.g. --filter IntegrationTests).
# Narrow the interpreters with PYINSPECT_TEST_PYTHONS=3.11,3.13,debian. The library tests run in the
# venvs that scripts/venvs.sh makes (a few seconds when they are there; about two minutes from nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
swift build
scripts/venvs.sh
swift test "$@"
