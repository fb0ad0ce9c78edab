"""Integration-test target for pyinspect (written for this project; CPython 3.6+, stdlib only): cycles
a collection cannot free because of a legacy finalizer (`tp_del`), next to cycles it can.

  --count N  N pairs of `Legacy` objects in a cycle (their class gets a tp_del from
             _testcapi.with_tp_del), each pair holding a `payload` list only the cycle references;
             N pairs of `Plain` objects in a cycle.

The truth (--expect FILE) is what one full collection in a forked child says: the addresses it
prints under DEBUG_COLLECTABLE (freed) and DEBUG_UNCOLLECTABLE (kept), and what a plain collection
adds to gc.garbage (the objects with a finalizer). Exit status 3 when _testcapi is missing.
Prints "READY <pid>" and blocks in sys.stdin.read() until EOF.
"""
import gc
import json
import os
import sys

try:
    import _testcapi
except ImportError:
    sys.exit(3)


class Legacy(object):
    def __init__(self):
        self.partner = None

    def __tp_del__(self):
        pass


Legacy = _testcapi.with_tp_del(Legacy)


class Plain(object):
    def __init__(self):
        self.partner = None


def make(count):
    for _ in range(count):
        a, b = Legacy(), Legacy()
        a.partner, b.partner = b, a
        a.payload = [object()]
        c, d = Plain(), Plain()
        c.partner, d.partner = d, c


def lines(log, kind):
    prefix = "gc: %s <" % kind
    out = []
    with open(log) as f:
        for line in f:
            if line.startswith(prefix) and line.rstrip().endswith(">"):
                out.append(line.rstrip()[len(prefix):-1].rsplit(" ", 1)[1])
    return out


def truth(expect):
    """In a forked child: one collection under DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE."""
    log = expect + ".stderr"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    before = len(gc.garbage)
    gc.set_debug(gc.DEBUG_COLLECTABLE | gc.DEBUG_UNCOLLECTABLE)
    gc.collect()
    gc.set_debug(0)
    sys.stderr.flush()
    result = {"collectable": [int(a, 16) for a in lines(log, "collectable")],
              "uncollectable": [int(a, 16) for a in lines(log, "uncollectable")],
              "garbage": [id(o) for o in gc.garbage[before:]]}
    tmp = expect + ".tmp"
    with open(tmp, "w") as f:
        json.dump(dict((k, [hex(a) for a in v]) for k, v in result.items()), f)
    os.rename(tmp, expect)


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    count = int(args[args.index("--count") + 1]) if "--count" in args else 3
    gc.collect()
    gc.disable()
    make(count)
    child = os.fork()
    if child == 0:
        truth(expect)
        os._exit(0)
    os.waitpid(child, 0)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
