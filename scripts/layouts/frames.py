"""FrameTraversalLayout's frames and generators (FRAME_SCALARS, FRAME_FIELD_LISTS, GENERATORS): gdb queries,
resolution, and the check against the compiled frame_traverse, _PyFrame_Traverse, gen_traverse and
async_gen_traverse (verify.check_trace)."""

from common import PY3, in_range, per_series, resolve_result, series_str
from spec_frames import FRAME_ABSENT, FRAME_FIELD_LISTS, FRAME_SCALARS, generators
from spec_layout import q_off, q_size
from tracer import OBJ, e_add, e_field, e_load, e_render
from verify import check_trace


def frame_queries(s):
    """gdb queries (libpython session) for FrameTraversalLayout in series s."""
    q = {}
    for label, query, rng, _, _ in FRAME_SCALARS:
        if query["kind"] == "enumval" and not in_range(s, rng):
            continue                                    # e.g. 3.10 has FRAME_CLEARED, but no gi_frame_state
        q["frames.%s" % label] = query
        if query["kind"] == "offset":
            q["frames.%s.ftype" % label] = dict(query, kind="ftype")
    for i, (query, _) in enumerate(FRAME_ABSENT):
        q["frames.absent%d" % i] = query
    for label, (struct, table) in FRAME_FIELD_LISTS.items():
        for path in per_series(table, s, label):
            q["frames.%s.%s" % (label, path)] = q_off(struct, path)
            q["frames.%s.%s.ftype" % (label, path)] = {"kind": "ftype", "type": struct, "path": path}
    q["frames.type.PyFrame_Type"] = {"kind": "typeobj", "symbol": "PyFrame_Type"}
    q["frames.sizeof.frame"] = q_size("frame")
    if s >= (3, 11):
        q["frames.frame_data"] = q_off("frame", "_f_frame_data")
        q["frames.disasm._PyFrame_Traverse"] = {"kind": "disasm", "function": "_PyFrame_Traverse"}
    for key, entry in generators(s):
        q["frames.type.%s" % key] = {"kind": "typeobj", "symbol": key}
        q["frames.sizeof.%s" % key] = q_size(entry["struct"])
        if s >= (3, 11):
            q["frames.%s.iframe" % key] = q_off(entry["struct"], "%s_iframe" % entry["prefix"])
            q["frames.%s.state" % key] = q_off(entry["struct"], "%s_frame_state" % entry["prefix"])
        for path in per_series(entry["fields"], s, key):
            q["frames.%s.%s" % (key, path)] = q_off(entry["struct"], path)
            q["frames.%s.%s.ftype" % (key, path)] = {"kind": "ftype", "type": entry["struct"], "path": path}
    # code objects: not a GC type (tp_traverse NULL, no Py_TPFLAGS_HAVE_GC = 1 << 14) in any series
    q["frames.code.traverse"] = {"kind": "eval", "expr": "(long)PyCode_Type.tp_traverse"}
    q["frames.code.flags"] = {"kind": "eval", "expr": "(long)PyCode_Type.tp_flags"}
    return q


