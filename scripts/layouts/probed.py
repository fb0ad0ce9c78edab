"""Layouts of builds without DWARF (Debian's python3.X in a debootstrap root): every LAYOUT field and the
plain-field TRAVERSE entries resolved by `probe.resolve` against the build's own headers.

What a series means is taken from the newest series the DWARF tables describe (`DWARF_NEWEST`) unless
PROBE_OVERRIDES says what changed: a patch release keeps its series' fields and visit lists, a newer series
keeps the newest's where its headers still have them. Nothing here can be checked against the compiled
traverse functions (the binaries are stripped): each probed table is marked so, its native plans are
checked at run time by `attach --verify-traversal` (the interpreter's own tp_traverse in the emulator, the
test suite does it for every root interpreter), and what the headers do not describe -- structs private
to a .c file (descriptors, partial, deque, the _asyncio types), frames and generators from 3.14 (tagged
`_PyStackRef`s) -- is left out, which makes pyinspect emulate those types, never guess them.
"""

import os
import sys

import probe
import spec_stacks

DWARF_NEWEST = (3, 13)

# Fields whose member or type changed after DWARF_NEWEST: (label path, first series) -> query.
def _overrides(gl):
    q_off, q_typed = gl.q_off, gl.q_typed
    stackref = ["_PyStackRef"]
    return {
        # 3.15 keeps the statistics in ring buffers behind a pointer (`struct gc_stats *`): generationStats
        # is then that pointer's offset, and statsRing says where the latest entries are.
        ("gc", "generationStats"): ((3, 15), q_typed(q_off("gcstate", "generation_stats"), ["struct gc_stats *"])),
        ("code", "interpreterFrameCode"): ((3, 14), q_typed(q_off("iframe", "f_executable"), stackref)),
        ("code", "interpreterFrameLocalsPlusOffset"): ((3, 14), q_typed(q_off("iframe", "localsplus"), ["_PyStackRef [1]"])),
        # the generator's frame is embedded as a struct, no longer declared as an array of words
        ("code", "generatorFrameOffset"): ((3, 14), q_typed(q_off("genobj", "gi_iframe"), ["_PyInterpreterFrame"])),
        **spec_stacks.probe_overrides(q_off, q_typed),
    }


def effective(series):
    return min(series, DWARF_NEWEST)


# TRAVERSE visit lists that changed after DWARF_NEWEST: key -> (first series, member paths). Found by the
# suite's --verify-traversal on the roots' interpreters (Objects/funcobject.c visits func_annotate, new in 3.14).
TRAVERSE_LATER = {
    "PyFunction_Type": ((3, 14), ["func_code", "func_globals", "func_builtins", "func_module", "func_defaults",
                                  "func_kwdefaults", "func_doc", "func_name", "func_dict", "func_closure",
                                  "func_annotations", "func_annotate", "func_typeparams", "func_qualname"]),
}


def traverse_paths(gl, key, series):
    later = TRAVERSE_LATER.get(key)
    if later and series >= later[0]:
        return later[1]
    return gl.traverse_paths(key, effective(series))


def _layout_queries(gl, s, overrides):
    """{qid: query} and {(group, label): (qid or None)} for the LAYOUT fields of series s."""
    queries, wanted = {}, {}
    eff = effective(s)
    for group, _, fields in gl.LAYOUT:
        for label, q, rng in fields:
            qid = "%s.%s" % (group, label)
            over = overrides.get((group, label))
            if over and s >= over[0]:
                q = over[1]                                 # None: the field is nil from that series
            elif rng[0] > DWARF_NEWEST:
                q = q if gl.in_range(s, rng) else None      # a field only probed builds have (3.15's statsRing)
            elif not gl.in_range(eff, rng):
                q = None
            elif q["kind"] == "alt":
                q = next((sq for arng, sq in q["alts"] if gl.in_range(eff, tuple(map(tuple, arng)))), None)
            wanted[(group, label)] = qid if q else None
            if q:
                queries[qid] = q
                if "accept" in q:
                    queries[qid + ".ftype"] = dict(q, kind="ftype")
    return queries, wanted


