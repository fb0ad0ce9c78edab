#!/usr/bin/env bash
# The long runs of the corrupt-memory fuzzing (issue 6):
#  1. the unit-test harness: CASES damaged synthetic heaps per CPython layout, each read strictly
#     and leniently (the suite runs 250);
#  2. `pyinspect fuzz`: a recording of a real process per installed interpreter, CASES damaged
#     copies each (the suite runs 60).
# usage: scripts/fuzz.sh [CASES]   (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-5000}"
swift build
PYINSPECT_FUZZ_CASES="$cases" swift test --filter FuzzTests
root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
for python in "$root"/versions/3.{8,9,10,11,12,13}.*/bin/python /usr/bin/python3; do
    [ -x "$python" ] || continue
    coproc target { exec "$python" -S Tests/IntegrationTests/Targets/requests_target.py; }
    read -r ready pid <&"${target[0]}"
    echo "requests 50" >&"${target[1]}"
    read -r _ <&"${target[0]}"
    echo -n "$python: "
    .build/debug/pyinspect fuzz "$pid" --cases "$cases" --seed "$RANDOM"
    exec {target[1]}>&-
    wait "$target_PID" || true
done