def frame_values(build, R, gdb, disasm_check):
    """Resolve and check FrameTraversalLayout for one build. Returns (values, how, pairs, errors)."""
    s = build["series"]
    errors, how, v, names = [], {}, {}, {}
    # scalars
    for label, query, rng, accepted, nil_checked in FRAME_SCALARS:
        qid = "frames.%s" % label
        if in_range(s, rng):
            val = resolve_result(R, qid, errors, s, accepted if query["kind"] == "offset" else None)
            v[label] = val
            if val is not None:
                how[qid] = R[qid]["how"]
        else:
            v[label] = None
            if nil_checked and "error" not in R.get(qid, {"error": "-"}):
                errors.append("%s: %s is declared absent for this series but the DWARF has it (%s)" % (
                    series_str(s), qid, R[qid]["how"]))
    for i, (query, rng) in enumerate(FRAME_ABSENT):
        if in_range(s, rng) and "error" not in R["frames.absent%d" % i]:
            errors.append("%s: %s.%s exists: FRAMES is stale" % (series_str(s), query["type"], query["path"]))
    if v.get("generatorFrameCleared") is not None:
        r = R["frames.generatorFrameCleared"]
        if r["max"] != r["value"]:
            errors.append("%s: FRAME_CLEARED (%d) is not the largest PyFrameState (%d)" % (
                series_str(s), r["value"], r["max"]))
    # fixed field lists
    for label, (struct, table) in FRAME_FIELD_LISTS.items():
        offs, pairs = [], []
        for path in per_series(table, s, label):
            o = resolve_result(R, "frames.%s.%s" % (label, path), errors, s, ["*"])
            offs.append(o)
            pairs.append((path, o))
        v[label], names[label] = offs, pairs
    gen_fields = {}
    for key, entry in generators(s):
        offs, pairs = [], []
        for path in per_series(entry["fields"], s, key):
            o = resolve_result(R, "frames.%s.%s" % (key, path), errors, s, ["*"])
            offs.append(o)
            pairs.append((path, o))
        gen_fields[key], names[key] = offs, pairs
        if s >= (3, 11):
            for part, label in (("iframe", "generatorInterpreterFrame"), ("state", "generatorFrameState")):
                o = resolve_result(R, "frames.%s.%s" % (key, part), errors, s)
                if o is not None and o != v.get(label):
                    errors.append("%s: %s: %s_%s at %s, gi_ at %s" % (series_str(s), key, entry["prefix"], part,
                                                                      o, v.get(label)))
    v["generatorFields"] = gen_fields
    # code objects are no GC type
    ct, cf = R["frames.code.traverse"], R["frames.code.flags"]
    if "error" in ct or "error" in cf or ct["value"] != 0 or cf["value"] & (1 << 14):
        errors.append("%s: PyCode_Type is a GC type here (tp_traverse %s, flags %s): not handled" % (
            series_str(s), ct.get("value", ct.get("error")), cf.get("value", cf.get("error"))))
    else:
        how["frames.PyCode_Type"] = "tp_traverse NULL, no Py_TPFLAGS_HAVE_GC: not a GC type"
    if errors:
        return v, how, names, errors

    # type objects -> functions and struct sizes
    def typeinfo(key, function, basicsize):
        r = R["frames.type.%s" % key]
        if "error" in r:
            errors.append("%s: %s: %s" % (series_str(s), key, r["error"]))
            return None
        info = r["value"]
        if info["function"] != function:
            errors.append("%s: %s.tp_traverse is %s, expected %s" % (series_str(s), key, info["function"], function))
            return None
        if info["basicsize"] != basicsize:
            errors.append("%s: %s.tp_basicsize %d, expected %d" % (series_str(s), key, info["basicsize"], basicsize))
            return None
        return info

    if s < (3, 11):
        frame_info = typeinfo("PyFrame_Type", "frame_traverse", R["frames.sizeof.frame"]["value"])
    else:   # variable-size: the embedded _PyInterpreterFrame's localsplus start the items
        frame_info = typeinfo("PyFrame_Type", "frame_traverse",
                              R["frames.frame_data"]["value"] + v["interpreterFrameLocalsPlus"])
    gen_infos = {}
    for key, entry in generators(s):
        size = R["frames.sizeof.%s" % key]["value"] if s < (3, 11) else \
            v["generatorInterpreterFrame"] + v["interpreterFrameLocalsPlus"]
        gen_infos[key] = typeinfo(key, entry["function"], size)
    if errors or not disasm_check:
        if not disasm_check:
            how["frames"] = "NOT checked against the compiled code (--no-disasm-check)"
        return v, how, names, errors

    # the compiled code
    f = lambda d, base=OBJ, width=8: e_field(d, base, width)     # noqa: E731
    fields = [f(d) for d in v["frameFields"]]
    if s < (3, 11):
        code = f(v["frameCode"])
        nlocals = e_field(v["codeNlocals"], code, 4)
        # Py_SIZE of the tuples: ob_size (2.7 adds them into an int, so the compiled code reads 4 bytes)
        width = 8 if in_range(s, PY3) else 4
        cells = e_field(16, f(v["codeCellvars"], code), width)
        frees = e_field(16, f(v["codeFreevars"], code), width)
        visits = fields + [e_load(("iter", e_add(OBJ, v["frameLocalsPlus"]), 8))]
        if s < (3, 10):
            stack = ("iter", f(v["frameValueStack"]), 8)
            visits.append(e_load(stack))
            compares = [(stack, f(v["frameStackTop"]))]
        else:
            i = ("iter", ("const", 0), 1)
            visits.append(e_load(("index", f(v["frameValueStack"]), i, 8)))
            compares = [(i, f(v["frameStackDepth"], OBJ, 4))]
        check_trace(s, "frame_traverse", frame_info, visits, errors, how, reads=[nlocals, cells, frees],
                    compares=compares)
    else:
        iframe = f(v["frameInterpreterFrame"])
        owner = (e_render(e_field(v["interpreterFrameOwner"], iframe, 1)), str(v["ownedByFrameObject"]))
        check_trace(s, "frame_traverse", frame_info, fields, errors, how,
                    delegates=[("_PyFrame_Traverse", iframe, [(owner, "je")])])
        r = R["frames.disasm._PyFrame_Traverse"]
        if "error" in r:
            errors.append("%s: _PyFrame_Traverse: %s" % (series_str(s), r["error"]))
        else:
            i = ("iter", ("const", 0), 1)
            visits = [f(d) for d in v["interpreterFrameFields"]] + \
                [e_load(("index", e_add(OBJ, v["interpreterFrameLocalsPlus"]), i, 8))]
            check_trace(s, "_PyFrame_Traverse", r["value"], visits, errors, how,
                        compares=[(i, f(v["interpreterFrameStackTop"], OBJ, 4))])
    for key, entry in generators(s):
        delegates = []
        if s >= (3, 11):
            state = e_render(e_field(v["generatorFrameState"], OBJ, 1))
            cleared = v["generatorFrameCleared"]
            # gi_frame_state < FRAME_CLEARED; `!=` is the same only because FRAME_CLEARED is the largest state
            accepted = [((state, str(cleared - 1)), "jle"), ((state, str(cleared)), "jl"),
                        ((state, str(cleared)), "jne")]
            delegates = [("_PyFrame_Traverse", e_add(OBJ, v["generatorInterpreterFrame"]), accepted)]
        check_trace(s, "frames.%s" % key, gen_infos[key], [f(d) for d in gen_fields[key]], errors, how,
                    delegates=delegates)
    return v, how, names, errors
