"""Plain-field traverse functions: TraversalLayout.pointerFields (TRAVERSE: queries, resolution, then
verify.check_field_visits) and the plain-field types of the other tables (`plain_queries` / `plain_check`:
ASYNCIO_MORE, MODULE_TYPES, DICT_SUBTYPES, traced with verify.check_trace)."""

from common import in_range, per_series, resolve_result, series_str
from spec_layout import q_off, q_size
from spec_traverse import TRAVERSE, traverse_exists, traverse_paths
from tracer import e_field
from verify import check_field_visits, check_trace


def traverse_queries(s):
    """gdb queries (libpython session) for TRAVERSE in series s: type objects, sizes, member offsets and types."""
    queries = {}
    for key, entry in TRAVERSE.items():
        queries["trav.%s" % key] = {"kind": "typeobj", "symbol": key}
        queries["trav.%s.sizeof" % key] = q_size(entry["struct"])
        for path in traverse_paths(key, s):
            queries["trav.%s.%s" % (key, path)] = q_off(entry["struct"], path)
            queries["trav.%s.%s.ftype" % (key, path)] = {"kind": "ftype", "type": entry["struct"], "path": path}
        for rng, struct, lpaths in entry.get("left_out", []):
            if in_range(s, rng):
                for path in lpaths:
                    queries["trav.%s.left_out.%s" % (key, path)] = q_off(struct, path)
    return queries


def pointer_values(s, R, errors, how, disasm_check):
    """TraversalLayout.pointerFields for series s from the results R: {key: offsets} and {key: [(path, offset)]}.
    Each listed member must be a pointer, the type object's tp_traverse the named function and its tp_basicsize
    sizeof(struct); then the compiled function is checked (verify.check_field_visits)."""
    pointer_fields, pointer_names = {}, {}
    for key, entry in sorted(TRAVERSE.items()):
        if not traverse_exists(key, s):
            if "error" not in R["trav.%s" % key]:
                errors.append("%s: %s exists: its TRAVERSE \"exists\" range is stale" % (series_str(s), key))
            continue
        paths = traverse_paths(key, s)
        offsets, failed = [], False
        for path in paths:
            r, rt = R["trav.%s.%s" % (key, path)], R["trav.%s.%s.ftype" % (key, path)]
            if "error" in r or "error" in rt:
                errors.append("%s: %s: cannot resolve %s.%s: %s" % (series_str(s), key, entry["struct"], path,
                                                                   r.get("error") or rt.get("error")))
                failed = True
                continue
            if not rt["value"].endswith("*"):
                errors.append("%s: %s: %s.%s is a %s, not a pointer" % (series_str(s), key, entry["struct"], path,
                                                                       rt["value"]))
                failed = True
            offsets.append(r["value"])
            how["trav.%s.%s" % (key, path)] = r["how"]
        if failed:
            continue
        if len(set(offsets)) != len(offsets):
            errors.append("%s: %s: two listed fields share an offset: %s" % (series_str(s), key, offsets))
            continue
        t, size = R["trav.%s" % key], R["trav.%s.sizeof" % key]
        if "error" in t or "error" in size:
            errors.append("%s: %s: %s" % (series_str(s), key, t.get("error") or size.get("error")))
            continue
        info = t["value"]
        function = entry["function"] if isinstance(entry["function"], str) else \
            per_series(entry["function"], s, key + " function")
        if info["function"] != function:
            errors.append("%s: %s.tp_traverse is %s, TRAVERSE says %s" % (series_str(s), key, info["function"],
                                                                         function))
            continue
        if info["basicsize"] != size["value"]:
            errors.append("%s: %s.tp_basicsize %d != %s %d: wrong struct for this type" % (
                series_str(s), key, info["basicsize"], size["how"], size["value"]))
            continue
        left_out = []
        for rng, struct, lpaths in entry.get("left_out", []):
            if in_range(s, rng):
                for path in lpaths:
                    r = R["trav.%s.left_out.%s" % (key, path)]
                    if "error" in r:
                        errors.append("%s: %s: cannot resolve left-out %s.%s: %s" % (series_str(s), key, struct,
                                                                                    path, r["error"]))
                        failed = True
                    else:
                        left_out.append(r["value"])
                        how["trav.%s.left_out.%s" % (key, path)] = r["how"] + " (visited, deliberately left out)"
        if failed:
            continue
        if set(left_out) & set(offsets):
            errors.append("%s: %s: a left-out offset is also listed: %s" % (series_str(s), key, left_out))
            continue
        if disasm_check:
            if not check_field_visits(s, key, entry, info, paths, offsets, left_out, errors, how):
                continue
        else:
            how["trav.%s" % key] = "%s at 0x%x: NOT checked against its code" % (info["function"], info["address"])
        pointer_fields[key] = offsets
        pointer_names[key] = list(zip(paths, offsets))
    return pointer_fields, pointer_names


def plain_queries(prefix, entry, s, typeref):
    """gdb queries for a type whose traverse visits plain fields: its type object or spec, sizeof, fields."""
    kind, symbol = typeref
    q = {"%s.type" % prefix: {"kind": "typeobj" if kind == "static" else "typespec", "symbol": symbol},
         "%s.sizeof" % prefix: q_size(entry["struct"])}
    for path in per_series(entry["fields"], s, prefix):
        q["%s.%s" % (prefix, path)] = q_off(entry["struct"], path)
        q["%s.%s.ftype" % (prefix, path)] = {"kind": "ftype", "type": entry["struct"], "path": path}
    return q


def plain_check(s, prefix, R, entry, name, errors, how, disasm_check, delegates=(), left_out=()):
    """Resolve and check one plain_queries entry: the type's tp_name must be `name`, its traverse function
    entry["function"], its basicsize sizeof(struct); the traced visits must be exactly the fields plus the
    `left_out` expressions (visited, deliberately not listed); calls handed visit exactly `delegates`.
    Returns (offsets, [(path, offset)]) or (None, None)."""
    n = len(errors)
    offs, pairs = [], []
    for path in per_series(entry["fields"], s, prefix):
        o = resolve_result(R, "%s.%s" % (prefix, path), errors, s, ["*"])
        offs.append(o)
        pairs.append((path, o))
    t, size = R["%s.type" % prefix], R["%s.sizeof" % prefix]
    if "error" in t or "error" in size:
        errors.append("%s: %s: %s" % (series_str(s), prefix, t.get("error") or size.get("error")))
        return None, None
    info = t["value"]
    if info["name"] != name or info["function"] != entry["function"] or info["basicsize"] != size["value"]:
        errors.append("%s: %s: type %r traverse %s basicsize %d; expected %r, %s, %d" % (
            series_str(s), prefix, info["name"], info["function"], info["basicsize"], name, entry["function"],
            size["value"]))
        return None, None
    if len(errors) > n:
        return None, None
    if len(set(offs)) != len(offs):
        errors.append("%s: %s: two listed fields share an offset: %s" % (series_str(s), prefix, offs))
        return None, None
    if disasm_check:
        if check_trace(s, prefix, info, [e_field(o) for o in offs] + list(left_out), errors, how,
                       delegates=delegates) is None:
            return None, None
        how[prefix] = "%s (%s)" % (how[prefix], t["how"])
    else:
        how[prefix] = "%s: NOT checked against its code" % t["how"]
    return offs, pairs
