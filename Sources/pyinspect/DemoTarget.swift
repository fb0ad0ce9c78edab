/// The leaky program `pyinspect demo` runs: a small "service" that leaks the way real ones do.
/// Kept as a string so the binary needs no resource files.
enum DemoTarget {
    static let source = #"""
"""A small service that leaks through reference cycles (pyinspect demo target)."""
import gc
import os
import signal
import sys

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])  # the launcher may hand us blocked signals


class Session(object):
    def __init__(self, client):
        self.client = client            # back-reference: client <-> session cycle
        self.headers = {"user-agent": "demo"}


class Client(object):
    """A requests/httpx-style client; its __del__ kept such cycles alive forever on Python 2."""

    def __init__(self, name):
        self.name = name
        self.session = Session(self)

    def __del__(self):
        pass


class RequestAborted(Exception):
    pass


class Request(object):
    def __init__(self, path):
        self.path = path
        self.error = None


def handle(path):
    request = Request(path)
    try:
        raise RequestAborted(path)
    except RequestAborted as exc:
        request.error = exc             # exc -> traceback -> this frame -> request -> exc


class Node(object):
    def __init__(self, parent=None):
        self.parent = parent
        self.children = []


def tree(depth, parent=None):
    node = Node(parent)
    if depth:
        node.children = [tree(depth - 1, node) for _ in range(3)]
    return node


def main():
    gc.collect()
    gc.disable()                        # like a service that tuned gc away: garbage piles up
    live = [tree(4) for _ in range(5)]  # live, reachable data
    gc.set_debug(gc.DEBUG_SAVEALL)
    for index in range(3):
        Client("client-%d" % index)
    gc.collect()                        # the clients' cycles move to gc.garbage
    for index in range(20):
        handle("/api/%d" % index)       # fresh cyclic garbage, not collected yet
    sys.stdout.write("READY %d\n" % os.getpid())
    sys.stdout.flush()
    sys.stdin.read()                    # idle until stdin closes
    del live


main()
"""#
}
