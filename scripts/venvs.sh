#!/usr/bin/env bash
# Makes the venvs that the library tests (LibraryTargetsTests) start libraries_target.py with: one per
# interpreter under test, each with the pinned libraries of Tests/IntegrationTests/requirements-libraries.txt
# installed from binary wheels only.
# - pyenv's newest 3.6 … 3.13 and Debian's /usr/bin/python3 (SERIES = 3.6 … 3.13, debian): in
#   ${PYINSPECT_VENV_DIR:-/var/cache/pyinspect/venvs}/SERIES, outside the repository, so every clone and
#   worktree shares them.
# - the Debian roots' interpreters of scripts/roots.sh (SERIES = trixie-3.13, sid-3.13, sid-3.14, sid-3.15):
#   made inside the root by the root's own python3.X, at /opt/pyinspect-venvs/SERIES, so that a target runs
#   as `chroot ROOT /opt/pyinspect-venvs/SERIES/bin/python` and the host finds the stamp at
#   ROOT/opt/pyinspect-venvs/SERIES. Debian keeps venv's pip bootstrap in python3.X-venv: it is installed
#   into the root at exactly the interpreter's version, so apt never upgrades the interpreter under test.
#   A root that scripts/roots.sh makes anew loses its venvs, and the next run makes them again.
# 2.7 gets none: it has no venv module, libraries_target.py's scenarios are Python 3 code (keyword
# metaclasses, annotations, __qualname__, SimpleNamespace, ...), and of the libraries only lxml 5.0,
# msgpack 0.6, numpy 1.16 (before numpy.random.Generator) and SQLAlchemy 1.4 (no Cython extension) still
# had cp27 wheels: none of its scenarios could run there without rewriting them for Python 2.
# A finished venv holds a stamp (the requirements file's hash and the interpreter's version): a venv
# whose stamp matches is left alone, so a second run takes seconds; any other is made anew. A library
# whose lines all have a false marker for a series (no wheel of it or of a dependency), or that only a
# pure-Python wheel installs, is named with the reason in the venv's .pyinspect-left-out, which the
# tests quote when they skip its scenario.
# PYINSPECT_TEST_PYTHONS=3.11,debian,sid-3.14 narrows the series, as it does for the tests. Safe to run
# again, and from two clones at once (a lock).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="$PWD/Tests/IntegrationTests/requirements-libraries.txt"
root="${PYINSPECT_VENV_DIR:-/var/cache/pyinspect/venvs}"
roots="${PYINSPECT_ROOT_DIR:-/var/cache/pyinspect/roots}"
root_venvs=/opt/pyinspect-venvs  # inside a Debian root
pyenv_versions="${PYENV_ROOT:-$HOME/.pyenv}/versions"
all_series=(3.6 3.7 3.8 3.9 3.10 3.11 3.12 3.13 debian trixie-3.13 sid-3.13 sid-3.14 sid-3.15)
IFS=',' read -r -a series_list <<< "${PYINSPECT_TEST_PYTHONS:-$(IFS=,; echo "${all_series[*]}")}"

say() { echo "venvs: $*" >&2; }

is_root_series() { [[ "$1" =~ ^(sid|trixie)-3\.[0-9]+$ ]]; }

# The Debian root of a root series (sid-3.14 -> ROOTS/sid), empty for the others.
root_of() {
    if is_root_series "$1"; then echo "$roots/${1%%-*}"; fi
}

