"""Integration-test target for pyinspect (written for this project; CPython 2.7 and 3.6+, stdlib only):
a module-level cache that keeps objects alive, for `pyinspect top`.

  --count N   CACHE holds N `Entry` objects (key "entry-I"), each with `key` = I + 5000 and a
              `payload` list of the 50 ints I+6000 ... I+6049, which only it holds.

The truth (--expect FILE), computed in the target: the address of CACHE and what it retains: the
tracked objects reachable from it through gc.get_referents (types and modules, held from elsewhere,
are not followed) and the untracked ones only they hold (the cache's str keys, each entry's key and
payload ints above 256, which are not the interpreter's shared small ints), their sys.getsizeof
summed, which by construction nothing else holds: and what the Entry type retains (every Entry and
what it alone reaches). gc is disabled; nothing is garbage.
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
        self.payload = [i + 1000 + j for j in range(50)]


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


def fill(count):
    # In a function: no frame local of main() holds the last key or entry.
    for i in range(count):
        CACHE["entry-%d" % i] = Entry(i + 5000)    # above every series' small-int cache (3.15: 1024)


def untracked(entry):
    """The untracked objects only `entry` holds: its key and payload ints (all above 256)."""
    return sys.getsizeof(entry.key) + sum(sys.getsizeof(v) for v in entry.payload)


def measure(count):
    cache = reached(CACHE)
    entries = {}
    for entry in CACHE.values():
        entries.update(reached(entry))
    own = sum(untracked(e) for e in CACHE.values())
    return {"cache": hex(id(CACHE)), "entry_type": hex(id(Entry)), "entries": count,
            "cache_retained": sum(sys.getsizeof(o) for o in cache.values()) + sum(sys.getsizeof(k) for k in CACHE) + own,
            "entry_type_retained": sum(sys.getsizeof(o) for o in entries.values()) + own}


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    count = int(args[args.index("--count") + 1]) if "--count" in args else 1000
    gc.collect()
    gc.disable()
    fill(count)
    truth = measure(count)
    tmp = expect + ".tmp"
    with open(tmp, "w") as f:
        json.dump(truth, f)
    os.rename(tmp, expect)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
