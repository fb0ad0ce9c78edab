#!/usr/bin/env bash
# Makes the venvs that the library tests (LibraryTargetsTests) start libraries_target.py with: one per
# interpreter under test (pyenv's newest 3.8 … 3.13 and Debian's /usr/bin/python3), each with the
# pinned libraries of Tests/IntegrationTests/requirements-libraries.txt installed from binary wheels
# only. They live outside the repository, in ${PYINSPECT_VENV_DIR:-/var/cache/pyinspect/venvs}/SERIES
# (SERIES = 3.8 … 3.13, debian), so every clone and worktree shares them.
# A finished venv holds a stamp (the requirements file's hash and the interpreter's version): a venv
# whose stamp matches is left alone, so a second run takes seconds; any other is made anew.
# PYINSPECT_TEST_PYTHONS=3.11,debian narrows the series, as it does for the tests. Safe to run again,
# and from two clones at once (a lock).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="$PWD/Tests/IntegrationTests/requirements-libraries.txt"
root="${PYINSPECT_VENV_DIR:-/var/cache/pyinspect/venvs}"
pyenv_versions="${PYENV_ROOT:-$HOME/.pyenv}/versions"
all_series=(3.8 3.9 3.10 3.11 3.12 3.13 debian)
IFS=',' read -r -a series_list <<< "${PYINSPECT_TEST_PYTHONS:-$(IFS=,; echo "${all_series[*]}")}"

say() { echo "venvs: $*" >&2; }

# The interpreter of a series, as Tests/IntegrationTests/Support.swift finds it: the newest
# versions/X.Y.Z/bin/python of pyenv (not 3.13.0t and the like), or /usr/bin/python3.
interpreter() {
    if [ "$1" = debian ]; then
        [ -x /usr/bin/python3 ] && echo /usr/bin/python3
        return 0
    fi
    local best="" best_micro=-1 dir micro
    for dir in "$pyenv_versions/$1".*; do
        micro="${dir##*/$1.}"
        [[ "$micro" =~ ^[0-9]+$ ]] && [ -x "$dir/bin/python" ] || continue
        if [ "$micro" -gt "$best_micro" ]; then best="$dir/bin/python" best_micro="$micro"; fi
    done
    [ -n "$best" ] && echo "$best"
    return 0
}

# Debian splits venv's pip bootstrap (ensurepip) into python3-venv; install it as scripts/setup.sh
# installs what the build needs.
debian_venv_support() {
    /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null && return 0
    say "installing python3-venv (Debian's python3 cannot make a venv with pip without it)"
    local sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq python3-venv >/dev/null
}

# The libraries the scenarios use (not their dependencies, which a series may simply not need).
libraries=(multidict yarl frozenlist propcache msgpack lxml pydantic sqlalchemy numpy uvloop aiohttp)

# Prints each library that the requirements leave out for this interpreter (every one of its lines has
# a marker that is false here: no wheel for the series).
left_out() {
    "$1" - "$requirements" "${libraries[@]}" <<'PY'
import sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
kept, dropped = set(), set()
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    requirement = Requirement(line)
    name = canonicalize_name(requirement.name)
    (kept if requirement.marker is None or requirement.marker.evaluate() else dropped).add(name)
for name in sorted((dropped - kept) & set(sys.argv[2:])):
    print(name)
PY
}

make_venv() {  # SERIES PYTHON
    local series="$1" python="$2" venv="$root/$1" version stamp
    version="$("$python" -c 'import sys; print(sys.version.split()[0])')"
    stamp="requirements $(sha256sum "$requirements" | cut -d' ' -f1) python $version $python"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.pyinspect-stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    say "$series: making $venv (python $version)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    # --no-deps: the file pins every dependency too, and `pip check` fails if one is missing.
    if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input --only-binary :all: \
            --no-deps -r "$requirements" > "$venv/install.log" 2>&1; then
        cat "$venv/install.log" >&2
        say "$series: pip install failed (log above); the venv is left unstamped"
        return 1
    fi
    if ! "$venv/bin/python" -m pip check --disable-pip-version-check > "$venv/check.log" 2>&1; then
        cat "$venv/check.log" >&2
        say "$series: a dependency is not pinned in $requirements (pip check above); the venv is left unstamped"
        return 1
    fi
    local name
    for name in $(left_out "$venv/bin/python"); do
        say "$series: $name has no binary wheel for python $version; left out (its scenario is skipped)"
    done
    echo "$stamp" > "$venv/.pyinspect-stamp"
}

mkdir -p "$root" || { say "cannot create $root: set PYINSPECT_VENV_DIR to a writable directory"; exit 1; }
exec 9> "$root/.lock"
flock 9
started=$SECONDS
failed=0
for series in "${series_list[@]}"; do
    series="${series// /}"
    [ -n "$series" ] || continue
    python="$(interpreter "$series")"
    if [ -z "$python" ]; then
        say "$series: no interpreter installed; no venv (its library tests are skipped)"
        continue
    fi
    [ "$series" != debian ] || debian_venv_support
    make_venv "$series" "$python" || failed=1
done
[ $((SECONDS - started)) -lt 5 ] || say "done in $((SECONDS - started)) s"
exit "$failed"
