"""Integration-test target for pyinspect (written for this project; CPython 2.7 and 3.6+, stdlib only):
objects kept alive in the ways a service keeps them, for `pyinspect why`.

  CachedItem   a module global: CACHE = {"k0": CachedItem(), ...}, each with a payload list only it holds
  ClassHeld    a class attribute: Registry.items = [ClassHeld(), ...]
  ClosureHeld  a closure cell: HANDLER = make(), whose inner function's cell holds a list of them
  LruResult    functools.lru_cache on a method (the C implementation, 3.5+)
  Logger       logging.getLogger per unit of work ("app.req.N")
  AtexitHeld   a functools.partial registered with atexit (3.x: held by the C module's state)
  ThreadHeld   a local of the running frame `worker` on the thread "Worker-1"
  Orphan       garbage: a self-referencing object nothing else holds (gc is disabled)
  BLOBS        a module-level dict of 40 str -> bytes: untracked, with all it holds

With --freeze, gc.freeze() moves all of it to the permanent generation, as a pre-fork server does after
its imports (3.7+): the answers must not change.

The truth (--expect FILE) is computed in a forked child, from the interpreter's own view: a breadth-first
search over gc.get_referents (tracked objects of gc.get_objects() only) from every module's __dict__ and
then the module itself in sys.modules order, then sys.modules, each object's referents in their order: for each class, how many of
its objects it reaches, and for the one at the lowest address the root ("module NAME", "sys", "builtins") and the types on
its path; and what the objects of the class retain: what a search over every object (untracked ones
too: the references tp_traverse visits and each dict's str keys) no longer reaches once they are
removed (for a class no module reaches, the tracked objects reachable from its objects, not through types
or modules: by construction nothing else holds those). Prints "READY <pid>" and blocks in
sys.stdin.read() until EOF.
"""
import atexit
import functools
import gc
import json
import logging
import os
import sys
import threading
import types
import warnings


class CachedItem(object):
    def __init__(self, i):
        self.payload = [i]


class ClassHeld(object):
    pass


class ClosureHeld(object):
    pass


class LruResult(object):
    pass


class ThreadHeld(object):
    pass


class AtexitHeld(object):
    pass


class Orphan(object):
    pass


CACHE = {}
BLOBS = {}          # untracked: str keys, bytes values (the gc sees neither the dict nor what it holds)


class Registry(object):
    items = []


def make():
    held = [ClosureHeld(), ClosureHeld()]

    def inner():
        return held
    return inner


HANDLER = None
SERVICE = None
STARTED = threading.Event()
CLASSES = ["CachedItem", "ClassHeld", "ClosureHeld", "LruResult", "Logger", "AtexitHeld", "ThreadHeld", "Orphan"]


def worker():
    pending = [ThreadHeld(), ThreadHeld(), ThreadHeld()]
    STARTED.set()
    threading.Event().wait()
    return pending


def setup():
    global HANDLER, SERVICE
    for i in range(10):
        CACHE["k%d" % i] = CachedItem(i)
    for i in range(4):
        Registry.items.append(ClassHeld())
    for i in range(40):
        BLOBS["blob-%d" % i] = b"x" * (1000 + i)
    HANDLER = make()
    if hasattr(functools, "lru_cache"):
        class Service(object):
            @functools.lru_cache(maxsize=None)
            def lookup(self, key):
                return LruResult()
        SERVICE = Service()
        for i in range(3):
            SERVICE.lookup(i)
    for i in range(5):
        logging.getLogger("app.req.%d" % i)
    atexit.register(functools.partial(len, [AtexitHeld()]))
    orphan = Orphan()
    orphan.me = orphan
    thread = threading.Thread(target=worker, name="Worker-1")
    thread.daemon = True
    thread.start()
    STARTED.wait()


def reached(starts, tracked):
    """Tracked objects reachable from starts, not through types or modules."""
    seen, stack = {}, list(starts)
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, (type, types.ModuleType)) or id(o) not in tracked:
            continue
        seen[id(o)] = o
        stack.extend(gc.get_referents(o))
    return seen


