#!/usr/bin/env bash
# The long run of the corrupt-memory fuzz test (issue 6): CASES damaged heaps per CPython layout
# (default 20000), each read strictly and leniently, through the list walk and the cycle analysis.
# The test suite runs the same harness with 250 cases per layout.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-20000}"
PYINSPECT_FUZZ_CASES="$cases" swift test --filter FuzzTests
echo "fuzz: $cases cases per layout x 6 layouts x 2 readings, no crash, no hang"
