"""Integration-test target for pyinspect (written for this project; CPython 2.7 and 3.6+, stdlib only).

Builds a deterministic heap, writes the exact in-process truth about it as JSON to --expect FILE,
prints "READY <pid>" on stdout and then blocks in sys.stdin.read() until EOF (exit status 0).

Heap, in order:
  --freeze   9 `Frozen` objects, then gc.freeze() (so they sit in the permanent generation)
  always     123 `Alpha` and 7 `Outer.Inner` objects kept alive in lists
  --saveall  gc.set_debug(gc.DEBUG_SAVEALL); 5 `Leak` pairs in reference cycles, dropped and
             collected, so gc.garbage holds exactly those 10 objects (Leak has __slots__, no dicts)
  always     gc.set_threshold(1234, 56, 78); gc.collect(); gc.disable()
  truth      census of generation 2 (exact: nothing is promoted with gc disabled), of generation 1
             (must be empty) and of gc.garbage, by __name__, by module.qualname, by type address
  always     11 `Gamma` objects created after the census, so they sit in generation 0
  truth      how many objects of the permanent generation are immortal (3.12+; a forked child counts them)

While it waits it allocates nothing: every module it needs is imported before the census.
"""
import gc
import json
import os
import sys
from collections import Counter


class Alpha(object):
    def __init__(self, i):
        self.i = i


class Outer(object):
    class Inner(object):
        def __init__(self, i):
            self.i = i


class Gamma(object):
    def __init__(self, i):
        self.i = i


class Frozen(object):
    def __init__(self, i):
        self.i = i


class Leak(object):
    __slots__ = ("other",)

    def __init__(self):
        self.other = None


def qualified(t):
    # 2.7 has no __qualname__: the qualified name is module.__name__ there.
    return "%s.%s" % (t.__module__, getattr(t, "__qualname__", t.__name__))


def census(objects):
    by_name, by_qualified, by_type = Counter(), Counter(), Counter()
    for o in objects:
        t = type(o)
        by_name[t.__name__] += 1
        by_qualified[qualified(t)] += 1
        by_type[hex(id(t))] += 1
    return {
        "count": len(objects),
        "types": dict(by_name),
        "qualified_types": dict(by_qualified),
        "by_type": dict(by_type),
    }


def immortal(objects):
    """How many are immortal (3.12+): the low 32 bits of the refcount negative, i.e. >= 2**31."""
    return sum(1 for o in objects if sys.getrefcount(o) >= 2 ** 31)


def permanent_immortal():
    """Immortal objects in the permanent generation, computed in a forked child (so the process
    itself is left as it is): unfreeze there, and count the immortal objects that arrive in
    generation 2. The collector moves immortal objects it meets there (3.12+); gc.freeze() moves
    every object of generations 0-2."""
    if sys.version_info < (3, 8):
        return 0    # no immortal objects before 3.12 (and no gc.get_objects(generation) to count them)
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        before = immortal(gc.get_objects(2))
        gc.unfreeze()
        after = immortal(gc.get_objects(2))
        os.write(w, str(after - before).encode("ascii"))
        os._exit(0)
    os.close(w)
    answer = b""
    while True:
        chunk = os.read(r, 64)
        if not chunk:
            break
        answer += chunk
    os.close(r)
    os.waitpid(child, 0)
    return int(answer)


def parse(argv):
    opts = {"expect": None, "saveall": False, "freeze": False}
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--expect" and args:
            opts["expect"] = args.pop(0)
        elif a == "--saveall":
            opts["saveall"] = True
        elif a == "--freeze":
            opts["freeze"] = True
        else:
            sys.stderr.write("usage: census_target.py --expect FILE [--saveall] [--freeze]\n")
            sys.exit(2)
    if opts["expect"] is None:
        sys.stderr.write("census_target.py: --expect FILE is required\n")
        sys.exit(2)
    return opts


KEEP = {}


def main():
    opts = parse(sys.argv[1:])
    gc.collect()

    if opts["freeze"]:
        KEEP["frozen"] = [Frozen(i) for i in range(9)]
        gc.freeze()

    KEEP["alpha"] = [Alpha(i) for i in range(123)]
    KEEP["inner"] = [Outer.Inner(i) for i in range(7)]

    if opts["saveall"]:
        gc.set_debug(gc.DEBUG_SAVEALL)
        for _ in range(5):
            a, b = Leak(), Leak()
            a.other, b.other = b, a
        del a, b
        gc.collect()

    gc.set_threshold(1234, 56, 78)
    gc.collect()
    gc.disable()

    # ---- exact truth; nothing below frees a generation-2 object or collects ----
    # Before 3.8 gc.get_objects() takes no generation: right after a full collection with gc disabled
    # every tracked object is in generation 2 and generation 1 is empty. (Called here, not from a helper:
    # 2.7 and 3.6 track every frame, and a helper's own frame would be counted.)
    gen2 = gc.get_objects(generation=2) if sys.version_info >= (3, 8) else gc.get_objects()
    truth_gen2 = census(gen2)
    del gen2
    gen1 = gc.get_objects(generation=1) if sys.version_info >= (3, 8) else []
    truth_gen1 = census(gen1)
    del gen1
    garbage = list(gc.garbage)
    truth_garbage = census(garbage)
    truth_garbage["ids"] = [hex(id(o)) for o in garbage]
    del garbage
    truth = {
        "pid": os.getpid(),
        "version": sys.version.split()[0],
        "executable": sys.executable,
        "generation2": truth_gen2,
        "generation1": truth_gen1,
        "garbage": truth_garbage,
        "threshold": list(gc.get_threshold()),
        # gc.get_stats() is 3.4+ (2.7 keeps no statistics); gc is disabled, so they stay as they are.
        "stats": [dict((k, s[k]) for k in ("collections", "collected", "uncollectable"))
                  for s in (gc.get_stats() if hasattr(gc, "get_stats") else [])],
        "enabled": gc.isenabled(),
        "debug": gc.get_debug(),
        "freeze_count": gc.get_freeze_count() if hasattr(gc, "get_freeze_count") else 0,
        "permanent_immortal": permanent_immortal(),
        "markers": {
            "Alpha": 123,
            "__main__.Outer.Inner": 7,
            "Gamma": 11,
            "Frozen": 9 if opts["freeze"] else 0,
            "Leak": 10 if opts["saveall"] else 0,
        },
        "type_addresses": {
            "Alpha": hex(id(Alpha)),
            "Inner": hex(id(Outer.Inner)),
            "Gamma": hex(id(Gamma)),
            "Frozen": hex(id(Frozen)),
            "Leak": hex(id(Leak)),
        },
    }

    # generation-0 markers: created after the last collection, never promoted (gc is disabled)
    KEEP["gamma"] = [Gamma(i) for i in range(11)]

    path = opts["expect"]
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
    os.rename(tmp, path)

    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
