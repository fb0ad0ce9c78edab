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

The truth (--expect FILE) is computed in a forked child, from the interpreter's own view: a breadth-first
search over gc.get_referents (tracked objects of gc.get_objects() only) from every module's __dict__ and
then the module itself in sys.modules order, then sys.modules, each object's referents in their order: for each class, how many of
its objects it reaches, and for the one at the lowest address the root ("module NAME", "sys", "builtins") and the types on
its path; and what the objects of the class retain: what the search no longer reaches once they are
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
    def reach(skip):
        seen, stack = set(), [source for source, _ in sources]
        while stack:
            o = stack.pop()
            if id(o) in seen or id(o) in skip or id(o) not in tracked:
                continue
            seen.add(id(o))
            stack.extend(gc.get_referents(o))
        return seen
    everything = reach(set())
    sizes = dict((id(o), sys.getsizeof(o)) for o in objects)
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
            entry["retained"] = sum(sizes[i] for i in everything - reach(set(id(o) for o in members)))
        else:
            entry["retained"] = sum(sys.getsizeof(o) for o in reached(members, tracked).values())
        result[name] = entry
    return result


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    gc.collect()
    gc.disable()
    setup()
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
