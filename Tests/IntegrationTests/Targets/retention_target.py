"""Integration-test target for pyinspect (written for this project; CPython 2.7 and 3.6+, stdlib only):
a module-level cache that keeps objects alive, for `pyinspect top`.

  --count N   CACHE holds N `Entry` objects, each with a `payload` list of 50 items that only it holds.

The truth (--expect FILE), computed in the target: the address of CACHE and what it retains: the
tracked objects reachable from it through gc.get_referents (types and modules, held from elsewhere,
are not followed), their sys.getsizeof summed, which by construction nothing else holds: and what the
Entry type retains (every Entry and what it alone reaches). gc is disabled; nothing is garbage.
Prints "READY <pid>" and blocks in sys.stdin.read() until EOF.
"""
import gc
import json
import os
import sys
import types


class Entry(object):
    def __init__(self, i):
        self.key = i
        self.payload = list(range(i, i + 50))


CACHE = {}


def reached(start):
    """Tracked objects reachable from start, not through types or modules."""
    seen, stack = {}, [start]
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, (type, types.ModuleType)) or not gc.is_tracked(o):
            continue
        seen[id(o)] = o
        stack.extend(gc.get_referents(o))
    return seen


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    count = int(args[args.index("--count") + 1]) if "--count" in args else 1000
    gc.collect()
    gc.disable()
    for i in range(count):
        CACHE["entry-%d" % i] = Entry(i)
    cache = reached(CACHE)
    entries = {}
    for entry in CACHE.values():
        entries.update(reached(entry))
    del entry           # a frame local would hold the last entry too
    truth = {"cache": hex(id(CACHE)), "cache_retained": sum(sys.getsizeof(o) for o in cache.values()),
             "entry_type": hex(id(Entry)), "entries": count,
             "entry_type_retained": sum(sys.getsizeof(o) for o in entries.values())}
    cache = entries = None
    tmp = expect + ".tmp"
    with open(tmp, "w") as f:
        json.dump(truth, f)
    os.rename(tmp, expect)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
