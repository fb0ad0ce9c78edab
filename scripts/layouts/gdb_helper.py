"""The part of scripts/gen-layouts.py that runs inside gdb (`gdb -batch ... LIB -x gdb_helper.py`, gdb's
embedded Python; never imported). It reads the query spec named by $GEN_LAYOUTS_SPEC ({"types", "queries"},
see gdb_backend.run_gdb) and prints one line "@@GEN-LAYOUTS-JSON@@" + {"types", "results"}: each result is
{"value", "how"} or {"error"}.

Every offset is resolved twice -- with gdb's expression evaluator (`(long)&((T *)0)->a.b`) and by walking
`gdb.Type.fields()` bit positions (which also sees through anonymous unions/structs) -- and the two must
agree. Sizes come from `sizeof(T)`; when a structure has several names (typedef and struct tag) every name
that resolves must give the same size. Type objects and PyType_Specs give their traverse function's name
and AT&T disassembly (checked by verify.py).
"""

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
        if k in ("filevar", "filevarcount"):
            # A variable of one source file, static or not: 'gcmodule.c'::generations. Its C type (or the
            # element count of an array).
            v = gdb.parse_and_eval("'%s'::%s" % (q["file"], q["name"]))
            t = v.type
            if k == "filevar":
                out["results"][qid] = {"value": str(t), "how": "'%s'::%s : %s" % (q["file"], q["name"], t)}
            else:
                at = t.strip_typedefs()
                if at.code != gdb.TYPE_CODE_ARRAY:
                    raise ValueError("'%s'::%s is not an array" % (q["file"], q["name"]))
                lo, hi = at.range()
                out["results"][qid] = {"value": hi - lo + 1, "how": "elements of '%s'::%s (%s)" % (q["file"], q["name"], t)}
            continue
        if k == "pyversion":
            out["results"][qid] = {"value": int(gdb.parse_and_eval("Py_Version")), "how": "Py_Version"}
            continue
        if k == "typeobj":
            # A static type object as initialised in the library's data: its tp_traverse function (name,
            # and its disassembly) and tp_basicsize. The symbol may also be a pointer to the type
            # (PyExc_BaseException is a `PyObject *` variable).
            sym = gdb.lookup_global_symbol(q["symbol"]) or gdb.lookup_static_symbol(q["symbol"])
            if sym is None:
                raise LookupError("no symbol %s" % q["symbol"])
            tp = gdb.lookup_type("PyTypeObject")
            v = sym.value()
            if v.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
                if int(v) == 0:
                    raise ValueError("%s is NULL in the library's data" % q["symbol"])
                v = v.cast(tp.pointer()).dereference()
            elif v.type.strip_typedefs() != tp.strip_typedefs():
                raise ValueError("%s is a %s, not a PyTypeObject" % (q["symbol"], v.type))
            fn = int(v["tp_traverse"])
            if fn == 0:
                raise ValueError("%s.tp_traverse is NULL in the library's data" % q["symbol"])
            block = gdb.block_for_pc(fn)
            while block is not None and block.function is None:
                block = block.superblock
            if block is None:
                raise LookupError("%s.tp_traverse = 0x%x is in no function" % (q["symbol"], fn))
            if block.start != fn:
                raise ValueError("%s.tp_traverse = 0x%x is not the start of %s (0x%x)" % (
                    q["symbol"], fn, block.function.name, block.start))
            gdb.execute("set disassembly-flavor att")
            text = gdb.execute("disassemble 0x%x" % fn, to_string=True)
            arch = gdb.execute("show architecture", to_string=True).strip()
            out["results"][qid] = {"value": {"function": block.function.name, "address": fn,
                                             "basicsize": int(v["tp_basicsize"]), "disassembly": text,
                                             "itemsize": int(v["tp_itemsize"]),
                                             "arch": arch, "name": v["tp_name"].string()},
                                   "how": "%s.tp_traverse" % q["symbol"]}
            continue
        if k == "typespec":
            # A PyType_Spec (heap types, e.g. _asyncio 3.12+): name, basicsize and its Py_tp_traverse slot.
            sym = gdb.lookup_global_symbol(q["symbol"]) or gdb.lookup_static_symbol(q["symbol"])
            if sym is None:
                raise LookupError("no symbol %s" % q["symbol"])
            v = sym.value()
            slots = v["slots"]
            fn, i = None, 0
            while True:
                slot = int(slots[i]["slot"])
                if slot == 0:
                    break
                if slot == 71:      # Py_tp_traverse (Include/typeslots.h, the same in every series)
                    if fn is not None:
                        raise ValueError("%s has two Py_tp_traverse slots" % q["symbol"])
                    fn = int(slots[i]["pfunc"])
                i += 1
                if i > 200:
                    raise ValueError("%s: no end of slots" % q["symbol"])
            if not fn:
                raise ValueError("%s has no Py_tp_traverse slot" % q["symbol"])
            block = gdb.block_for_pc(fn)
            while block is not None and block.function is None:
                block = block.superblock
            if block is None or block.start != fn:
                raise ValueError("%s: traverse 0x%x is not the start of a function" % (q["symbol"], fn))
            gdb.execute("set disassembly-flavor att")
            text = gdb.execute("disassemble 0x%x" % fn, to_string=True)
            arch = gdb.execute("show architecture", to_string=True).strip()
            out["results"][qid] = {"value": {"function": block.function.name, "address": fn,
                                             "basicsize": int(v["basicsize"]), "disassembly": text,
                                             "itemsize": int(v["itemsize"]),
                                             "arch": arch, "name": v["name"].string()},
                                   "how": "%s Py_tp_traverse slot" % q["symbol"]}
            continue
        if k == "disasm":
            # A function by name (e.g. _PyFrame_Traverse, which no type object points at).
            sym = gdb.lookup_global_symbol(q["function"]) or gdb.lookup_static_symbol(q["function"])
            if sym is None or sym.type.strip_typedefs().code != gdb.TYPE_CODE_FUNC:
                raise LookupError("no function %s" % q["function"])
            fn = int(sym.value().address)
            gdb.execute("set disassembly-flavor att")
            text = gdb.execute("disassemble 0x%x" % fn, to_string=True)
            arch = gdb.execute("show architecture", to_string=True).strip()
            out["results"][qid] = {"value": {"function": q["function"], "address": fn, "disassembly": text,
                                             "arch": arch}, "how": "function %s" % q["function"]}
            continue
        if k == "eval":
            out["results"][qid] = {"value": int(gdb.parse_and_eval(q["expr"])), "how": q["expr"]}
            continue
        if k == "enumval":
            # An enumerator: its value, and the largest value of its enum type.
            val = gdb.parse_and_eval(q["name"])
            et = val.type.strip_typedefs()
            if et.code != gdb.TYPE_CODE_ENUM:
                raise ValueError("%s is a %s, not an enumerator" % (q["name"], val.type))
            values = [int(f.enumval) for f in et.fields()]
            out["results"][qid] = {"value": int(val), "max": max(values),
                                   "how": "enumerator %s of %s (values %s)" % (q["name"], et, values)}
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
        elif k == "pointee":
            _, f = walk(t, q["path"])
            pt = f.type.strip_typedefs()
            if pt.code != gdb.TYPE_CODE_PTR:
                raise ValueError("%s.%s is not a pointer" % (name, q["path"]))
            out["results"][qid] = {"value": pt.target().strip_typedefs().sizeof,
                                   "how": "sizeof(*%s.%s) (%s)" % (name, q["path"], pt.target())}
        else:
            raise ValueError("unknown query kind %s" % k)
    except Exception as e:
        out["results"][qid] = {"error": "%s: %s" % (type(e).__name__, e)}

print("@@GEN-LAYOUTS-JSON@@" + json.dumps(out))
