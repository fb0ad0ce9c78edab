#!/usr/bin/env python3
"""Generate Sources/CPythonLayouts/Generated/GeneratedLayouts.swift from the DWARF of real CPython builds.

Every field of `PythonLayout` (see Sources/CPythonLayouts/PythonLayout.swift) is read from the debug
info of a shared libpython with `gdb -batch` (gdb's embedded Python). Nothing is hard-coded: each
offset is resolved twice -- with gdb's expression evaluator (`(long)&((T *)0)->a.b`) and by walking
`gdb.Type.fields()` bit positions (which also sees through anonymous unions/structs) -- and the two
must agree. Sizes come from `sizeof(T)`; when a structure has several names (typedef and struct tag)
every name that resolves must give the same size. With --root, the same tables are resolved from
`offsetof` probes of a build's `-dev` headers instead (probe.py, probed.py).

This file is the command line; the generator is in scripts/layouts/, one job per module:
  spec_layout.py     what each PythonLayout field is: TYPES, LAYOUT, STATICS, TYPE_CHECKS
                     (and which fields are optional in which series)
  spec_stacks.py     the LAYOUT groups of the thread-stack reader: StackLayout, LongLayout
  spec_traverse.py   TRAVERSE: the fields each plain-field tp_traverse visits, per series
  spec_frames.py     FrameTraversalLayout's tables: FRAMES (FRAME_*, GENERATORS), ASYNCIO*, HAMT_ARRAYS,
                     MODULE_TYPES, DICT_SUBTYPES, DEQUE, EXTRA_CHECKS
  gdb_backend.py     which builds (pyenv, --python); one gdb session per library, running gdb_helper.py
  dwarf.py           one build's tables from DWARF: LAYOUT, STATICS, structural checks; then plain.py
                     (TRAVERSE), frames.py, aio.py (_asyncio), extras.py and deque.py
  verify.py          the disassembly check of every traverse function, with field_visits.py (plain
                     fields), tracer.py (the symbolic x86-64 trace), trace_shape.py and x86.py;
                     tested by test_tracer.py
  probe.py, probed.py   --root: offsetof probes of -dev headers (tested by test_probe.py)
  render.py          the Swift file, the C names of emitted offsets, the --dry-run table
  facts.py           the cross-check against docs/cpython-gc-internals.md
  common.py          GenError, series ranges, per_series, the q_* query constructors

The script fails loudly (exit status 1, nothing written) when

  * a field that must exist for a series cannot be resolved (it never writes 0 for it),
  * a field that is `nil` for a series unexpectedly *does* exist in that build (the presence table
    LAYOUT would be stale),
  * containment checks fail (e.g. `interp.gc` is not a `struct _gc_runtime_state`, `generations`
    is not an array of `struct gc_generation`, sizeof(_PyRuntimeState) differs from the size of the
    `_PyRuntime` symbol, the build's own `Py_Version` (3.11+) differs from its interpreter's version),
  * two builds of the same series are given, or a series outside 2.7, 3.6-3.13 is given,
  * a STATICS variable (3.6: gcmodule.c's generations, enabled, debug, collecting, garbage, generation_stats,
    _PyGC_generation0 and pystate.c's interp_head, which stand in for `_PyRuntime`) is missing, has another
    C type, or exists outside its series; `_PyRuntime` exists where the runtime group says it does not,
  * a TRAVERSE entry's type exists outside its "exists" range (contextvars and the HAMT: 3.7+),
  * a `TraversalLayout.pointerFields` list (the TRAVERSE table: per type and series, the fields its
    tp_traverse visits, transcribed from the CPython sources) disagrees with the build: a member does
    not resolve or is not a pointer, the type object's tp_traverse is not the named function, its
    tp_basicsize is not sizeof(struct), or -- on x86-64 -- the disassembled traverse function does not
    pass exactly the listed field offsets to `visit` (or hands `visit` to something unexpected),
  * a `FrameTraversalLayout` fact (the `frames:` argument: frame_traverse, _PyFrame_Traverse,
    gen_traverse, async_gen_traverse, and FutureObj_traverse / TaskObj_traverse from the build's
    lib-dynload/_asyncio extension, which must exist) disagrees with the build: see FRAMES in spec_frames.py. The
    x86-64 check there is a symbolic trace (`trace_function`): the set of things handed to `visit` --
    fixed fields, the fast-locals array, the value stack, localsplus[0..stacktop) -- must equal what the
    resolved offsets describe, calls handed `visit` (_PyFrame_Traverse, FutureObj_traverse) must be
    exactly the expected ones with the expected guard (owner == FRAME_OWNED_BY_FRAME_OBJECT,
    gi_frame_state < FRAME_CLEARED) or none, and the code-object counts / stack bounds must be read.
    TRAVERSE entries may name "left_out" fields: the compiled function must visit exactly those besides the
    listed ones (PyCFunction_Type's conditional mm_class), and they are not written,
  * one of the newer FrameTraversalLayout tables disagrees with the build, checked the same way (type
    object or PyType_Spec: tp_name, traverse function, basicsize/itemsize; then the trace):
    `arrayFields` (HAMT_ARRAYS: one inline array, Py_SIZE(self) elements counted down to 0 or a fixed-size
    array with its end compare), `moduleFields` (MODULE_TYPES: functools.partial), `dictSubtypeFields`
    (DICT_SUBTYPES: the listed fields, the documented left-out visits, then an unconditional tail call of
    PyDict_Type.tp_traverse through the GOT slot the R_X86_64_GLOB_DAT relocation for PyDict_Type names,
    read from the library's ELF section headers), more `asyncioFields` (ASYNCIO_MORE, keyed by each series'
    tp_name; ASYNCIO_ABSENT and _RunningLoopHolder's non-GC status are checked too), or EXTRA_CHECKS fail.

Optional fields (Swift `Int?`) and the series that have them: see spec_layout.py. Names (the C names of
every emitted offset list): see render.py.

Known values from docs/cpython-gc-internals.md are compared at the end and printed as OK/MISMATCH;
a mismatch is a warning (a different patch release may legitimately differ) unless --strict-check.

Usage:
  scripts/gen-layouts.py                      # every pyenv build of 3.6-3.13 (newest patch per series)
  scripts/gen-layouts.py --python PATH ...    # PATH: a python executable or a libpythonX.Y.so.1.0
  scripts/gen-layouts.py --out FILE           # default: Sources/CPythonLayouts/Generated/GeneratedLayouts.swift
  scripts/gen-layouts.py --dry-run            # resolve and print the table, write nothing
  scripts/gen-layouts.py --strict-check       # fact-sheet mismatches are errors
  scripts/gen-layouts.py --gdb /usr/bin/gdb   # gdb to use (needs its Python extension)
  scripts/gen-layouts.py --no-disasm-check    # do not check TRAVERSE against the compiled code (non-x86-64)
  scripts/gen-layouts.py --verbose            # print how each field was resolved and checked
  scripts/gen-layouts.py --root DIR ...       # a Debian root (scripts/roots.sh): probe its python3.X headers
                                              # and write --probed-out (ProbedLayouts.swift)

Needs only the Python 3 standard library and gdb (run twice per build: libpython, then _asyncio); the ELF
relocations are read with the standard library. Writes only the output file (and a temporary
query file under the system temp directory, removed afterwards).
"""

