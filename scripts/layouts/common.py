"""What every part of scripts/gen-layouts.py shares: its error (GenError: exit 1, nothing written), the
series ranges the tables use, one value per series out of a range table, a gdb/probe result taken with its
error, a literal for the Swift file, and the query constructors (q_*) every backend answers: gdb on DWARF
(gdb_helper.py) and the header probes (probe.py); spec_layout.py re-exports them.

A range is (first series, last series), both included; a range table is [(range, value)] and must cover a
series exactly once where it is asked (`per_series`)."""

ALL = ((2, 7), (3, 13))
# Python 3 only (the compact str, the split dict, __qualname__, ...): 2.7 has other structures or none.
PY3 = ((3, 6), (3, 13))
# 2.7 only (its str is PyStringObject, its dict keeps its table, classic classes, the block stack).
PY2 = ((2, 7), (2, 7))
# From 3.7: `_PyRuntime` (with the gc state in `_PyRuntime.gc` in 3.7-3.8, `interp->gc` later), interpreter ids,
# the permanent generation, contextvars and the HAMT. 3.6 keeps the gc state in gcmodule.c statics (GC_STATICS).
R37 = ((3, 7), (3, 13))


def q_size(t):
    return {"kind": "size", "type": t}


def q_off(t, path):
    return {"kind": "offset", "type": t, "path": path}


def q_bit(t, path, member):
    """Bit position of bitfield `member` inside the (struct) field at `path`, relative to that field."""
    return {"kind": "bit", "type": t, "path": path, "member": member}


def q_count(t, path):
    return {"kind": "count", "type": t, "path": path}


def q_typed(query, accept):
    """`query` (an offset) whose member must have one of the stripped C types in `accept`."""
    return dict(query, accept=accept)


def q_alt(*alternatives):
    """One field that is a different C member per series: [(series range, query)]. In a series, exactly
    the alternative covering it must resolve; every other alternative must be absent from the DWARF."""
    return {"kind": "alt", "alts": [[list(map(list, rng)), q] for rng, q in alternatives]}


class GenError(Exception):
    pass


def series_str(s):
    return "%d.%d" % s


def in_range(s, r):
    return r[0] <= s <= r[1]


def per_series(table, series, what):
    hits = [v for rng, v in table if in_range(series, rng)]
    if len(hits) != 1:
        raise GenError("%s: %d entries cover %s" % (what, len(hits), series_str(series)))
    return hits[0]


def resolve_result(R, qid, errors, s, accepted=None):
    """The value of query `qid` in the results R, or None with an error noted. `accepted`: the stripped C
    types its member may have (its `qid.ftype` query); ["*"]: any pointer."""
    r = R.get(qid, {"error": "not queried"})
    if "error" in r:
        errors.append("%s: cannot resolve %s: %s" % (series_str(s), qid, r["error"]))
        return None
    if accepted is not None:
        rt = R.get(qid + ".ftype", {"error": "not queried"})
        if "error" in rt:
            errors.append("%s: type of %s: %s" % (series_str(s), qid, rt["error"]))
            return None
        if rt["value"] not in accepted and not (accepted == ["*"] and rt["value"].endswith("*")):
            errors.append("%s: %s has type %r, expected %s" % (series_str(s), qid, rt["value"], accepted))
            return None
    return r["value"]


class SwiftLiteral(str):
    """A value written into the Swift file as is."""