def truth():
    if hasattr(gc, "unfreeze"):
        gc.unfreeze()       # --freeze: the search covers every object (this is the forked child's copy)
    objects = gc.get_objects()
    tracked = set(id(o) for o in objects)
    sources = []
    for name, module in list(sys.modules.items()):
        if isinstance(module, types.ModuleType) and id(module.__dict__) in tracked:
            root = {"sys": "sys", "builtins": "builtins", "__builtin__": "builtins"}.get(name, "module " + name)
            sources.append((module.__dict__, root))
            sources.append((module, root))
    sources.append((sys.modules, "sys.modules"))
    parent, root_of, queue = {}, {}, []
    for source, root in sources:
        if id(source) not in parent:
            parent[id(source)] = None
            root_of[id(source)] = root
            queue.append(source)
    position = 0
    while position < len(queue):
        o = queue[position]
        position += 1
        for r in gc.get_referents(o):
            if id(r) in tracked and id(r) not in parent:
                parent[id(r)] = o
                queue.append(r)
    # Instance dicts share their keys with their class (split tables): no instance holds those keys.
    # (Asking an instance for a __dict__ it does not have would make one: only a dict it holds, and
    # not for 3.11+'s managed dicts, which asking would materialize.)
    instance_dicts = set()
    for o in objects:
        if isinstance(o, (type, types.ModuleType)) or not type(o).__flags__ & (1 << 9) or type(o).__dictoffset__ <= 0:
            continue
        held = [r for r in gc.get_referents(o) if type(r) is dict]
        if held and object.__getattribute__(o, "__dict__") is held[0]:
            instance_dicts.add(id(held[0]))

    def referents(o):
        # What pyinspect's heap index follows: the references tp_traverse visits, and a dict's str keys.
        out = gc.get_referents(o)
        if id(o) in instance_dicts:
            # Attribute names are interned and held by code too (co_names, which gc.get_referents
            # cannot see): never an instance's to retain. 2.7's dict traversal lists them.
            return [r for r in out if not (type(r) is str and r in o)]
        if type(o) is dict:
            out.extend(k for k in o if type(k) is str)
        return out

    def reach(skip):
        """Every object the modules reach, tracked or not, not through the objects in skip."""
        seen, stack = {}, [source for source, _ in sources]
        while stack:
            o = stack.pop()
            if id(o) in seen or id(o) in skip or (id(o) not in tracked and gc.is_tracked(o)):
                continue
            seen[id(o)] = sys.getsizeof(o)
            stack.extend(referents(o))
        return seen
    everything = reach(set())
    result = {}
    for name in CLASSES:
        members = [o for o in objects if type(o).__name__ == name]
        live = [o for o in members if id(o) in parent]
        entry = {"objects": len(members), "from_modules": len(live)}
        if live:
            first = min(live, key=id)       # pyinspect's sample: the lowest address
            path, o = [], first
            while o is not None:
                path.append(o)
                o = parent[id(o)]
            path.reverse()
            entry["root"] = root_of[id(path[0])]
            entry["types"] = [type(o).__name__ for o in path]
            entry["first"] = hex(id(first))
        if live:
            # What only the class's objects keep reachable from the modules.
            rest = reach(set(id(o) for o in members))
            entry["retained"] = sum(size for i, size in everything.items() if i not in rest)
        else:
            entry["retained"] = sum(sys.getsizeof(o) for o in reached(members, tracked).values())
        result[name] = entry
    # An untracked object, asked about by address: what only it keeps reachable.
    rest = reach(set([id(BLOBS)]))
    result["BLOBS"] = {"address": hex(id(BLOBS)), "tracked": gc.is_tracked(BLOBS),
                       "retained": sum(size for i, size in everything.items() if i not in rest)}
    return result


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    gc.collect()
    gc.disable()
    setup()
    if "--freeze" in args:
        gc.freeze()         # everything so far moves to the permanent generation (3.7+), as pre-fork servers do
    warnings.simplefilter("ignore")     # 3.12+ warns about fork() in a threaded process: the child only reads
    child = os.fork()
    if child == 0:
        try:
            tmp = expect + ".tmp"
            with open(tmp, "w") as f:
                json.dump(truth(), f)
            os.rename(tmp, expect)
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
