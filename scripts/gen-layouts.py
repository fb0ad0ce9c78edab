#!/usr/bin/env python3
"""Generate Sources/CPythonLayouts/Generated/GeneratedLayouts.swift from the DWARF of real CPython builds.

Every field of `PythonLayout` (see Sources/CPythonLayouts/PythonLayout.swift) is read from the debug
info of a shared libpython with `gdb -batch` (gdb's embedded Python). Nothing is hard-coded: each
offset is resolved twice -- with gdb's expression evaluator (`(long)&((T *)0)->a.b`) and by walking
`gdb.Type.fields()` bit positions (which also sees through anonymous unions/structs) -- and the two
must agree. Sizes come from `sizeof(T)`; when a structure has several names (typedef and struct tag)
every name that resolves must give the same size.

The script fails loudly (exit status 1, nothing written) when

  * a field that must exist for a series cannot be resolved (it never writes 0 for it),
  * a field that is `nil` for a series unexpectedly *does* exist in that build (the presence table
    below would be stale),
  * containment checks fail (e.g. `interp.gc` is not a `struct _gc_runtime_state`, `generations`
    is not an array of `struct gc_generation`, sizeof(_PyRuntimeState) differs from the size of the
    `_PyRuntime` symbol, the build's own `Py_Version` (3.11+) differs from its interpreter's version),
  * two builds of the same series are given, or a series outside 3.8-3.13 is given.

Optional fields (Swift `Int?`) and the series that have them:
  RuntimeLayout.gc        3.8 only   (`_PyRuntime.gc`)
  InterpreterLayout.gc    3.9+       (`interp->gc`)
  DictLayout.keysSize     3.8-3.10   (`dk_size`)
  DictLayout.keysLog2Size / keysLog2IndexBytes / keysKind / unicodeEntrySize   3.11+

Known values from docs/cpython-gc-internals.md are compared at the end and printed as OK/MISMATCH;
a mismatch is a warning (a different patch release may legitimately differ) unless --strict-check.

Usage:
  scripts/gen-layouts.py                      # every pyenv build of 3.8-3.13 (newest patch per series)
  scripts/gen-layouts.py --python PATH ...    # PATH: a python executable or a libpythonX.Y.so.1.0
  scripts/gen-layouts.py --out FILE           # default: Sources/CPythonLayouts/Generated/GeneratedLayouts.swift
  scripts/gen-layouts.py --dry-run            # resolve and print the table, write nothing
  scripts/gen-layouts.py --strict-check       # fact-sheet mismatches are errors
  scripts/gen-layouts.py --gdb /usr/bin/gdb   # gdb to use (needs its Python extension)

Needs only the Python 3 standard library and gdb. Writes only the output file (and a temporary
helper under the system temp directory, removed afterwards).
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "Sources", "CPythonLayouts", "Generated", "GeneratedLayouts.swift")
SUPPORTED = [(3, minor) for minor in range(8, 14)]

# ---------------------------------------------------------------------------------------------
# What to resolve
# ---------------------------------------------------------------------------------------------

# Logical structure -> C type names to try. Every name that resolves must have the same size.
TYPES = {
    "runtime": ["_PyRuntimeState", "struct pyruntimestate"],
    "interp": ["PyInterpreterState", "struct _is"],
    "gcstate": ["struct _gc_runtime_state", "GCState"],
    "gen": ["struct gc_generation"],
    "stats": ["struct gc_generation_stats"],
    "gchead": ["PyGC_Head"],
    "object": ["PyObject", "struct _object"],
    "varobject": ["PyVarObject"],
    "type": ["PyTypeObject", "struct _typeobject"],
    "heaptype": ["PyHeapTypeObject", "struct _heaptypeobject"],
    "list": ["PyListObject"],
    "ascii": ["PyASCIIObject"],
    "compact": ["PyCompactUnicodeObject"],
    "dict": ["PyDictObject"],
    "keys": ["PyDictKeysObject", "struct _dictkeysobject"],
    "entry": ["PyDictKeyEntry"],
    "uentry": ["PyDictUnicodeEntry"],
}

ALL = ((3, 8), (3, 13))


def q_size(t):
    return {"kind": "size", "type": t}


def q_off(t, path):
    return {"kind": "offset", "type": t, "path": path}


def q_bit(t, path, member):
    """Bit position of bitfield `member` inside the (struct) field at `path`, relative to that field."""
    return {"kind": "bit", "type": t, "path": path, "member": member}


def q_count(t, path):
    return {"kind": "count", "type": t, "path": path}


# Swift struct -> [(argument label, query, (first series, last series))], labels in initializer order.
LAYOUT = [
    ("runtime", "RuntimeLayout", [
        ("size", q_size("runtime"), ALL),
        ("interpretersHead", q_off("runtime", "interpreters.head"), ALL),
        ("interpretersMain", q_off("runtime", "interpreters.main"), ALL),
        ("gc", q_off("runtime", "gc"), ((3, 8), (3, 8))),
    ]),
    ("interpreter", "InterpreterLayout", [
        ("next", q_off("interp", "next"), ALL),
        ("id", q_off("interp", "id"), ALL),
        ("gc", q_off("interp", "gc"), ((3, 9), (3, 13))),
    ]),
    ("gc", "GCLayout", [
        ("headSize", q_size("gchead"), ALL),
        ("stateSize", q_size("gcstate"), ALL),
        ("enabled", q_off("gcstate", "enabled"), ALL),
        ("debug", q_off("gcstate", "debug"), ALL),
        ("generations", q_off("gcstate", "generations"), ALL),
        ("generationCount", q_count("gcstate", "generations"), ALL),
        ("generationSize", q_size("gen"), ALL),
        ("generationThreshold", q_off("gen", "threshold"), ALL),
        ("generationCountField", q_off("gen", "count"), ALL),
        ("permanentGeneration", q_off("gcstate", "permanent_generation"), ALL),
        ("generationStats", q_off("gcstate", "generation_stats"), ALL),
        ("statsSize", q_size("stats"), ALL),
        ("statsCollections", q_off("stats", "collections"), ALL),
        ("statsCollected", q_off("stats", "collected"), ALL),
        ("statsUncollectable", q_off("stats", "uncollectable"), ALL),
        ("collecting", q_off("gcstate", "collecting"), ALL),
        ("garbage", q_off("gcstate", "garbage"), ALL),
    ]),
    ("object", "ObjectLayout", [
        ("refcount", q_off("object", "ob_refcnt"), ALL),
        ("type", q_off("object", "ob_type"), ALL),
        ("size", q_off("varobject", "ob_size"), ALL),
    ]),
    ("type", "TypeLayout", [
        ("name", q_off("type", "tp_name"), ALL),
        ("basicSize", q_off("type", "tp_basicsize"), ALL),
        ("itemSize", q_off("type", "tp_itemsize"), ALL),
        ("flags", q_off("type", "tp_flags"), ALL),
        ("base", q_off("type", "tp_base"), ALL),
        ("dict", q_off("type", "tp_dict"), ALL),
        ("heapName", q_off("heaptype", "ht_name"), ALL),
        ("heapQualname", q_off("heaptype", "ht_qualname"), ALL),
    ]),
    ("list", "ListLayout", [
        ("items", q_off("list", "ob_item"), ALL),
        ("allocated", q_off("list", "allocated"), ALL),
    ]),
    ("unicode", "UnicodeLayout", [
        ("length", q_off("ascii", "length"), ALL),
        ("state", q_off("ascii", "state"), ALL),
        ("asciiSize", q_size("ascii"), ALL),
        ("compactSize", q_size("compact"), ALL),
        ("kindShift", q_bit("ascii", "state", "kind"), ALL),
        ("compactShift", q_bit("ascii", "state", "compact"), ALL),
        ("asciiShift", q_bit("ascii", "state", "ascii"), ALL),
    ]),
    ("dict", "DictLayout", [
        ("used", q_off("dict", "ma_used"), ALL),
        ("keys", q_off("dict", "ma_keys"), ALL),
        ("values", q_off("dict", "ma_values"), ALL),
        ("keysSize", q_off("keys", "dk_size"), ((3, 8), (3, 10))),
        ("keysLog2Size", q_off("keys", "dk_log2_size"), ((3, 11), (3, 13))),
        ("keysLog2IndexBytes", q_off("keys", "dk_log2_index_bytes"), ((3, 11), (3, 13))),
        ("keysKind", q_off("keys", "dk_kind"), ((3, 11), (3, 13))),
        ("keysEntryCount", q_off("keys", "dk_nentries"), ALL),
        ("keysIndices", q_off("keys", "dk_indices"), ALL),
        ("entrySize", q_size("entry"), ALL),
        ("unicodeEntrySize", q_size("uentry"), ((3, 11), (3, 13))),
    ]),
]

# Structural checks: (query for the stripped type name of a field, accepted type names, series range).
TYPE_CHECKS = [
    ({"kind": "ftype", "type": "runtime", "path": "gc"}, ["struct _gc_runtime_state"], ((3, 8), (3, 8))),
    ({"kind": "ftype", "type": "interp", "path": "gc"}, ["struct _gc_runtime_state"], ((3, 9), (3, 13))),
    ({"kind": "ftype", "type": "gcstate", "path": "generations"}, ["struct gc_generation [3]"], ALL),
    ({"kind": "ftype", "type": "gcstate", "path": "permanent_generation"}, ["struct gc_generation"], ALL),
    ({"kind": "ftype", "type": "gcstate", "path": "generation_stats"}, ["struct gc_generation_stats [3]"], ALL),
]

# A few values from docs/cpython-gc-internals.md (DWARF+live verified there) to compare against.
FACTS = {
    "3.8": {"runtime.size": 1464, "runtime.interpretersHead": 32, "runtime.interpretersMain": 40, "runtime.gc": 344,
            "type.heapName": 848, "type.heapQualname": 864, "dict.keysSize": 8, "dict.keysIndices": 40},
    "3.9": {"runtime.size": 656, "runtime.interpretersHead": 32, "interpreter.gc": 616, "interpreter.id": 24,
            "type.heapName": 840, "type.heapQualname": 856},
    "3.10": {"runtime.size": 672, "runtime.interpretersHead": 32, "interpreter.gc": 616, "interpreter.id": 24,
             "type.heapName": 848, "type.heapQualname": 864},
    "3.11": {"runtime.size": 166688, "runtime.interpretersHead": 40, "runtime.interpretersMain": 48,
             "interpreter.gc": 648, "interpreter.id": 48, "unicode.asciiSize": 48, "unicode.compactSize": 72,
             "dict.keysLog2Size": 8, "dict.keysKind": 10, "dict.keysEntryCount": 24, "dict.keysIndices": 32},
    "3.12": {"runtime.size": 459944, "runtime.interpretersHead": 40, "interpreter.gc": 112, "interpreter.id": 8,
             "type.heapName": 856, "type.heapQualname": 872, "unicode.asciiSize": 40, "unicode.compactSize": 56},
    "3.13": {"runtime.size": 283320, "runtime.interpretersHead": 632, "runtime.interpretersMain": 640,
             "interpreter.gc": 7400, "interpreter.next": 7264, "interpreter.id": 7272, "unicode.asciiSize": 40},
}
FACTS_ALL = {"gc.headSize": 16, "gc.stateSize": 240, "gc.enabled": 12, "gc.debug": 16, "gc.generations": 24,
             "gc.generationCount": 3, "gc.generationSize": 24, "gc.generationThreshold": 16,
             "gc.generationCountField": 20, "gc.permanentGeneration": 104, "gc.generationStats": 128,
             "gc.statsSize": 24, "gc.statsCollections": 0, "gc.statsCollected": 8, "gc.statsUncollectable": 16,
             "gc.collecting": 200, "gc.garbage": 208, "object.refcount": 0, "object.type": 8, "object.size": 16,
             "type.name": 24, "type.basicSize": 32, "type.itemSize": 40, "type.flags": 168, "type.base": 256,
             "type.dict": 264, "list.items": 24, "list.allocated": 32, "unicode.length": 16, "unicode.state": 32,
             "unicode.kindShift": 2, "unicode.compactShift": 5, "unicode.asciiShift": 6, "dict.used": 16,
             "dict.keys": 32, "dict.values": 40}

# ---------------------------------------------------------------------------------------------
# The part that runs inside gdb
# ---------------------------------------------------------------------------------------------

GDB_HELPER = r'''
import gdb, json, os, traceback

spec = json.load(open(os.environ["GEN_LAYOUTS_SPEC"]))
out = {"types": {}, "results": {}}


def resolve(names):
    """Return (name, gdb.Type) of the first complete type among names; all complete ones must agree."""
    found = []
    errors = []
    for n in names:
        try:
            t = gdb.parse_and_eval("(%s *)0" % n).type.target()
            size = t.strip_typedefs().sizeof
            if size <= 0 or not t.strip_typedefs().fields():
                errors.append("%s: incomplete" % n)
                continue
            found.append((n, t, size))
        except Exception as e:
            errors.append("%s: %s" % (n, e))
    if not found:
        raise LookupError("no complete type among %s (%s)" % (names, "; ".join(errors)))
    sizes = set(s for _, _, s in found)
    if len(sizes) != 1:
        raise LookupError("names disagree on size: %s" % [(n, s) for n, _, s in found])
    return found[0][0], found[0][1], [n for n, _, _ in found]


def walk(t, path):
    """Offset in bits and type of a dotted member path, descending through anonymous members."""
    bits = 0
    for name in path.split("."):
        st = t.strip_typedefs()
        hit = find_member(st, name)
        if hit is None:
            raise LookupError("%s has no member %s" % (st, name))
        b, f = hit
        bits += b
        t = f.type
        last = f
    return bits, last


def find_member(st, name):
    if st.code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        return None
    for f in st.fields():
        if f.name == name:
            return f.bitpos, f
    for f in st.fields():
        if not f.name:
            sub = find_member(f.type.strip_typedefs(), name)
            if sub is not None:
                return f.bitpos + sub[0], sub[1]
    return None


types = {}
for key, names in spec["types"].items():
    try:
        n, t, ok = resolve(names)
        types[key] = (n, t)
        out["types"][key] = {"name": n, "resolved": ok, "size": t.strip_typedefs().sizeof}
    except Exception as e:
        out["types"][key] = {"error": str(e)}

for qid, q in spec["queries"].items():
    try:
        k = q["kind"]
        if k == "symsize":
            sym = gdb.lookup_global_symbol(q["symbol"]) or gdb.lookup_static_symbol(q["symbol"])
            if sym is None:
                raise LookupError("no symbol %s" % q["symbol"])
            out["results"][qid] = {"value": sym.type.strip_typedefs().sizeof, "how": "symbol type size"}
            continue
        if k == "pyversion":
            out["results"][qid] = {"value": int(gdb.parse_and_eval("Py_Version")), "how": "Py_Version"}
            continue
        if q["type"] not in types:
            raise LookupError("type %s unresolved: %s" % (q["type"], out["types"][q["type"]].get("error")))
        name, t = types[q["type"]]
        if k == "size":
            v = int(gdb.parse_and_eval("sizeof(%s)" % name))
            w = t.strip_typedefs().sizeof
            if v != w:
                raise ValueError("sizeof(%s) %d != type size %d" % (name, v, w))
            out["results"][qid] = {"value": v, "how": "sizeof(%s)" % name}
        elif k == "offset":
            bits, f = walk(t, q["path"])
            if bits % 8 or f.bitsize:
                raise ValueError("%s.%s is not byte aligned / is a bitfield" % (name, q["path"]))
            v = int(gdb.parse_and_eval("(long)&((%s *)0)->%s" % (name, q["path"])))
            if v != bits // 8:
                raise ValueError("offsetof %s.%s: expression %d != fields() %d" % (name, q["path"], v, bits // 8))
            out["results"][qid] = {"value": v, "how": "offsetof(%s, %s)" % (name, q["path"])}
        elif k == "bit":
            _, f = walk(t, q["path"])
            hit = find_member(f.type.strip_typedefs(), q["member"])
            if hit is None:
                raise LookupError("%s.%s has no member %s" % (name, q["path"], q["member"]))
            if not hit[1].bitsize:
                raise ValueError("%s.%s.%s is not a bitfield" % (name, q["path"], q["member"]))
            out["results"][qid] = {"value": hit[0], "how": "bitpos(%s.%s.%s) width %d" % (
                name, q["path"], q["member"], hit[1].bitsize)}
        elif k == "count":
            _, f = walk(t, q["path"])
            at = f.type.strip_typedefs()
            if at.code != gdb.TYPE_CODE_ARRAY:
                raise ValueError("%s.%s is not an array" % (name, q["path"]))
            lo, hi = at.range()
            n = hi - lo + 1
            if n * at.target().strip_typedefs().sizeof != at.sizeof:
                raise ValueError("array size mismatch for %s.%s" % (name, q["path"]))
            out["results"][qid] = {"value": n, "how": "elements of %s.%s (%s)" % (name, q["path"], at)}
        elif k == "ftype":
            _, f = walk(t, q["path"])
            out["results"][qid] = {"value": str(f.type.strip_typedefs()), "how": "type of %s.%s" % (name, q["path"])}
        else:
            raise ValueError("unknown query kind %s" % k)
    except Exception as e:
        out["results"][qid] = {"error": "%s: %s" % (type(e).__name__, e)}

print("@@GEN-LAYOUTS-JSON@@" + json.dumps(out))
'''

# ---------------------------------------------------------------------------------------------
# Host side
# ---------------------------------------------------------------------------------------------


class GenError(Exception):
    pass


def series_str(s):
    return "%d.%d" % s


def in_range(s, r):
    return r[0] <= s <= r[1]


def pyenv_root():
    try:
        r = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
        if r:
            return r
    except (OSError, subprocess.CalledProcessError):
        pass
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def ask_interpreter(exe):
    """Full version and libpython of a python executable."""
    code = ("import sys, sysconfig, json; print(json.dumps({'v': list(sys.version_info[:3]), "
            "'libdir': sysconfig.get_config_var('LIBDIR'), 'soname': sysconfig.get_config_var('INSTSONAME'), "
            "'shared': sysconfig.get_config_var('Py_ENABLE_SHARED'), "
            "'gil_disabled': sysconfig.get_config_var('Py_GIL_DISABLED')}))")
    try:
        r = subprocess.run([exe, "-I", "-S", "-c", code], capture_output=True, text=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        raise GenError("cannot run %s: %s" % (exe, e))
    return json.loads(r.stdout)


SONAME_RE = re.compile(r"^libpython(\d+)\.(\d+)([a-z]*)\.so\.1\.0$")


def build_from_lib(lib):
    """A libpythonX.Y.so.1.0: the version comes from the interpreter installed next to it."""
    m = SONAME_RE.match(os.path.basename(lib))
    if not m:
        raise GenError("%s: not a libpythonX.Y.so.1.0" % lib)
    series = (int(m.group(1)), int(m.group(2)))
    if series not in SUPPORTED:
        raise GenError("%s: series %s is outside 3.8-3.13" % (lib, series_str(series)))
    if "t" in m.group(3):
        raise GenError("%s: free-threaded builds are not supported" % lib)
    exe = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(lib))), "bin", "python%d.%d" % series)
    if not os.access(exe, os.X_OK):
        raise GenError("%s: no interpreter at %s to tell the full version" % (lib, exe))
    info = ask_interpreter(exe)
    if tuple(info["v"][:2]) != series:
        raise GenError("%s reports %s, but the library is %s" % (exe, info["v"], series_str(series)))
    return {"lib": os.path.abspath(lib), "series": series, "version": "%d.%d.%d" % tuple(info["v"])}


def build_from_arg(path):
    if not os.path.exists(path):
        raise GenError("%s does not exist" % path)
    if SONAME_RE.match(os.path.basename(path)) or ".so" in os.path.basename(path):
        return build_from_lib(path)
    info = ask_interpreter(path)
    if info.get("gil_disabled"):
        raise GenError("%s: free-threaded builds are not supported" % path)
    if not info.get("shared") or not info.get("soname"):
        raise GenError("%s is not a --enable-shared build; pass its libpython or a shared build" % path)
    lib = os.path.join(info["libdir"], info["soname"])
    if not os.path.exists(lib):
        raise GenError("%s: %s not found" % (path, lib))
    b = build_from_lib(lib)
    if b["version"] != "%d.%d.%d" % tuple(info["v"]):
        raise GenError("%s is %s but %s belongs to %s" % (path, info["v"], lib, b["version"]))
    return b


def default_builds():
    root = pyenv_root()
    by_series = {}
    for lib in glob.glob(os.path.join(root, "versions", "*", "lib", "libpython3.*.so.1.0")):
        m = SONAME_RE.match(os.path.basename(lib))
        if not m or m.group(3):
            continue
        series = (int(m.group(1)), int(m.group(2)))
        if series not in SUPPORTED:
            continue
        b = build_from_lib(lib)
        key = tuple(int(x) for x in b["version"].split("."))
        if series not in by_series or key > by_series[series][0]:
            if series in by_series:
                print("note: %s: using %s rather than %s" % (series_str(series), b["version"],
                                                              by_series[series][1]["version"]), file=sys.stderr)
            by_series[series] = (key, b)
    if not by_series:
        raise GenError("no pyenv builds of 3.8-3.13 with a shared libpython under %s" % root)
    return [by_series[s][1] for s in sorted(by_series)]


def run_gdb(gdb, lib, queries):
    with tempfile.TemporaryDirectory(prefix="gen-layouts.") as tmp:
        helper = os.path.join(tmp, "helper.py")
        spec = os.path.join(tmp, "spec.json")
        with open(helper, "w") as f:
            f.write(GDB_HELPER)
        with open(spec, "w") as f:
            json.dump({"types": TYPES, "queries": queries}, f)
        env = dict(os.environ, GEN_LAYOUTS_SPEC=spec)
        cmd = [gdb, "-q", "-batch", "-nx", "-iex", "set debuginfod enabled off", "-iex", "set auto-load off",
               "-iex", "set pagination off", lib, "-x", helper]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    for line in r.stdout.splitlines():
        if line.startswith("@@GEN-LAYOUTS-JSON@@"):
            return json.loads(line[len("@@GEN-LAYOUTS-JSON@@"):])
    raise GenError("gdb on %s produced no result (exit %d):\n%s\n%s" % (lib, r.returncode, r.stdout, r.stderr))


def extract(build, gdb):
    """Resolve every field for one build. Returns {struct: {label: int|None}} and the provenance."""
    s = build["series"]
    queries = {}
    for group, _, fields in LAYOUT:
        for label, q, _ in fields:
            queries["%s.%s" % (group, label)] = q
    for i, (q, _, _) in enumerate(TYPE_CHECKS):
        queries["check.type%d" % i] = q
    queries["check.symsize"] = {"kind": "symsize", "symbol": "_PyRuntime"}
    if s >= (3, 11):
        queries["check.pyversion"] = {"kind": "pyversion"}
    res = run_gdb(gdb, build["lib"], queries)
    R = res["results"]
    errors = []
    values = {}
    how = {}
    for group, _, fields in LAYOUT:
        values[group] = {}
        for label, q, rng in fields:
            qid = "%s.%s" % (group, label)
            r = R[qid]
            if in_range(s, rng):
                if "error" in r:
                    errors.append("%s: cannot resolve %s: %s" % (series_str(s), qid, r["error"]))
                    continue
                if not isinstance(r["value"], int) or r["value"] < 0:
                    errors.append("%s: %s resolved to %r" % (series_str(s), qid, r["value"]))
                    continue
                values[group][label] = r["value"]
                how[qid] = r["how"]
            else:
                if "error" not in r:
                    errors.append("%s: %s is declared absent for this series but the DWARF has it (%s = %s); "
                                  "update LAYOUT" % (series_str(s), qid, r["how"], r["value"]))
                    continue
                values[group][label] = None
                how[qid] = "absent (%s)" % r["error"].split(": ", 1)[-1]
    # structural checks
    for i, (q, accepted, rng) in enumerate(TYPE_CHECKS):
        if not in_range(s, rng):
            continue
        r = R["check.type%d" % i]
        if "error" in r:
            errors.append("%s: check %s.%s: %s" % (series_str(s), q["type"], q["path"], r["error"]))
        elif r["value"] not in accepted:
            errors.append("%s: %s.%s has type %r, expected one of %s" % (series_str(s), q["type"], q["path"],
                                                                         r["value"], accepted))
    r = R["check.symsize"]
    if "error" in r:
        errors.append("%s: _PyRuntime symbol: %s" % (series_str(s), r["error"]))
    elif values["runtime"].get("size") is not None and r["value"] != values["runtime"]["size"]:
        errors.append("%s: sizeof(_PyRuntimeState) %d != size of _PyRuntime %d" % (
            series_str(s), values["runtime"]["size"], r["value"]))
    if "check.pyversion" in R:
        r = R["check.pyversion"]
        want = tuple(int(x) for x in build["version"].split("."))
        if "error" in r:
            errors.append("%s: Py_Version: %s" % (series_str(s), r["error"]))
        elif (r["value"] >> 24, (r["value"] >> 16) & 0xff, (r["value"] >> 8) & 0xff) != want:
            errors.append("%s: Py_Version 0x%08x in %s but its interpreter says %s" % (
                series_str(s), r["value"], build["lib"], build["version"]))
    # derived consistency
    g = values["gc"]
    if not errors:
        if g["generationThreshold"] < g["headSize"] or g["generationCountField"] < g["headSize"]:
            errors.append("%s: gc_generation fields overlap its head" % series_str(s))
        if g["permanentGeneration"] < g["generations"] + g["generationCount"] * g["generationSize"]:
            errors.append("%s: permanent_generation overlaps generations[]" % series_str(s))
    if errors:
        raise GenError("\n".join(errors))
    return values, how, res["types"]


def swift_value(v):
    return "nil" if v is None else str(v)


def swift_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def render(builds):
    stamp = ", ".join("%s (%s)" % (os.path.basename(b["lib"]), b["version"]) for b in builds)
    lines = ["// Generated by scripts/gen-layouts.py from the DWARF of %s. Do not edit." % stamp,
             "// Regenerate: scripts/gen-layouts.py [--python PATH ...] [--out FILE]",
             "",
             "extension PythonLayout {"]
    names = []
    for b in builds:
        name = "v%d_%d" % b["series"]
        names.append(name)
        source = "DWARF of %s (%s)" % (os.path.basename(b["lib"]), b["version"])
        lines.append("    public static let %s = PythonLayout(" % name)
        lines.append("        series: %s," % swift_string(series_str(b["series"])))
        lines.append("        source: %s," % swift_string(source))
        for gi, (group, swift_type, fields) in enumerate(LAYOUT):
            args = ", ".join("%s: %s" % (label, swift_value(b["values"][group][label])) for label, _, _ in fields)
            sep = "," if gi < len(LAYOUT) - 1 else ""
            lines.append("        %s: %s(%s)%s" % (group, swift_type, args, sep))
        lines.append("    )")
        lines.append("")
    lines.append("    /// Every series above, oldest first.")
    lines.append("    public static let generated: [PythonLayout] = [%s]" % ", ".join("." + n for n in names))
    lines.append("}")
    return "\n".join(lines) + "\n"


def summary(builds):
    cols = [series_str(b["series"]) for b in builds]
    rows = []
    for group, _, fields in LAYOUT:
        for label, _, _ in fields:
            rows.append(("%s.%s" % (group, label), [b["values"][group][label] for b in builds]))
    w0 = max(len(r[0]) for r in rows)
    cw = [max(len(c), max(len(swift_value(r[1][i])) for r in rows)) for i, c in enumerate(cols)]
    out = ["%-*s  %s" % (w0, "field", "  ".join(c.rjust(cw[i]) for i, c in enumerate(cols))),
           "%s  %s" % ("-" * w0, "  ".join("-" * w for w in cw))]
    for name, vals in rows:
        out.append("%-*s  %s" % (w0, name, "  ".join(("-" if v is None else str(v)).rjust(cw[i])
                                                      for i, v in enumerate(vals))))
    return "\n".join(out)


def fact_check(builds):
    lines, bad = [], 0
    for b in builds:
        ser = series_str(b["series"])
        facts = dict(FACTS_ALL)
        facts.update(FACTS.get(ser, {}))
        ok = 0
        for key, want in sorted(facts.items()):
            group, label = key.split(".")
            got = b["values"][group][label]
            if got == want:
                ok += 1
            else:
                bad += 1
                lines.append("  MISMATCH %s %s: DWARF %s, fact sheet %s" % (ser, key, got, want))
        lines.append("  %s: %d/%d fact-sheet values agree" % (ser, ok, len(facts)))
    return lines, bad


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
    args = ap.parse_args(argv)

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
                b["values"], b["how"], b["types"] = extract(b, args.gdb)
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
