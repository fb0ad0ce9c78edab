#!/usr/bin/env bash
# The README's test command: builds pyinspect (the integration tests run the built
# .build/debug/pyinspect against real interpreters), then runs every test target, unit and
# integration. Extra arguments go to `swift test` (e.g. --filter IntegrationTests).
# Narrow the interpreters with PYINSPECT_TEST_PYTHONS=3.11,3.13,debian,sid-3.14 (PYINSPECT_ROOTS=none skips
# making the Debian roots). The library tests run in the
# venvs that scripts/venvs.sh makes (a few seconds when they are there; about two minutes from nothing).
# If it cannot make them (no PyPI) the run stops under CI; elsewhere the library tests without a venv
# are left out and the output says so.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
swift build
# The Debian roots (sid: 3.13.x, 3.14, 3.15; trixie: 3.13.5) whose interpreters the suite also attaches to:
# made once per machine (about 40 s each); where one cannot be made, its interpreters are skipped and said so.
if ! scripts/roots.sh; then
    echo "test.sh: scripts/roots.sh could not make every Debian root: their interpreters are skipped" >&2
fi
if ! scripts/venvs.sh; then
    [ -z "${CI:-}" ] || { echo "test.sh: scripts/venvs.sh failed" >&2; exit 1; }
    echo "test.sh: scripts/venvs.sh failed: the library tests without a venv do not run" >&2
fi
swift test "$@"
