#!/usr/bin/env bash
# Quick start, step 1: set up, build, and run pyinspect on its bundled leaky demo program.
# Attaching needs ptrace permission over the demo (its parent is pyinspect, which Yama allows);
# run with sudo if your system forbids it. Extra arguments go to `pyinspect demo` (e.g. --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
exec .build/release/pyinspect demo "$@"
