"""The disassembly verification step: a build's compiled traverse functions (gdb's AT&T disassembly, x86-64)
against what the resolved offsets say they visit. `check_field_visits` for the plain-field TRAVERSE entries
(field_visits.visited_offsets), `check_trace` for everything traced symbolically (tracer.trace_function:
visits as a set, the calls handed `visit` and their guards, required reads and compares), `check_deque_trace`
for deque_traverse. Each notes its findings in `errors` (the run then fails, nothing written) and how it
checked in `how` (printed by --verbose). Skipped entirely with --no-disasm-check."""

import re

from common import PY3, in_range, series_str
from field_visits import visited_offsets
from trace_shape import guards, unconditional
from tracer import e_add, e_field, e_load, e_render, trace_function


def check_trace(s, what, info, expected_visits, errors, how, delegates=(), reads=(), compares=()):
    """Trace a traverse function: visits must equal expected_visits (rendered expressions, as a set),
    the calls handed `visit` must be exactly `delegates` ([(name, rendered rdi, required guard or None)];
    guard: a list of accepted (compare, condition) pairs; None: the call must be unconditional), and
    every listed read / compare must occur."""
    if "x86-64" not in info["arch"]:
        errors.append("%s: cannot check %s on %s (x86-64 only); pass --no-disasm-check" % (
            series_str(s), what, info["arch"]))
        return None
    tr = trace_function(info["disassembly"], info["function"])
    bad = []
    if tr["problems"]:
        bad.append("; ".join(tr["problems"]))
    if len(set(tr["visits"])) != len(tr["visits"]):
        bad.append("visits something twice: %s" % tr["visits"])
    want = set(e_render(e) for e in expected_visits)
    if set(tr["visits"]) != want:
        bad.append("visits %s, expected %s (missing %s, unexpected %s)" % (
            sorted(tr["visits"]), sorted(want), sorted(want - set(tr["visits"])), sorted(set(tr["visits"]) - want)))
    got_del = [(d["target"], d["rdi"]) for d in tr["delegates"]]
    want_del = [(name, e_render(rdi)) for name, rdi, _ in delegates]
    # a delegate's name may be a set of equivalent renderings (e.g. PyDict_Type.tp_traverse via either GOT slot)
    if len(got_del) == len(want_del) and all(isinstance(w[0], (set, frozenset)) and g[0] in w[0] and g[1] == w[1]
                                             for g, w in zip(got_del, want_del) if isinstance(w[0], (set, frozenset))):
        want_del = [(g[0], w[1]) if isinstance(w[0], (set, frozenset)) else w for g, w in zip(got_del, want_del)]
    if got_del != want_del:
        bad.append("hands visit to %s, expected %s" % (got_del, want_del))
    else:
        for d, (name, _, guard) in zip(tr["delegates"], delegates):
            if not d["ok_args"]:
                bad.append("%s is not called as (x, visit, arg): %s" % (name, d["text"]))
            if guard is None:
                if not unconditional(tr, d):
                    bad.append("the call to %s is conditional; it cannot be flattened" % name)
            else:
                g = guards(tr, d)
                if len(g) != 1 or g[0] not in guard:
                    bad.append("the call to %s is guarded by %s, expected one of %s" % (name, g, guard))
                else:
                    how["%s.guard" % what] = "%s when %s %s %s" % (name, g[0][0][0], g[0][1], g[0][0][1])
    for r in reads:
        if e_render(r) not in tr["reads"]:
            bad.append("does not read %s" % e_render(r))
    for left, right in compares:
        if (e_render(left), e_render(right)) not in tr["compares"]:
            bad.append("does not compare %s with %s (compares: %s)" % (e_render(left), e_render(right),
                                                                       tr["compares"]))
    if bad:
        errors.append("%s: %s (%s at 0x%x): %s" % (series_str(s), what, info["function"], info["address"],
                                                   "; ".join(bad)))
        return None
    how[what] = "%s at 0x%x: visits %s%s" % (info["function"], info["address"], tr["visits"],
                                             "; calls %s" % got_del if got_del else "")
    return tr


