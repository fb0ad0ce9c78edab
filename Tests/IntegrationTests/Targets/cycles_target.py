"""pyinspect integration target: reference cycles of the kinds pyinspect traverses exactly, next to
live structures that must never be reported.

The truth is computed by the collector itself, in a forked child (collectable.py): the child sets
DEBUG_COLLECTABLE, runs one full collection and records the `gc: collectable <type 0xADDR>` lines it
prints for everything it found unreachable -- printed before finalizers run, so it includes cycles
a finalizer frees (a suspended generator's close() clears its frame), which gc.garbage under
DEBUG_SAVEALL would miss. The parent is untouched (it never collects) and idles in read(0).

usage: python cycles_target.py --expect FILE [--count K]
"""
import collections
import gc
import os
import signal
import sys
import weakref

import collectable

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
        failing_handler()
        self_feeding_generator()
        queue = collections.deque(range(150))          # three blocks
        queue.append(queue)                            # deque -> itself, past the first block
        ordered = collections.OrderedDict()
        ordered["me"] = ordered                        # OrderedDict -> itself
        factory = collections.defaultdict(list)
        factory["me"].append(factory)                  # defaultdict -> list -> defaultdict


class RequestFailed(Exception):
    pass


class Request(object):
    pass


def failing_handler():
    # exception -> __traceback__ -> traceback -> tb_frame -> frame -> local `request` -> .error -> exception
    request = Request()
    try:
        raise RequestFailed("boom")
    except RequestFailed as error:
        request.error = error


def self_feeding_generator():
    box = []
    def produce():
        yield box                                     # generator frame -> local `box` -> list -> generator
    gen = produce()
    next(gen)
    box.append(gen)


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
        # Sizes of every tracked object, taken before the collection frees the garbage.
        sizes = {}
        for o in gc.get_objects():
            sizes[id(o)] = sys.getsizeof(o)
        del o
        found = collectable.collect(expect + ".stderr")
        collectable.write(expect, found, lambda address: sizes.get(address, 0))
        os._exit(0 if found else 3)
    os.close(write_end)
    _, status = os.waitpid(child, 0)
    if status != 0:
        sys.stderr.write("cycles_target: the truth child found no collectable objects (status %d)\n" % status)
        sys.exit(4)
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()


main()