import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "layouts"))

from common import GenError, in_range, per_series, series_str  # noqa: E402,F401
from dwarf import extract  # noqa: E402
from facts import fact_check  # noqa: E402
from gdb_backend import SUPPORTED, build_from_arg, default_builds  # noqa: E402
from render import attach_field_names, render, summary  # noqa: E402
# Also read by layouts/probed.py, which is handed this module as `gl` (with shutil, in_range, per_series).
from spec_frames import FRAME_FIELD_LISTS, FRAME_LABELS, FRAME_SCALARS, GENERATORS  # noqa: E402,F401
from spec_layout import LAYOUT, TYPES, q_off, q_size, q_typed  # noqa: E402,F401
from spec_traverse import TRAVERSE, traverse_paths  # noqa: E402,F401

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "Sources", "CPythonLayouts", "Generated", "GeneratedLayouts.swift")
PROBED_OUT = os.path.join(REPO, "Sources", "CPythonLayouts", "Generated", "ProbedLayouts.swift")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", action="append", metavar="PATH",
                    help="python executable or libpythonX.Y.so.1.0 with DWARF (repeatable; default: pyenv builds)")
    ap.add_argument("--out", default=DEFAULT_OUT, metavar="FILE", help="Swift file to write (default: %(default)s)")
    ap.add_argument("--gdb", default=shutil.which("gdb") or "/usr/bin/gdb", help="gdb with Python (default: %(default)s)")
    ap.add_argument("--dry-run", action="store_true", help="resolve and print, write nothing")
    ap.add_argument("--strict-check", action="store_true", help="treat fact-sheet mismatches as errors")
    ap.add_argument("--verbose", "-v", action="store_true", help="print how each field was resolved")
    ap.add_argument("--no-disasm-check", action="store_true",
                    help="do not check TRAVERSE against the compiled tp_traverse functions (needed off x86-64)")
    ap.add_argument("--root", action="append", metavar="DIR",
                    help="a Debian root (scripts/roots.sh): probe the headers of each of its python3.X instead of "
                         "DWARF, and write --probed-out (repeatable)")
    ap.add_argument("--probed-out", default=PROBED_OUT, metavar="FILE", help="default: %(default)s")
    args = ap.parse_args(argv)
    if args.root:
        import probed
        return probed.run(sys.modules[__name__], args.root, args.probed_out, args.dry_run)

    try:
        builds = [build_from_arg(p) for p in args.python] if args.python else default_builds()
        seen = {}
        for b in builds:
            if b["series"] not in SUPPORTED:
                raise GenError("%s: series %s is outside 3.8-3.13" % (b["lib"], series_str(b["series"])))
            if b["series"] in seen:
                raise GenError("two builds of %s: %s and %s" % (series_str(b["series"]), seen[b["series"]], b["lib"]))
            seen[b["series"]] = b["lib"]
        builds.sort(key=lambda b: b["series"])
        failures = []
        for b in builds:
            print("reading DWARF of %s (%s)" % (b["lib"], b["version"]), file=sys.stderr)
            try:
                b["values"], b["how"], b["types"] = extract(b, args.gdb, disasm_check=not args.no_disasm_check)
                attach_field_names(b)
            except GenError as e:
                failures.append(str(e))
                continue
            if args.verbose:
                for k, t in sorted(b["types"].items()):
                    print("  type %-10s %s" % (k, t.get("resolved", t.get("error"))))
                for k, h in b["how"].items():
                    print("  %-36s %s" % (k, h))
        if failures:
            raise GenError("\n".join(failures))
    except GenError as e:
        print("gen-layouts: error:\n%s" % e, file=sys.stderr)
        print("gen-layouts: nothing written", file=sys.stderr)
        return 1

    print(summary(builds))
    print()
    lines, bad = fact_check(builds)
    print("cross-check against docs/cpython-gc-internals.md:")
    print("\n".join(lines))
    if bad and args.strict_check:
        print("gen-layouts: %d fact-sheet mismatches (--strict-check); nothing written" % bad, file=sys.stderr)
        return 1
    if bad:
        print("gen-layouts: warning: %d fact-sheet mismatches (see above)" % bad, file=sys.stderr)

    text = render(builds)
    if args.dry_run:
        print("\n(dry run: %s not written)" % args.out)
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.out)
    print("\nwrote %s (%s)" % (os.path.relpath(args.out), ", ".join("v%d_%d" % b["series"] for b in builds)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