def check_field_visits(s, key, entry, info, paths, offsets, left_out, errors, how):
    """The plain-field check of one TRAVERSE entry: the compiled traverse function (info: a typeobj result)
    must hand `visit` exactly the listed field offsets and the `left_out` ones (field_visits.visited_offsets),
    once each, and `visit` to nothing else (except indirect calls where the entry names "delegates").
    False when it cannot be checked here (not x86-64; the entry is then not written)."""
    if "x86-64" not in info["arch"]:
        errors.append("%s: cannot check traverse functions on %s (x86-64 only); pass --no-disasm-check "
                      "to trust TRAVERSE unchecked" % (series_str(s), info["arch"]))
        return False
    seen, problems, delegations = visited_offsets(info["disassembly"], info["function"])
    missing_left_out = sorted(set(left_out) - set(seen))
    if missing_left_out:
        errors.append("%s: %s: the compiled %s does not visit the left-out offsets %s: TRAVERSE is stale" % (
            series_str(s), key, info["function"], missing_left_out))
    seen = [o for o in seen if o not in left_out]
    if problems:
        errors.append("%s: %s: %s" % (series_str(s), info["function"], "; ".join(problems)))
    if delegations and not (entry.get("delegates") and all(d.startswith("indirect") for d in delegations)):
        errors.append("%s: %s hands visit to other functions (%s): it visits more than fields" % (
            series_str(s), info["function"], "; ".join(delegations)))
    if len(set(seen)) != len(seen):
        errors.append("%s: %s visits an offset twice: %s" % (series_str(s), info["function"], seen))
    missing = [p for p, o in zip(paths, offsets) if o not in seen]
    extra = sorted(set(seen) - set(offsets))
    if missing:
        errors.append("%s: %s: TRAVERSE lists %s but the compiled %s does not visit %s" % (
            series_str(s), key, ", ".join(missing), info["function"],
            "them" if len(missing) > 1 else "it"))
    if extra:
        errors.append("%s: %s: the compiled %s also visits offsets %s, missing from TRAVERSE" % (
            series_str(s), key, info["function"], extra))
    order = "" if seen == offsets else " (compiled order %s)" % seen
    how["trav.%s" % key] = "%s at 0x%x: visits %s%s" % (info["function"], info["address"], offsets, order)
    return True


def check_deque_trace(s, info, where, o, blocklen, visits_type, errors, how):
    """deque_traverse (info: a typeobj/typespec result; o: the DWARF offsets by member) checked as DEQUE says:
    the traced visits, the block walk's compares, the rightindex read and the indexed data loads. False (an
    error noted) when the code does not match or cannot be checked here."""
    lb, rb, li, ri = (o[k] for k in ("leftblock", "rightblock", "leftindex", "rightindex"))
    data, rlink = o["block.data"], o["block.rightlink"]
    first = e_field(lb)
    it = ("iter", e_field(li), 1)
    visits = [e_load(("index", e_add(first, data), it, 8))] + ([e_field(8)] if visits_type else [])
    if "x86-64" not in info["arch"]:
        errors.append("%s: cannot check deque_traverse on %s; pass --no-disasm-check" % (series_str(s), info["arch"]))
        return False
    tr = trace_function(info["disassembly"], info["function"])
    problems = list(tr["problems"])
    # 3.x: two loops (the first block, then the others: merged into one unknown '?' visit); 2.7: one
    # loop over every block, which the tracer sees as the first block's visit only.
    py2 = not in_range(s, PY3)
    want = set(e_render(e) for e in visits) | (set() if py2 else {"?"})
    if set(tr["visits"]) != want or len(tr["visits"]) != len(set(tr["visits"])):
        problems.append("visits %s, expected %s" % (sorted(tr["visits"]), sorted(want)))
    if tr["delegates"]:
        problems.append("hands visit to %s" % tr["delegates"])
    need = [(first, e_field(rb)), (e_field(rb), e_field(rlink, first))]
    for left, right in need:
        if (e_render(left), e_render(right)) not in tr["compares"] and (e_render(right), e_render(left)) not in tr["compares"]:
            problems.append("does not compare %s with %s" % (e_render(left), e_render(right)))
    if (e_render(e_field(li)), str(blocklen - 1)) not in tr["compares"] and \
            (e_render(it), str(blocklen)) not in tr["compares"] and \
            (e_render(it), str(blocklen - 1)) not in tr["compares"]:       # 2.7: index <= BLOCKLEN - 1
        problems.append("does not compare leftindex / the index with BLOCKLEN %d" % blocklen)
    if e_render(e_field(ri)) not in tr["reads"]:
        problems.append("does not read rightindex %s" % e_render(e_field(ri)))
    # both loops load b->data[index] into %rdi (the visit argument) at the DWARF data offset
    idx = re.findall(r"\bmov\s+(-?0x[0-9a-f]+|\d*)\(%r\w+,%r\w+,8\),%rdi", info["disassembly"])
    if len(idx) != (1 if py2 else 2) or any(int(x, 0) != data for x in idx):
        problems.append("indexed loads into %%rdi at %s, expected %s at data offset %d" % (idx, "one" if py2 else "two", data))
    if problems:
        errors.append("%s: deque (%s at 0x%x): %s" % (series_str(s), info["function"], info["address"],
                                                     "; ".join(problems)))
        return False
    how["deque"] = "%s at 0x%x (%s): visits %s; compares %s" % (
        info["function"], info["address"], where, sorted(tr["visits"]), tr["compares"])
    return True