def _traverse_queries(gl, s):
    queries = {}
    for key, entry in gl.TRAVERSE.items():
        queries["trav.%s.sizeof" % key] = gl.q_size(entry["struct"])
        for path in traverse_paths(gl, key, s):
            queries["trav.%s.%s" % (key, path)] = gl.q_off(entry["struct"], path)
            queries["trav.%s.%s.ptr" % (key, path)] = {"kind": "pointer", "type": entry["struct"], "path": path}
    return queries


def _frame_queries(gl, s):
    """Frames and generators of a 3.13 patch release (3.14+ has none here: tagged stack references)."""
    if s > DWARF_NEWEST:
        return {"frames.frameInterpreterFrame": gl.q_off("frame", "f_frame"),
                "frames.generatorFrameState": gl.q_off("genobj", "gi_frame_state"),
                "frames.generatorFrameCleared": {"kind": "enumval", "name": "FRAME_CLEARED"},
                "frames.generatorInterpreterFrame": gl.q_off("genobj", "gi_iframe")}
    q = {}
    for label, query, rng, _, _ in gl.FRAME_SCALARS:
        if gl.in_range(s, rng):
            q["frames.%s" % label] = query
    for label, (struct, table) in gl.FRAME_FIELD_LISTS.items():
        for path in gl.per_series(table, s, label):
            q["frames.%s.%s" % (label, path)] = gl.q_off(struct, path)
    for key, entry in gl.GENERATORS.items():
        for path in gl.per_series(entry["fields"], s, key):
            q["frames.%s.%s" % (key, path)] = gl.q_off(entry["struct"], path)
    return q


def _frames(gl, s, R, errors):
    frames = {label: None for label in gl.FRAME_LABELS}
    frames.update(frameFields=[], interpreterFrameFields=[], generatorFields={}, asyncioFields={}, arrayFields={},
                  moduleFields={}, dictSubtypeFields={}, fieldNames={}, deque=None)
    names = {"frameFields": [], "interpreterFrameFields": []}

    def get(qid):
        r = R[qid]
        if "error" in r:
            errors.append("%s: %s" % (qid, r["error"]))
            return None
        return r["value"]

    if s > DWARF_NEWEST:
        # Only where a frame object's interpreter frame is (for line numbers and sys.getsizeof): with no
        # interpreterFrameStackTop the planner leaves frames to their own frame_traverse.
        for label in ["frameInterpreterFrame", "generatorFrameState", "generatorFrameCleared", "generatorInterpreterFrame"]:
            frames[label] = get("frames.%s" % label)
        return frames, names

    for label, _, rng, _, _ in gl.FRAME_SCALARS:
        if gl.in_range(s, rng):
            frames[label] = get("frames.%s" % label)
    for label, (_, table) in gl.FRAME_FIELD_LISTS.items():
        pairs = [(p, get("frames.%s.%s" % (label, p))) for p in gl.per_series(table, s, label)]
        frames[label] = [o for _, o in pairs]
        names[label] = pairs
    for key, entry in gl.GENERATORS.items():
        pairs = [(p, get("frames.%s.%s" % (key, p))) for p in gl.per_series(entry["fields"], s, key)]
        frames["generatorFields"][key] = [o for _, o in pairs]
        names[key] = pairs
    return frames, names


