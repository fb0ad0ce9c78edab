"""Integration-test target for pyinspect (written for this project; CPython 2.7 and 3.6+, stdlib only):
cycles a collection cannot free because of a legacy finalizer, next to cycles it can.

  --count N  N pairs of `Legacy` objects in a cycle, each pair holding a `payload` list only the cycle
             references, and N pairs of `Plain` objects in a cycle. 3.x: `Legacy` gets a tp_del from
             _testcapi.with_tp_del (exit status 3 without _testcapi). 2.7, where `__del__` itself is the
             legacy finalizer: `Legacy` is a class with `__del__`, and also N classic-class (old-style)
             `Classic` pairs with `__del__`, and N generators suspended in a `try` whose frame holds
             a `Box` that holds the generator.

The truth (--expect FILE) is what one full collection in a forked child says: the addresses it
prints under DEBUG_COLLECTABLE (freed) and DEBUG_UNCOLLECTABLE (kept), what a plain collection adds
to gc.garbage (the objects with a finalizer), and for each of those why (`reasons`, in pyinspect's
words) and its C type name (`types`).
Prints "READY <pid>" and blocks in sys.stdin.read() until EOF.
"""
import gc
import json
import os
import sys

PY2 = sys.version_info[0] == 2


class Legacy(object):
    def __init__(self):
        self.partner = None

    if PY2:
        def __del__(self):
            pass
    else:
        def __tp_del__(self):
            pass


if not PY2:
    try:
        import _testcapi
    except ImportError:
        sys.exit(3)
    Legacy = _testcapi.with_tp_del(Legacy)


class Classic:          # a classic class on 2.7 (not made on 3.x)
    def __init__(self):
        self.partner = None

    def __del__(self):
        pass


class Plain(object):
    def __init__(self):
        self.partner = None


class Box(object):
    pass


def suspended(box):
    try:
        yield box
    finally:
        pass


def make(count):
    reasons = {}
    for _ in range(count):
        a, b = Legacy(), Legacy()
        a.partner, b.partner = b, a
        a.payload = [object()]
        reasons[id(a)] = reasons[id(b)] = "__del__" if PY2 else "tp_del"
        c, d = Plain(), Plain()
        c.partner, d.partner = d, c
        if PY2:
            e, f = Classic(), Classic()
            e.partner, f.partner = f, e
            reasons[id(e)] = reasons[id(f)] = "__del__ in a classic class"
            box = Box()
            box.generator = suspended(box)
            next(box.generator)
            reasons[id(box.generator)] = "a suspended try or with block"
    return reasons


def lines(log, kind):
    prefix = "gc: %s <" % kind
    out = []
    with open(log) as f:
        for line in f:
            if line.startswith(prefix) and line.rstrip().endswith(">"):
                out.append(line.rstrip()[len(prefix):-1].rsplit(" ", 1)[1])
    return out


def truth(expect, reasons):
    """In a forked child: one collection under DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE (2.7 prints
    the objects only with DEBUG_OBJECTS too)."""
    log = expect + ".stderr"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    before = len(gc.garbage)
    gc.set_debug(gc.DEBUG_COLLECTABLE | gc.DEBUG_UNCOLLECTABLE | (gc.DEBUG_OBJECTS if PY2 else 0))
    gc.collect()
    gc.set_debug(0)
    sys.stderr.flush()
    garbage = gc.garbage[before:]
    result = dict((k, [hex(int(a, 16)) for a in lines(log, k)]) for k in ("collectable", "uncollectable"))
    result["garbage"] = [hex(id(o)) for o in garbage]
    result["reasons"] = dict((hex(id(o)), reasons.get(id(o), "?")) for o in garbage)
    result["types"] = dict((hex(id(o)), "instance" if PY2 and type(o).__name__ == "instance" else type(o).__name__)
                           for o in garbage)
    tmp = expect + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.rename(tmp, expect)


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    count = int(args[args.index("--count") + 1]) if "--count" in args else 3
    gc.collect()
    gc.disable()
    reasons = make(count)
    child = os.fork()
    if child == 0:
        truth(expect, reasons)
        os._exit(0)
    os.waitpid(child, 0)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
