"""FrameTraversalLayout.arrayFields, moduleFields, dictSubtypeFields and deque, and EXTRA_CHECKS: gdb
queries, resolution and the checks against the compiled code (HAMT_ARRAYS, MODULE_TYPES, DICT_SUBTYPES; the
GOT slots of PyDict_Type read from the library's ELF relocations)."""

from common import PY3, GenError, SwiftLiteral, in_range, per_series, series_str
from deque import collections_results, deque_queries, deque_value
from plain import plain_check, plain_queries
from spec_frames import DICT_SUBTYPES, EXTRA_CHECKS, HAMT_ARRAYS, MODULE_TYPES
from spec_layout import q_count, q_off, q_size
from trace_shape import counts_down_to_zero
from tracer import OBJ, e_add, e_field, e_load, e_render
from verify import check_trace


def got_slots(path, symbol):
    """GOT slots the dynamic linker fills with &symbol (R_X86_64_GLOB_DAT relocations) in an
    ELF64 little-endian file: where compiled code loads the address of an exported object from."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise GenError("%s: not an ELF64 little-endian file" % path)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + k * shentsize) for k in range(shnum)]
    slots = []
    for sec in secs:
        if sec[1] != 4:                                 # SHT_RELA
            continue
        symtab = secs[sec[6]]
        strtab = secs[symtab[6]]
        for off in range(sec[4], sec[4] + sec[5], 24):
            r_offset, r_info, r_addend = struct.unpack_from("<QQq", data, off)
            rtype, symi = r_info & 0xffffffff, r_info >> 32
            if rtype != 6 or symi == 0:                  # R_X86_64_GLOB_DAT only
                continue
            st_name, = struct.unpack_from("<I", data, symtab[4] + symi * 24)
            start = strtab[4] + st_name
            if data[start:data.index(b"\0", start)].decode() == symbol:
                slots.append(r_offset)
    return slots


def extra_queries(s):
    """gdb queries (libpython session) for arrayFields, moduleFields, dictSubtypeFields and EXTRA_CHECKS."""
    q = {}
    for key, entry in HAMT_ARRAYS.items():
        if s < (3, 7):
            continue   # the HAMT (contextvars) is new in 3.7
        q["arr.%s.type" % key] = {"kind": "typeobj", "symbol": key}
        q["arr.%s.sizeof" % key] = q_size(entry["struct"])
        q["arr.%s.offset" % key] = q_off(entry["struct"], entry["array"])
        q["arr.%s.ftype" % key] = {"kind": "ftype", "type": entry["struct"], "path": entry["array"]}
        q["arr.%s.count" % key] = q_count(entry["struct"], entry["array"])
    if not in_range(s, PY3):
        # 2.7 builds _functools and _collections as extension modules and has no C OrderedDict: their
        # objects are traversed by their own code in the emulator (the deque is read from its module).
        return q
    for key, entry in MODULE_TYPES.items():
        q.update(plain_queries("mod.%s" % key, entry, s, per_series(entry["type"], s, key)))
    for key, entry in DICT_SUBTYPES.items():
        q.update(plain_queries("dsub.%s" % key, entry, s, per_series(entry["type"], s, key)))
        for rng, chain in entry.get("left_out", []):
            if in_range(s, rng):
                for struct, path in chain:
                    q["dsub.%s.left_out.%s.%s" % (key, struct, path)] = q_off(struct, path)
    q["dsub.PyDict_Type"] = {"kind": "typeobj", "symbol": "PyDict_Type"}
    q.update(deque_queries(s))
    q["dsub.PyDict_Type.address"] = {"kind": "eval", "expr": "(long)&PyDict_Type"}
    for i, (_, expr, _, rng) in enumerate(EXTRA_CHECKS):
        if in_range(s, rng):
            q["extra.check%d" % i] = {"kind": "eval", "expr": expr}
    return q


def extra_values(build, R, values, disasm_check):
    """arrayFields, moduleFields, dictSubtypeFields for one build. Returns (values, how, names, errors)."""
    s = build["series"]
    errors, how, names = [], {}, {}
    v = {"arrayFields": {}, "moduleFields": {}, "dictSubtypeFields": {}, "deque": None}
    for i, (what, _, want, rng) in enumerate(EXTRA_CHECKS):
        if in_range(s, rng):
            r = R["extra.check%d" % i]
            if "error" in r or r["value"] != want:
                errors.append("%s: check failed: %s (%s)" % (series_str(s), what, r.get("error", r.get("value"))))
            else:
                how["extra.check%d" % i] = what
    size_field = values["object"]["size"]
    if not in_range(s, PY3):
        dq = deque_value(s, collections_results(build), errors, how, disasm_check)
        if dq is not None:
            v["deque"] = dq
        return v, how, names, errors
    # arrayFields
    for key, entry in HAMT_ARRAYS.items():
        if s < (3, 7):
            continue
        prefix = "arr.%s" % key
        t, size, off, ft, cnt = (R["%s.%s" % (prefix, k)] for k in ("type", "sizeof", "offset", "ftype", "count"))
        bad = [r["error"] for r in (t, size, off, ft, cnt) if "error" in r]
        if bad:
            errors.append("%s: %s: %s" % (series_str(s), key, "; ".join(bad)))
            continue
        info, off, n = t["value"], off["value"], cnt["value"]
        if ft["value"] != entry["ctype"] or info["function"] != entry["function"]:
            errors.append("%s: %s: %s.%s is %r, traverse %s; expected %r, %s" % (
                series_str(s), key, entry["struct"], entry["array"], ft["value"], info["function"], entry["ctype"],
                entry["function"]))
            continue
        if entry["count"] == "size":
            if info["basicsize"] != off or info["itemsize"] != 8:
                errors.append("%s: %s: tp_basicsize %d / tp_itemsize %d; expected the array offset %d / 8" % (
                    series_str(s), key, info["basicsize"], info["itemsize"], off))
                continue
            index = ("iter", e_add(e_field(size_field), -1), -1)
            visits, compares = [e_load(("index", e_add(OBJ, off), index, 8))], []
            rule = SwiftLiteral("ArrayFieldRule(offset: %d, count: .objectSize)" % off)
        else:
            if info["basicsize"] != size["value"] or info["itemsize"] != 0:
                errors.append("%s: %s: tp_basicsize %d / tp_itemsize %d; expected sizeof %d / 0" % (
                    series_str(s), key, info["basicsize"], info["itemsize"], size["value"]))
                continue
            it = ("iter", e_add(OBJ, off), 8)
            visits, compares = [e_load(it)], [(it, e_add(OBJ, off + 8 * n))]
            rule = SwiftLiteral("ArrayFieldRule(offset: %d, count: .fixed(%d))" % (off, n))
        if disasm_check:
            tr = check_trace(s, prefix, info, visits, errors, how, compares=compares)
            if tr is None:
                continue
            if entry["count"] == "size" and not counts_down_to_zero(tr):
                errors.append("%s: %s: %s does not count Py_SIZE(self)-1 down to 0 as expected" % (
                    series_str(s), key, info["function"]))
                continue
        else:
            how[prefix] = "NOT checked against the compiled code (--no-disasm-check)"
        v["arrayFields"][key] = rule
        names[key] = [(entry["array"] + ("[Py_SIZE]" if entry["count"] == "size" else "[%d]" % n), off)]
    # moduleFields
    for key, entry in MODULE_TYPES.items():
        offs, pairs = plain_check(s, "mod.%s" % key, R, entry, key, errors, how, disasm_check)
        if offs is not None:
            v["moduleFields"][key], names[key] = offs, pairs
    # deque
    dq = deque_value(s, R, errors, how, disasm_check)
    if dq is not None:
        v["deque"] = dq
    # dictSubtypeFields: fields, then a tail call of PyDict_Type.tp_traverse (dict_traverse)
    d, da = R["dsub.PyDict_Type"], R["dsub.PyDict_Type.address"]
    if "error" in d or "error" in da or d["value"]["function"] != "dict_traverse":
        errors.append("%s: PyDict_Type.tp_traverse is not dict_traverse: %s" % (
            series_str(s), d.get("error") or da.get("error") or d["value"]["function"]))
        return v, how, names, errors
    tt = values["traversal"]["typeTraverse"]
    slots = got_slots(build["lib"], "PyDict_Type")
    dict_traverse = frozenset(["*" + e_render(e_field(tt, e_load(("const", g)))) for g in slots] +
                              ["*" + e_render(e_field(tt, ("const", da["value"])))])
    how["dsub.PyDict_Type"] = "dict_traverse, reached through %s" % sorted(dict_traverse)
    for key, entry in DICT_SUBTYPES.items():
        prefix = "dsub.%s" % key
        left_out = []
        for rng, chain in entry.get("left_out", []):
            if in_range(s, rng):
                e = OBJ
                for struct, path in chain:
                    r = R["%s.left_out.%s.%s" % (prefix, struct, path)]
                    if "error" in r:
                        errors.append("%s: %s: left-out %s.%s: %s" % (series_str(s), key, struct, path, r["error"]))
                        e = None
                        break
                    e = e_field(r["value"], e)
                if e is not None:
                    left_out.append(e)
        offs, pairs = plain_check(s, prefix, R, entry, entry.get("tp_name", key), errors, how,
                                  disasm_check, delegates=[(dict_traverse, OBJ, None)], left_out=left_out)
        if offs is not None:
            v["dictSubtypeFields"][key], names[key] = offs, pairs
            if left_out:
                how[prefix] += "; left out %s" % [e_render(e) for e in left_out]
    return v, how, names, errors