def extract(gl, root, series):
    """A build dict for gen-layouts' render: values, pointer/frame names, version, name and source."""
    headers = probe.Headers(root, series)
    version = headers.version()
    executable = os.path.join(root, "usr", "bin", "python%d.%d" % series)
    overrides = _overrides(gl)
    queries, wanted = _layout_queries(gl, series, overrides)
    queries.update(_traverse_queries(gl, series))
    queries.update(_frame_queries(gl, series))
    queries["check.generation0"] = gl.q_off("gcstate", "generation0")
    R = probe.resolve(headers, gl.TYPES, queries)
    errors, values, how = [], {}, {}
    for group, _, fields in gl.LAYOUT:
        values[group] = {}
        for label, q, _ in fields:
            qid = wanted[(group, label)]
            if qid is None:
                values[group][label] = None
                continue
            r = R[qid]
            if "error" in r:
                errors.append("%s %s: cannot resolve %s: %s" % (version, root, qid, r["error"]))
                continue
            if qid + ".ftype" in queries and "error" in R[qid + ".ftype"]:
                errors.append("%s: %s has none of the types %s" % (version, qid, queries[qid + ".ftype"]["accept"]))
                continue
            values[group][label] = r["value"]
            how[qid] = r["how"]
    size = probe.runtime_symbol_size(executable)
    if values["runtime"].get("size") != size:
        errors.append("%s: sizeof(_PyRuntimeState) %s in the headers, _PyRuntime is %d bytes in %s: the headers "
                      "are not this build's" % (version, values["runtime"].get("size"), size, executable))
    pointer_fields, pointer_names, left_out = {}, {}, []
    for key in sorted(gl.TRAVERSE):
        paths = traverse_paths(gl, key, series)
        results = [(p, R["trav.%s.%s" % (key, p)], R["trav.%s.%s.ptr" % (key, p)]) for p in paths]
        if any("error" in r or "error" in ptr or ptr["value"] != 1 for _, r, ptr in results):
            left_out.append(key)
            continue
        pointer_fields[key] = [r["value"] for _, r, _ in results]
        pointer_names[key] = [(p, r["value"]) for p, r, _ in results]
    values["traversal"]["pointerFields"] = pointer_fields
    frames, frame_names = _frames(gl, series, R, errors)
    values["frames"] = frames
    if errors:
        raise gl.GenError("\n".join(errors))
    short = os.path.basename(os.path.normpath(root))
    return {"series": series, "version": version, "lib": executable, "values": values, "how": how,
            "pointer_names": pointer_names, "frame_names": frame_names, "types": {},
            "name": "v%s" % version.replace(".", "_"),
            "source": "offsetof probes of the -dev headers of %s's python%d.%d (%s)" % (short, series[0], series[1], version),
            "left_out": left_out}


# 3.14.0-3.14.4 ran the incremental collector; 3.14.5 went back to generations (cpython gh-148726), with
# placeholders "to preserve other offsets". No machine here can run those releases, so their gc state is
# laid out from the struct they published (Include/internal/pycore_interp_structs.h of 3.14.0, non-free-
# threaded), compiled against a 3.14 build's headers for the member types; the rest of the table is that
# build's. The reader picks it by the gc state size the target's _Py_DebugOffsets publish (240, not 264).
INCREMENTAL_314 = """
struct pyinspect_gc_state_3140 {
    PyObject *trash_delete_later;
    int trash_delete_nesting;
    int enabled;
    int debug;
    struct gc_generation young;
    struct gc_generation old[2];
    struct gc_generation permanent_generation;
    struct gc_generation_stats generation_stats[NUM_GENERATIONS];
    int collecting;
    PyObject *garbage;
    PyObject *callbacks;
    Py_ssize_t heap_size;
    Py_ssize_t work_to_do;
    int visited_space;
    int phase;
};
"""


def incremental_314(gl, root, b):
    """The 3.14.0 table: build b (a 3.14.5+ build) with the incremental collector's gc state."""
    headers = probe.Headers(root, (3, 14), extra=INCREMENTAL_314)
    t = "pyinspect_gc_state_3140"
    q = {"stateSize": {"kind": "size", "type": t}, "enabled": gl.q_off(t, "enabled"), "debug": gl.q_off(t, "debug"),
         "generations": gl.q_off(t, "young"), "old": gl.q_off(t, "old"),
         "permanentGeneration": gl.q_off(t, "permanent_generation"), "generationStats": gl.q_off(t, "generation_stats"),
         "collecting": gl.q_off(t, "collecting"), "garbage": gl.q_off(t, "garbage")}
    R = probe.resolve(headers, {t: ["struct " + t]}, q)
    bad = [k for k, r in R.items() if "error" in r]
    if bad:
        raise gl.GenError("3.14.0 incremental gc state: cannot resolve %s" % bad)
    gc = dict(b["values"]["gc"])
    for label in ["stateSize", "enabled", "debug", "generations", "permanentGeneration", "generationStats", "collecting", "garbage"]:
        gc[label] = R[label]["value"]
    if R["old"]["value"] != gc["generations"] + gc["generationSize"]:
        raise gl.GenError("3.14.0: old[] does not follow young: the three lists are not one array")
    gc["generation0"] = None
    out = dict(b, version="3.14.0", name="v3_14_0", values=dict(b["values"], gc=gc),
               source="3.14.0-3.14.4's incremental gc state (young, old[2]) laid out over %s" % b["source"])
    return out


