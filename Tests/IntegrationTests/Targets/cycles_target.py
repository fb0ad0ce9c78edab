"""pyinspect integration target: reference cycles of the kinds pyinspect traverses exactly, next to
live structures that must never be reported.

The truth is computed by the collector itself, in a forked child: the child sets DEBUG_SAVEALL,
runs one full collection and writes the addresses of everything it found unreachable. The parent
is untouched (it never collects) and idles in read(0) until stdin closes.

usage: python cycles_target.py --expect FILE [--count K]
"""
import gc
import json
import os
import signal
import sys
import weakref

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class Pair(object):
    """Instances with a __dict__: a <-> b."""


class SlotNode(object):
    __slots__ = ("next", "payload", "__weakref__")


class Holder(list):
    """A list subclass: subtype_traverse with list_traverse as base."""


class Mapping(dict):
    """A dict subclass with an instance __dict__ too."""


class Described(object):
    @property
    def value(self):
        return 1

    @classmethod
    def make(cls):
        return cls()

    @staticmethod
    def helper():
        return None


class LiveRoot(object):
    """Reachable from a module global: neither it nor its own cycles are garbage."""


def closure_cycle():
    # function -> closure cell -> function
    def inner():
        return inner
    return None


def make_garbage(k):
    for index in range(k):
        a, b = Pair(), Pair()
        a.other, b.other = b, a                       # instance dicts (or managed values) cycle
        s1, s2 = SlotNode(), SlotNode()
        s1.next, s2.next = s2, s1                     # __slots__ cycle
        s1.payload = ("tuple", [s2], {"k": s1})       # tuple -> list / dict -> back
        h = Holder()
        h.append(h)                                   # list subclass pointing at itself
        m = Mapping()
        m["self"] = m                                 # dict subclass pointing at itself
        m.attribute = {"m": m}
        lst = []
        lst.append(lst)                               # plain self-referencing list
        d = {}
        d["d"] = d
        st = set()
        fs_holder = Pair()
        fs_holder.items = frozenset([fs_holder])      # frozenset -> instance -> frozenset
        st.add(fs_holder)
        fs_holder.set = st
        closure_cycle()
        obj = Described()
        obj.bound = obj.make                          # bound classmethod (method -> class): not a cycle on its own
        obj.me = obj                                  # self cycle through the instance dict
        w_target = Pair()
        w_target.ref = weakref.ref(w_target, lambda r: None)   # weakref callback in the cycle
        w_target.me = w_target


LIVE = []


def make_live(k):
    for index in range(k):
        root = LiveRoot()
        root.me = root                                # a cycle, but reachable from LIVE
        root.items = [root, {"root": root}]
        LIVE.append(root)


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    count = int(args[args.index("--count") + 1]) if "--count" in args else 3
    gc.collect()
    gc.disable()
    make_live(count)
    make_garbage(count)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found = [(id(o), type(o).__name__) for o in gc.garbage]
        tmp = expect + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"ids": [hex(i) for i, _ in found],
                       "types": {name: sum(1 for _, n in found if n == name) for _, name in found}}, f)
        os.rename(tmp, expect)
        os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