# The interpreter of a series, as Tests/IntegrationTests/Support.swift finds it: the newest
# versions/X.Y.Z/bin/python of pyenv (not 3.13.0t and the like), /usr/bin/python3, or a root's
# /usr/bin/python3.X (as the root sees it) once scripts/roots.sh stamped the root finished.
interpreter() {
    if [ "$1" = debian ]; then
        [ -x /usr/bin/python3 ] && echo /usr/bin/python3
        return 0
    fi
    if is_root_series "$1"; then
        local dir python="/usr/bin/python${1#*-}"
        dir="$(root_of "$1")"
        [ -x "$dir$python" ] && [ -f "$dir/.pyinspect-stamp" ] && echo "$python"
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

# Runs a command on the host, or inside the Debian root $chroot.
chroot=""
run() {
    if [ -n "$chroot" ]; then chroot "$chroot" "$@"; else "$@"; fi
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

# The same inside a root, for its python3.X (PYTHON as the root sees it): python3.X-venv of the very
# version installed, so that apt fails rather than upgrade the interpreter under test. Sid's Release
# file expires within days of the archive's snapshot: its validity is not checked.
root_venv_support() {  # PYTHON
    local package="${1##*/}" version
    run "$1" -c 'import ensurepip, venv' 2>/dev/null && return 0
    version="$(run dpkg-query -W -f='${Version}' "$package")"
    say "installing $package-venv=$version into $chroot (venv's pip bootstrap)"
    local log="$chroot/var/log/pyinspect-venv-apt.log"
    if ! { run apt-get -o Acquire::Check-Valid-Until=false update \
            && run env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package-venv=$version"; } > "$log" 2>&1; then
        tail -20 "$log" >&2
        say "cannot install $package-venv=$version into $chroot (log above, all of it in $log)"
        return 1
    fi
}

# The libraries the scenarios use (not their dependencies, which a series may simply not need).
libraries=(multidict yarl frozenlist propcache msgpack lxml pydantic sqlalchemy numpy uvloop aiohttp)

# Prints "NAME: why" for each library the scenarios cannot test with the interpreter PYTHON: one that
# REQUIREMENTS leave out (every line of it has a marker that is false there: no wheel for the series),
# and one installed from a pure-Python wheel only (a dependency needs it; its compiled part is missing).
left_out() {  # PYTHON REQUIREMENTS
    run "$1" - "$2" "${libraries[@]}" <<'PY'
import glob, os, sys, sysconfig
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
version = sys.version.split()[0]
kept, dropped = set(), set()
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    requirement = Requirement(line)
    name = canonicalize_name(requirement.name)
    (kept if requirement.marker is None or requirement.marker.evaluate() else dropped).add(name)
for name in sorted((dropped - kept) & set(sys.argv[2:])):
    print("%s: no binary wheel of it or of a dependency for python %s" % (name, version))
# The distribution with each library's compiled part: pydantic's is pydantic-core (pydantic is pure Python).
compiled = dict((name, name) for name in sys.argv[2:] if name != "pydantic")
compiled["pydantic-core"] = "pydantic"
for wheel in sorted(glob.glob(os.path.join(sysconfig.get_paths()["purelib"], "*.dist-info", "WHEEL"))):
    name = canonicalize_name(os.path.basename(os.path.dirname(wheel))[:-len(".dist-info")].rsplit("-", 1)[0])
    if name in compiled and "Root-Is-Purelib: true" in open(wheel).read():
        print("%s: only a pure-Python wheel of %s for python %s (installed for what needs it)" % (compiled[name], name, version))
PY
}

make_venv() {  # SERIES PYTHON (as the interpreter's root sees it; $chroot is the root or empty)
    local series="$1" python="$2" venv version stamp
    venv="$root/$series"
    [ -z "$chroot" ] || venv="$root_venvs/$series"
    local host="$chroot$venv"  # the venv as this script sees it
    version="$(run "$python" -c 'import sys; print(sys.version.split()[0])')"
    stamp="requirements $(sha256sum "$requirements" | cut -d' ' -f1) python $version $python"
    # A root's venv python is a link that only resolves inside the root: run it to see that it works.
    if [ "$(cat "$host/.pyinspect-stamp" 2>/dev/null)" = "$stamp" ] && run "$venv/bin/python" -c '' 2>/dev/null; then
        return 0
    fi
    say "$series: making $host (python $version${chroot:+, inside $chroot})"
    rm -rf "$host"
    run "$python" -m venv "$venv"
    # The requirements inside the venv: a root's interpreter sees nothing of the host.
    cp "$requirements" "$host/requirements-libraries.txt"
    grep -E '^pip==' "$requirements" > "$host/requirements-pip.txt" || true
    local pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input --only-binary :all: --no-deps)
    # pip in a root trusts what the host's pip trusts (PIP_CERT, else the host's CA bundle): where TLS
    # goes through the machine's own CA, only the host's bundle has it. SSL_CERT_FILE for the pip that
    # verifies through the system store (truststore), which ignores PIP_CERT.
    local bundle="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
    if [ -n "$chroot" ] && [ -f "$bundle" ]; then
        cp "$bundle" "$host/ca-certificates.crt"
        pip=(env PIP_CERT="$venv/ca-certificates.crt" SSL_CERT_FILE="$venv/ca-certificates.crt" "${pip[@]}")
    fi
    # pip first where a series pins it (its own pip cannot read the tags of the wheels); then the rest.
    # --no-deps: the file pins every dependency too, and `pip check` fails if one is missing.
    if ! { run "${pip[@]}" -r "$venv/requirements-pip.txt" && run "${pip[@]}" -r "$venv/requirements-libraries.txt"; } \
            > "$host/install.log" 2>&1; then
        cat "$host/install.log" >&2
        say "$series: pip install failed (log above); the venv is left unstamped"
        return 1
    fi
    if ! run "$venv/bin/python" -m pip check --disable-pip-version-check > "$host/check.log" 2>&1; then
        cat "$host/check.log" >&2
        say "$series: a dependency is not pinned in $requirements (pip check above); the venv is left unstamped"
        return 1
    fi
    left_out "$venv/bin/python" "$venv/requirements-libraries.txt" > "$host/.pyinspect-left-out"
    local why
    while read -r why; do
        say "$series: ${why%%:*} is not tested: ${why#*: }; its scenario is skipped"
    done < "$host/.pyinspect-left-out"
    echo "$stamp" > "$host/.pyinspect-stamp"
}

mkdir -p "$root" || { say "cannot create $root: set PYINSPECT_VENV_DIR to a writable directory"; exit 1; }
exec 9> "$root/.lock"
flock 9
started=$SECONDS
failed=0
for series in "${series_list[@]}"; do
    series="${series// /}"
    [ -n "$series" ] || continue
    [ "$series" != 2.7 ] || { say "2.7: no venv (see this script's header); its library tests are skipped"; continue; }
    python="$(interpreter "$series")"
    chroot="$(root_of "$series")"
    if [ -z "$python" ]; then
        if [ -n "$chroot" ]; then
            say "$series: no finished root with $series's interpreter in $roots (scripts/roots.sh makes it); no venv"
        else
            say "$series: no interpreter installed; no venv (its library tests are skipped)"
        fi
        continue
    fi
    if [ -n "$chroot" ] && [ "$(id -u)" -ne 0 ]; then
        say "$series: a venv inside $chroot needs root (chroot), as its tests do; none made"
        continue
    elif [ -n "$chroot" ]; then
        root_venv_support "$python" || { failed=1; continue; }
    elif [ "$series" = debian ]; then
        debian_venv_support
    fi
    make_venv "$series" "$python" || failed=1
done
[ $((SECONDS - started)) -lt 5 ] || say "done in $((SECONDS - started)) s"
exit "$failed"
