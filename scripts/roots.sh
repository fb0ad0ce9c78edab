#!/usr/bin/env bash
# Makes the Debian roots whose interpreters the tests attach to beyond pyenv's: sid (3.13.x, 3.14.x,
# 3.15.x) and trixie (3.13.5), each with the -dev headers that scripts/gen-layouts.py probes for the
# builds that carry no debug information. A root is a `debootstrap --variant=minbase` folder; targets
# run as `chroot ROOT python3.X` and pyinspect reads them through /proc/PID/root, as a container.
# They live outside the repository, in ${PYINSPECT_ROOT_DIR:-/var/cache/pyinspect/roots}/SUITE, so every
# clone shares them. A finished root holds a stamp (its package list): a root whose stamp matches is
# left alone (a second run takes milliseconds); any other is made anew (about 40 s and 400 MB each).
# Needs root (debootstrap, chroot) and Debian's archive. PYINSPECT_ROOTS=sid narrows the suites, "none"
# makes none. Exits 1 when a root cannot be made; the tests then skip its interpreters and say so.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${PYINSPECT_ROOT_DIR:-/var/cache/pyinspect/roots}"
declare -A packages=(
    [sid]="python3.13 python3.14 python3.15 python3.13-dev python3.14-dev python3.15-dev"
    [trixie]="python3.13 python3.13-dev"
)
IFS=',' read -r -a suites <<< "${PYINSPECT_ROOTS:-sid,trixie}"
[ "${suites[*]}" != none ] || exit 0

say() { echo "roots: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { say "making a Debian root needs root (debootstrap, chroot); run as root"; exit 1; }
if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

status=0
for suite in "${suites[@]}"; do
    list="${packages[$suite]:-}"
    [ -n "$list" ] || { say "no package list for suite $suite"; status=1; continue; }
    root="$dir/$suite"
    stamp="suite=$suite packages=$list"
    if [ -f "$root/.pyinspect-stamp" ] && [ "$(cat "$root/.pyinspect-stamp")" = "$stamp" ]; then
        continue
    fi
    say "making $root (debootstrap $suite: ${list// /, })"
    rm -rf "$root" "$root.partial"
    if debootstrap --variant=minbase --include="${list// /,}" "$suite" "$root.partial" >"$dir/$suite.log" 2>&1; then
        echo "$stamp" > "$root.partial/.pyinspect-stamp"
        mv "$root.partial" "$root"
        say "$root: $(cd "$root/usr/bin" && ls python3.* | grep -E '^python3\.[0-9]+t?$' | tr '\n' ' ')"
    else
        say "debootstrap $suite failed (see $dir/$suite.log): its interpreters are not tested"
        rm -rf "$root.partial"
        status=1
    fi
done
exit $status