def builds_in(gl, root):
    """(major, minor) of every python3.X in the root that has its headers, oldest first."""
    found = []
    for name in os.listdir(os.path.join(root, "usr", "bin")):
        parts = name[len("python"):].split(".") if name.startswith("python3.") else []
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            if os.path.isfile(os.path.join(root, "usr", "include", name, "Python.h")):
                found.append((int(parts[0]), int(parts[1])))
    return sorted(found)


# FrameTraversalLayout entries for structs private to a .c file, which no header declares: taken from the
# newest DWARF build (same series or older) and checked at run time by the suite (--verify-traversal for
# their plans, the collector's own sizes for deque's and OrderedDict's sys.getsizeof).
PRIVATE_STRUCTS = ["deque", "dictSubtypeFields", "moduleFields", "arrayFields"]


def dwarf_private_structs(gl):
    """(frames values, frame names) of the newest pyenv DWARF build, for PRIVATE_STRUCTS."""
    builds = [b for b in gl.default_builds() if b["series"] == DWARF_NEWEST]
    if not builds:
        raise gl.GenError("no pyenv %d.%d with DWARF to take the private structs from" % DWARF_NEWEST)
    b = builds[0]
    print("reading DWARF of %s (%s) for the structs no header declares" % (b["lib"], b["version"]), file=sys.stderr)
    b["values"], _, _ = gl.extract(b, gl.shutil.which("gdb") or "/usr/bin/gdb")
    gl.attach_field_names(b)
    return b


def carry_private_structs(b, dwarf):
    frames, names = b["values"]["frames"], dwarf["values"]["frames"]["fieldNames"]
    for label in PRIVATE_STRUCTS:
        frames[label] = dwarf["values"]["frames"][label]
    for key, value in names.items():
        label = key.split(":")[0]
        if label in PRIVATE_STRUCTS:
            b["frame_names"][key.split(":", 1)[1]] = list(zip(value, frames[label][key.split(":", 1)[1]]))


def run(gl, roots, out, dry_run):
    builds, failures = [], []
    dwarf = dwarf_private_structs(gl)
    for root in roots:
        for series in builds_in(gl, root):
            print("probing the headers of %s python%d.%d" % (root, series[0], series[1]), file=sys.stderr)
            try:
                b = extract(gl, root, series)
                carry_private_structs(b, dwarf)
                gl.attach_field_names(b)
                builds.append(b)
                print("  %s: %d plain-field traverse plans; emulated (not in the headers): %s" % (
                    b["version"], len(b["values"]["traversal"]["pointerFields"]), ", ".join(b["left_out"]) or "none"),
                    file=sys.stderr)
            except (gl.GenError, probe.ProbeError) as e:
                failures.append(str(e))
    if failures:
        print("gen-layouts: error:\n%s\ngen-layouts: nothing written" % "\n".join(failures), file=sys.stderr)
        return 1
    versions = {}
    for b in builds:
        if b["version"] in versions:
            print("gen-layouts: two roots carry %s (%s, %s); nothing written" % (b["version"], versions[b["version"]], b["lib"]),
                  file=sys.stderr)
            return 1
        versions[b["version"]] = b["lib"]
    for b in list(builds):
        if b["series"] == (3, 14) and tuple(int(x) for x in b["version"].split(".")) >= (3, 14, 5):
            builds.append(incremental_314(gl, os.path.dirname(os.path.dirname(os.path.dirname(b["lib"]))), b))
            break
    builds.sort(key=lambda b: tuple(int(x) for x in b["version"].split(".")))
    text = gl.render(builds, list_name="probed", what="the -dev headers (offsetof probes) of",
                     regenerate="--root DIR ... (a root made by scripts/roots.sh)")
    if dry_run:
        print(text)
        return 0
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, out)
    print("wrote %s (%s)" % (os.path.relpath(out), ", ".join(b["version"] for b in builds)))
    return 0
