"""FrameTraversalLayout.deque (DequeLayout, DEQUE): the deque's and its blocks' offsets, from libpython (3.x)
or 2.7's lib-dynload/_collections.so, checked against deque_traverse (verify.check_deque_trace)."""

import os

from common import PY3, GenError, SwiftLiteral, in_range, per_series, series_str
from gdb_backend import run_gdb
from render import swift_string
from spec_frames import DEQUE
from spec_layout import TYPES, q_count, q_off, q_size
from verify import check_deque_trace


def deque_queries(s):
    """The queries deque_value needs, in the session of the library that defines the deque."""
    q = {}
    kind, symbol = per_series(DEQUE["type"], s, "deque")
    q["deque.type"] = {"kind": "typeobj" if kind == "static" else "typespec", "symbol": symbol}
    q["deque.sizeof"] = q_size(DEQUE["struct"])
    for path in ("leftblock", "rightblock", "leftindex", "rightindex"):
        q["deque.%s" % path] = q_off(DEQUE["struct"], path)
        q["deque.%s.ftype" % path] = {"kind": "ftype", "type": DEQUE["struct"], "path": path}
    for path in ("data", "rightlink"):
        q["deque.block.%s" % path] = q_off(DEQUE["block"], path)
        q["deque.block.%s.ftype" % path] = {"kind": "ftype", "type": DEQUE["block"], "path": path}
    q["deque.block.count"] = q_count(DEQUE["block"], "data")
    q["deque.block.size"] = q_size(DEQUE["block"])
    q["deque.len"] = q_off(DEQUE["struct"], "len")            # 2.7 only: 3.x counts in ob_size
    return q


def collections_results(build):
    """2.7: the deque queries answered by the build's lib-dynload/_collections.so."""
    so = os.path.join(os.path.dirname(build["lib"]), "python%d.%d" % build["series"], "lib-dynload", "_collections.so")
    if not os.path.exists(so):
        raise GenError("%s: no %s" % (series_str(build["series"]), so))
    types = {"object": TYPES["object"], "deque": TYPES["deque"], "deque_block": TYPES["deque_block"]}
    return run_gdb(build["gdb"], so, deque_queries(build["series"]), types=types)["results"]


def deque_value(s, R, errors, how, disasm_check):
    """FrameTraversalLayout.deque (DequeLayout) for one build, checked as DEQUE describes; None on error."""
    n = len(errors)
    want_types = {"leftblock": "struct BLOCK *", "rightblock": "struct BLOCK *", "leftindex": "long",
                  "rightindex": "long", "block.data": "PyObject *[%d]" % (64 if in_range(s, PY3) else 62),
                  "block.rightlink": "struct BLOCK *"}
    o = {}
    for key, ctype in want_types.items():
        r, ft = R["deque.%s" % key], R["deque.%s.ftype" % key]
        if "error" in r or "error" in ft:
            errors.append("%s: deque %s: %s" % (series_str(s), key, r.get("error") or ft.get("error")))
            continue
        if ft["value"] != ctype and not (ctype == "struct BLOCK *" and ft["value"] == "block *"):
            errors.append("%s: deque %s is %r, expected %r" % (series_str(s), key, ft["value"], ctype))
            continue
        o[key] = r["value"]
    t, size, cnt = R["deque.type"], R["deque.sizeof"], R["deque.block.count"]
    bad = [r["error"] for r in (t, size, cnt) if "error" in r]
    if bad:
        errors.append("%s: deque: %s" % (series_str(s), "; ".join(bad)))
    if len(errors) > n:
        return None
    info, blocklen = t["value"], cnt["value"]
    bsize, length = R["deque.block.size"], R["deque.len"]
    if "error" in bsize:
        errors.append("%s: deque: sizeof(struct BLOCK): %s" % (series_str(s), bsize["error"]))
        return None
    if ("error" in length) == (not in_range(s, PY3)):
        errors.append("%s: deque: its `len` member is %s; DEQUE says 2.7 only" % (
            series_str(s), "absent" if "error" in length else "present"))
        return None
    length = None if "error" in length else length["value"]
    if info["name"] != DEQUE["tp_name"] or info["function"] != DEQUE["function"] or \
            info["basicsize"] != size["value"]:
        errors.append("%s: deque: type %r traverse %s basicsize %d; expected %r, %s, %d" % (
            series_str(s), info["name"], info["function"], info["basicsize"], DEQUE["tp_name"], DEQUE["function"],
            size["value"]))
        return None
    visits_type = per_series(DEQUE["visits_type"], s, "deque.visitsType")
    lb, rb, li, ri = (o[k] for k in ("leftblock", "rightblock", "leftindex", "rightindex"))
    data, rlink = o["block.data"], o["block.rightlink"]
    if rlink != data + 8 * blocklen:
        errors.append("%s: deque: rightlink %d does not follow data[%d] at %d" % (series_str(s), rlink, blocklen, data))
        return None
    if disasm_check:
        if not check_deque_trace(s, info, t["how"], o, blocklen, visits_type, errors, how):
            return None
    else:
        how["deque"] = "%s: NOT checked against its code" % t["how"]
    return SwiftLiteral(
        "DequeLayout(tpName: %s, leftBlock: %d, rightBlock: %d, leftIndex: %d, rightIndex: %d, blockData: %d, "
        "blockRightLink: %d, blockLength: %d, visitsType: %s, blockSize: %d, length: %s)" % (
            swift_string(DEQUE["tp_name"]), lb, rb, li, ri, data, rlink, blocklen, "true" if visits_type else "false",
            bsize["value"], "nil" if length is None else length))
