"""FrameTraversalLayout.asyncioFields: the _asyncio extension's types (ASYNCIO, ASYNCIO_MORE, ASYNCIO_ABSENT),
read in a gdb session of their own on the build's lib-dynload/_asyncio*.so and checked against their compiled
traverse functions (verify.check_trace)."""

import glob
import os
import re

from common import ALL, PY3, GenError, in_range, per_series, resolve_result, series_str
from gdb_backend import run_gdb
from plain import plain_check, plain_queries
from spec_frames import ASYNCIO, ASYNCIO_ABSENT, ASYNCIO_MORE, ASYNCIO_TYPES
from spec_layout import q_off, q_size
from tracer import OBJ, e_field
from verify import check_trace


def asyncio_so(build):
    series = build["series"]
    pattern = os.path.join(os.path.dirname(build["lib"]), "python%d.%d" % series, "lib-dynload",
                           "_asyncio.cpython-%d%d*.so" % series)
    hits = sorted(glob.glob(pattern))
    if len(hits) != 1:
        raise GenError("%s: expected one _asyncio extension at %s, found %s" % (series_str(series), pattern, hits))
    return hits[0]


def asyncio_values(build, gdb, disasm_check):
    """asyncioFields for one build, from its _asyncio extension. Returns (fields, how, names, errors)."""
    s = build["series"]
    if not in_range(s, PY3):
        return {}, {}, {}, []       # no _asyncio before 3.4
    so = asyncio_so(build)
    q = {}
    for key, entry in ASYNCIO.items():
        if s < (3, 12):
            q["aio.type.%s" % key] = {"kind": "typeobj", "symbol": entry["static"]}
        else:
            q["aio.type.%s" % key] = {"kind": "typespec", "symbol": entry["spec"]}
        q["aio.sizeof.%s" % key] = q_size(entry["struct"])
        for path in per_series(entry["fields"], s, key):
            q["aio.%s.%s" % (key, path)] = q_off(entry["struct"], path)
            q["aio.%s.%s.ftype" % (key, path)] = {"kind": "ftype", "type": entry["struct"], "path": path}
    # the Task starts with the Future's fields (FutureObj_HEAD): each Future path at the same offset
    for path in per_series(ASYNCIO["_asyncio.Future"]["fields"], s, "_asyncio.Future"):
        tpath = re.sub(r"^fut_", "task_", path)
        q["aio.prefix.%s" % path] = q_off("task", tpath)
    for key, entry in ASYNCIO_MORE.items():
        if in_range(s, entry["exists"]):
            q.update(plain_queries("aio.more.%s" % key, entry, s,
                                   ("static", entry["static"]) if s < (3, 12) else ("spec", entry["spec"])))
    for sym, _ in ASYNCIO_ABSENT:
        q["aio.absent.%s" % sym] = {"kind": "eval", "expr": "(long)&%s" % sym}
    if (3, 7) <= s < (3, 12):
        q["aio.holder.traverse"] = {"kind": "eval", "expr": "(long)PyRunningLoopHolder_Type.tp_traverse"}
        q["aio.holder.flags"] = {"kind": "eval", "expr": "(long)PyRunningLoopHolder_Type.tp_flags"}
    R = run_gdb(gdb, so, q, types=ASYNCIO_TYPES)["results"]
    errors, how, out, names, infos = [], {"aio.so": so}, {}, {}, {}
    # the other _asyncio types (plain fields, keyed by their per-series tp_name)
    for key, entry in ASYNCIO_MORE.items():
        if not in_range(s, entry["exists"]):
            continue
        name = per_series(entry["names"], s, key)
        offs, pairs = plain_check(s, "aio.more.%s" % key, R, entry, name, errors, how, disasm_check)
        if offs is not None:
            out[name], names[name] = offs, pairs
    for sym, rng in ASYNCIO_ABSENT:
        if in_range(s, rng) and "error" not in R["aio.absent.%s" % sym]:
            errors.append("%s: %s exists in %s: ASYNCIO_MORE is stale" % (series_str(s), sym, os.path.basename(so)))
    if (3, 7) <= s < (3, 12):
        t, fl = R["aio.holder.traverse"], R["aio.holder.flags"]
        if "error" in t or "error" in fl or t["value"] != 0 or fl["value"] & (1 << 14):
            errors.append("%s: _RunningLoopHolder is a GC type here (tp_traverse %s, flags %s): not handled" % (
                series_str(s), t.get("value", t.get("error")), fl.get("value", fl.get("error"))))
        else:
            how["aio._RunningLoopHolder"] = "tp_traverse NULL, no Py_TPFLAGS_HAVE_GC: not a GC type"
    for key, entry in ASYNCIO.items():
        offs, pairs = [], []
        for path in per_series(entry["fields"], s, key):
            o = resolve_result(R, "aio.%s.%s" % (key, path), errors, s, ["*"])
            offs.append(o)
            pairs.append((path, o))
        out[key], names[key] = offs, pairs
        t, size = R["aio.type.%s" % key], R["aio.sizeof.%s" % key]
        if "error" in t or "error" in size:
            errors.append("%s: %s: %s" % (series_str(s), key, t.get("error") or size.get("error")))
            continue
        info = t["value"]
        if info["name"] != key or info["function"] != entry["function"] or info["basicsize"] != size["value"]:
            errors.append("%s: %s: type %r traverse %s basicsize %d; expected %s, %s, %d" % (
                series_str(s), key, info["name"], info["function"], info["basicsize"], key, entry["function"],
                size["value"]))
            continue
        infos[key] = info
        how["aio.%s" % key] = "%s (%s)" % (t["how"], os.path.basename(so))
    fut = out["_asyncio.Future"]
    for path, o in names["_asyncio.Future"]:
        p = R["aio.prefix.%s" % path]
        if "error" in p or p["value"] != o:
            errors.append("%s: TaskObj does not start with FutureObj: %s at %s in the Future, %s in the Task" % (
                series_str(s), path, o, p.get("value", p.get("error"))))
    if errors:
        return out, how, names, errors
    task_own = out["_asyncio.Task"]
    mode = per_series(ASYNCIO["_asyncio.Task"]["future"], s, "Task future part")
    flat = task_own + [o for o in fut if o not in task_own]
    if disasm_check:
        for key, entry in ASYNCIO.items():
            extra = [(name, OBJ, None) for name in per_series(entry.get("delegates", [(ALL, [])]), s, key)] \
                if any(in_range(s, rng) for rng, _ in entry.get("delegates", [])) else []
            if key == "_asyncio.Future":
                visits = fut
            elif mode == "call":
                visits, extra = task_own, [("FutureObj_traverse", OBJ, None)] + extra
            else:
                visits = flat
            check_trace(s, "aio.%s" % key, infos[key], [e_field(d) for d in visits], errors, how, delegates=extra)
    else:
        how["aio"] = "NOT checked against the compiled code (--no-disasm-check)"
    out["_asyncio.Task"] = flat
    # the Future part under TaskObj's own member names (FutureObj_HEAD(task): task_loop, ...; checked above)
    names["_asyncio.Task"] = names["_asyncio.Task"] + [(re.sub(r"^fut_", "task_", p), o)
                                                       for p, o in names["_asyncio.Future"] if o not in task_own]
    return out, how, names, errors
