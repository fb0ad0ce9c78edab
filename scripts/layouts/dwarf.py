"""The DWARF backend: every field of one build resolved in one gdb session on its libpython (plus one per
extension module), its structural checks, and the traversal tables (plain.py, frames.py, aio.py, extras.py),
each checked against the compiled code unless --no-disasm-check (verify.py)."""

from aio import asyncio_values
from common import GenError, in_range, series_str
from extras import extra_queries, extra_values
from frames import frame_queries, frame_values
from gdb_backend import run_gdb
from plain import pointer_values, traverse_queries
from spec_layout import LAYOUT, STATIC_GROUPS, STATICS, TYPE_CHECKS


def layout_subqueries(qid, q):
    """[(query id, query)] for one LAYOUT field: itself, or one per alternative of a q_alt."""
    if q["kind"] == "alt":
        return [("%s#%d" % (qid, i), sq) for i, (_, sq) in enumerate(q["alts"])]
    return [(qid, q)]


def extract(build, gdb, disasm_check=True):
    """Resolve every field for one build. Returns {struct: {label: int|None}} and the provenance."""
    s = build["series"]
    build["gdb"] = gdb      # for the extension modules' own sessions (2.7's _collections)
    queries = {}
    for group, _, fields in LAYOUT:
        for label, q, _ in fields:
            for qid, sq in layout_subqueries("%s.%s" % (group, label), q):
                queries[qid] = sq
                if "accept" in sq:
                    queries[qid + ".ftype"] = dict(sq, kind="ftype")
    queries.update(traverse_queries(s))
    for i, (q, _, _) in enumerate(TYPE_CHECKS):
        queries["check.type%d" % i] = q
    for group, role, file, name, _, _ in STATICS:
        queries["static.%s.%s" % (group, role)] = {"kind": "filevar", "file": file, "name": name}
    queries["check.symsize"] = {"kind": "symsize", "symbol": "_PyRuntime"}
    if s >= (3, 11):
        queries["check.pyversion"] = {"kind": "pyversion"}
    queries.update(frame_queries(s))
    queries.update(extra_queries(s))
    res = run_gdb(gdb, build["lib"], queries)
    R = res["results"]
    errors = []
    values = {}
    how = {}
    for group, _, fields in LAYOUT:
        values[group] = {}
        for label, q, rng in fields:
            qid = "%s.%s" % (group, label)
            # the query that must resolve in this series (None: the field is nil here); the others must not
            subs = layout_subqueries(qid, q)
            if q["kind"] == "alt":
                covering = [(sid, sq) for (sid, sq), (arng, _) in zip(subs, q["alts"]) if in_range(s, tuple(map(tuple, arng)))]
                if len(covering) != (1 if in_range(s, rng) else 0):
                    errors.append("%s: LAYOUT %s: %d alternatives cover this series" % (series_str(s), qid, len(covering)))
                    continue
            else:
                covering = subs if in_range(s, rng) else []
            bad_absent = False
            for sid, sq in subs:
                if (sid, sq) in covering:
                    continue
                r = R[sid]
                if "error" not in r:
                    errors.append("%s: %s is declared absent for this series but the DWARF has it (%s = %s); "
                                  "update LAYOUT" % (series_str(s), qid, r["how"], r["value"]))
                    bad_absent = True
            if bad_absent:
                continue
            if covering:
                sid, sq = covering[0]
                r = R[sid]
                if "error" in r:
                    errors.append("%s: cannot resolve %s: %s" % (series_str(s), qid, r["error"]))
                    continue
                if not isinstance(r["value"], int) or r["value"] < 0:
                    errors.append("%s: %s resolved to %r" % (series_str(s), qid, r["value"]))
                    continue
                if "accept" in sq:
                    rt = R[sid + ".ftype"]
                    if "error" in rt or rt["value"] not in sq["accept"]:
                        errors.append("%s: %s (%s) has type %r, expected one of %s" % (
                            series_str(s), qid, r["how"], rt.get("value", rt.get("error")), sq["accept"]))
                        continue
                values[group][label] = r["value"]
                how[qid] = r["how"] + (" : %s" % R[sid + ".ftype"]["value"] if "accept" in sq else "")
            else:
                values[group][label] = None
                how[qid] = "absent (%s)" % "; ".join(R[sid]["error"].split(": ", 1)[-1] for sid, _ in subs)
    # statics standing in for a structure (3.6)
    for group in STATIC_GROUPS:
        values[group]["statics"] = {}
    for group, role, file, name, accepted, rng in STATICS:
        r = R["static.%s.%s" % (group, role)]
        if not in_range(s, rng):
            if "error" not in r:
                errors.append("%s: %s exists (%s): STATICS is stale" % (series_str(s), name, r["how"]))
            continue
        if "error" in r:
            errors.append("%s: cannot resolve '%s'::%s: %s" % (series_str(s), file, name, r["error"]))
        elif r["value"] not in accepted:
            errors.append("%s: '%s'::%s is a %s, expected one of %s" % (series_str(s), file, name, r["value"], accepted))
        else:
            values[group]["statics"][role] = "%s:%s" % (file, name)
            how["static.%s.%s" % (group, role)] = r["how"]
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
    if s < (3, 7):
        if "error" not in r:
            errors.append("%s: _PyRuntime exists: LAYOUT's runtime group is stale" % series_str(s))
    elif "error" in r:
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
    # pointerFields: DWARF offsets of the listed members, checked against the compiled traverse function
    pointer_fields, pointer_names = pointer_values(s, R, errors, how, disasm_check)
    values["traversal"]["pointerFields"] = pointer_fields
    build["pointer_names"] = pointer_names
    # FrameTraversalLayout: libpython facts from this session, asyncioFields from the _asyncio extension
    frames, fhow, fnames, ferrors = frame_values(build, R, gdb, disasm_check)
    errors += ferrors
    how.update(fhow)
    try:
        aio, ahow, anames, aerrors = asyncio_values(build, gdb, disasm_check)
    except GenError as e:
        aio, ahow, anames, aerrors = {}, {}, {}, [str(e)]
    errors += aerrors
    how.update(ahow)
    frames["asyncioFields"] = aio
    fnames.update(anames)
    ext, ehow, enames, eerrors = extra_values(build, R, values, disasm_check)
    errors += eerrors
    how.update(ehow)
    frames.update(ext)
    fnames.update(enames)
    values["frames"] = frames
    build["frame_names"] = fnames
    # derived consistency
    g = values["gc"]
    if not errors:
        if g["generationThreshold"] < g["headSize"] or g["generationCountField"] < g["headSize"]:
            errors.append("%s: gc_generation fields overlap its head" % series_str(s))
        if g["permanentGeneration"] is not None and \
                g["permanentGeneration"] < g["generations"] + g["generationCount"] * g["generationSize"]:
            errors.append("%s: permanent_generation overlaps generations[]" % series_str(s))
    if errors:
        raise GenError("\n".join(errors))
    return values, how, res["types"]
