"""pyinspect integration target: garbage whose reference cycles run through objects of C types --
core C types of CPython and the types of C-extension libraries (C, Cython, Rust) -- next to live
structures of the same kinds, reachable from a module global, that must never be reported.

Each scenario (a module of the `libraries` package beside this file) builds K units of garbage and K
live units with the same code. A unit's cycle runs through the C objects on purpose: every unit
names, with `probe(obj, via)`, an object that is garbage only because the C object `via` reports
its reference to the collector (its tp_traverse). The truth is the collector's own, computed as
cycles_target.py does it: a forked child sets DEBUG_COLLECTABLE, runs one full collection and
records the `gc: collectable <type 0xADDR>` lines; the parent never collects and idles in read(0).
The child also checks every probe against a model of the collector run on the references it saw
(libraries/truth.py): with `via`'s references hidden, `obj` must survive.

usage: python -B libraries_target.py --scenario NAME --expect FILE [--count K]
       python -B libraries_target.py --scenario NAME --check
Run it with a venv's python from scripts/venvs.sh (not -S: the libraries are in site-packages).
A scenario whose library cannot be imported by this interpreter prints one line `SKIP <reason>`
and exits 5 (also with --check, which otherwise prints `OK` and exits 0); a library that imports
but runs without its compiled extension (or is pydantic v1) is an error (exit 6): it would test
something else. The truth child's failures are exit 4, with the reason on stderr.
"""
import gc
import importlib
import os
import signal
import sys

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from libraries import SCENARIOS, Unavailable, Unsuitable, run_units  # noqa: E402
from libraries import truth  # noqa: E402


def option(args, name, default=None):
    return args[args.index(name) + 1] if name in args else default


def main():
    args = sys.argv[1:]
    name = option(args, "--scenario")
    if name not in SCENARIOS:
        sys.stderr.write("libraries_target: --scenario must be one of %s\n" % ", ".join(sorted(SCENARIOS)))
        sys.exit(2)
    try:
        require, units = importlib.import_module("libraries." + SCENARIOS[name]).SCENARIOS[name]
        require()
    except Unavailable as reason:
        sys.stdout.write("SKIP %s\n" % reason)
        sys.stdout.flush()
        sys.exit(5)
    except Unsuitable as reason:
        sys.stderr.write("libraries_target: %s\n" % reason)
        sys.exit(6)
    if "--check" in args:
        sys.stdout.write("OK\n")
        return
    expect = option(args, "--expect")
    count = int(option(args, "--count", "3"))
    gc.collect()
    gc.disable()
    run_units(units, count)
    status = truth.write_truth(expect)
    if status != 0:
        sys.stderr.write("libraries_target: the truth child failed (status %d): %s\n"
                         % (status, truth.failure_text(expect)))
        sys.exit(4)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()
    # No finalization: it would free the garbage and the leaks of C objects, which is not under test
    # (and 3.12.1 crashes there on a live itertools.tee in a cycle).
    os._exit(0)


main()
