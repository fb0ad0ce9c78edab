"""The truth of libraries_target.py, from the collector itself, and the check of its probes.

A forked child (the target itself never collects) records, for every tracked object, its reference
count, its sys.getsizeof size and the tracked objects that gc.get_referents(obj) -- its own
tp_traverse -- reports. Then it sets DEBUG_COLLECTABLE and runs one full collection: the
`gc: collectable <type 0xADDR>` lines it prints are the truth (the unreachable set, printed
before finalizers run), written as JSON as cycles_target.py writes it, with the tp_name of each id
("names"), how many probes held ("probes") and the C types they went through ("through").

The recorded graph is then run through a model of the collector's reachability: an object's
references from other garbage are subtracted from its reference count, and whatever keeps a
count above zero keeps itself and all it refers to. With nothing hidden the model must find the
collector's set; with one probe's `via` object hidden (its references not subtracted, as a reader
that does not know its type would leave them), the probe's object must survive. A probe that
does not is a unit that does not test its C object, and fails the target.
"""
import gc
import os
import sys
import traceback

import collectable
from libraries import PROBES

# The child's exit statuses besides 0.
NOTHING_FOUND = 3
CHECK_FAILED = 7


def write_truth(expect):
    """Forks the child that writes `expect`; returns its exit status (0 when the truth is good)."""
    _as_in_child()
    child = os.fork()
    if child != 0:
        del PROBES[:]  # as the child does before it collects
    else:
        code = 1
        try:
            code = _child(expect)
        except BaseException:
            _fail(expect, [traceback.format_exc()])
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _as_in_child():
    """Does in the parent what an at-fork hook does in the child, so that both hold the same objects:
    importlib.metadata (3.15) clears FastPath's cache after a fork (python/importlib_metadata#520), which
    would make the FastPath objects pydantic's plugin lookup made garbage in the child only."""
    metadata = sys.modules.get("importlib.metadata")
    if metadata is not None and hasattr(metadata, "_clear_after_fork"):
        metadata.FastPath.__new__.cache_clear()


def failure_text(expect):
    try:
        with open(expect + ".failure") as f:
            return f.read().strip()
    except OSError:
        return "(no explanation written)"


def _record():
    """Reference counts, sizes and tracked referents (as indexes) of every tracked object, and the
    probes as (index of obj, index of via, label), their own references not counted."""
    control = []  # referred to by this name only: calibrates what the measuring loop adds
    objects = gc.get_objects()
    index = dict((id(o), n) for n, o in enumerate(objects))
    counts, sizes, edges = [], [], []
    for o in objects:
        counts.append(sys.getrefcount(o))
        sizes.append(sys.getsizeof(o))
        edges.append([index[i] for i in map(id, gc.get_referents(o)) if i in index])
    extra = counts[index[id(control)]] - 1
    counts = [c - extra for c in counts]
    probes = []
    obj = via = held = None
    for obj, via, label in PROBES:
        probes.append((index.get(id(obj)), index.get(id(via)), label))
        for held in (obj, via):
            if id(held) in index:
                counts[index[id(held)]] -= 1  # the probe's tuple
    del o, objects, control, obj, via, held
    del PROBES[:]  # now what is not in a cycle is freed, as in the parent
    return index, counts, sizes, edges, probes


def survivors(garbage, counts, edges, hidden=frozenset()):
    """The members of `garbage` (indexes) that the collector would keep if the objects `hidden`
    reported no references."""
    members = set(garbage)
    refs = dict((g, counts[g]) for g in garbage)
    for g in garbage:
        if g not in hidden:
            for r in edges[g]:
                if r in members:
                    refs[r] -= 1
    stack = [g for g in garbage if refs[g] > 0]
    kept = set(stack)
    while stack:
        for r in edges[stack.pop()]:
            if r in members and r not in kept:
                kept.add(r)
                stack.append(r)
    return kept


def _check(found, index, counts, edges, probes):
    """Problems with the probes, one line each (none when every probe holds)."""
    problems = []
    missing = [a for a, _ in found if a not in index]
    if missing:
        return ["%d collected objects were not in gc.get_objects(): %s" % (len(missing), [hex(a) for a in missing[:5]])]
    garbage = [index[a] for a, _ in found]
    names = dict((index[a], name) for a, name in found)
    kept = survivors(garbage, counts, edges)
    if kept:
        problems.append("the model of the collector keeps %d of its garbage (%s): the recorded counts or references are off"
                        % (len(kept), sorted(set(names[k] for k in kept))[:8]))
    if not probes:
        problems.append("the scenario made no probe")
    for obj, via, label in probes:
        if obj not in names:
            problems.append("%s: the object is not garbage" % label)
        elif via not in names:
            problems.append("%s: the C object is not garbage" % label)
        elif obj not in survivors(garbage, counts, edges, hidden=frozenset([via])):
            problems.append("%s: garbage even without the C object's references (the unit does not test it)" % label)
    return problems


def _child(expect):
    index, counts, sizes, edges, probes = _record()
    found = collectable.collect(expect + ".stderr")
    if not found:
        _fail(expect, ["the collection found nothing"])
        return NOTHING_FOUND
    problems = _check(found, index, counts, edges, probes)
    if problems:
        _fail(expect, problems)
        return CHECK_FAILED
    through = sorted(set(label.rsplit(" via ", 1)[1] for _, _, label in probes))
    collectable.write(expect, found, lambda address: sizes[index[address]], names=[name for _, name in found],
                      probes=len(probes), through=through)
    return 0


def _fail(expect, problems):
    with open(expect + ".failure", "w") as f:
        f.write("; ".join(problems) + "\n")
