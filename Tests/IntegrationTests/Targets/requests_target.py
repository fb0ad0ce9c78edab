"""pyinspect integration target: a service that handles simulated requests on command, each one
leaving a known residue, for testing snapshots and diffs on a live process.

Per request, exactly:
- alive: one Session (kept in the module-level SESSIONS list), its cache list and its name (a new str);
- collectable garbage: one Request <-> Handler reference cycle, holding a 4 KiB bytes body.
The count of requests handled is one int above the small-int cache, replaced by another per request.

Automatic collection is disabled, so nothing is collected between two snapshots. Commands on
stdin, one per line: `requests K` handles K requests, then prints `DONE <total>`; `blobs K` adds K
entries to the module-level dict BLOBS (a new str key -> 100 new bytes: untracked, like a cache of
payloads), then prints `DONE <entries>`; `sizes` prints `SIZES <id(SESSIONS)> <sys.getsizeof(SESSIONS)>
<id(BLOBS)> <sys.getsizeof(BLOBS)> <sys.getsizeof of one payload>`. EOF ends it.

usage: python requests_target.py
"""
import gc
import os
import signal
import sys

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class Session(object):
    __slots__ = ("number", "cache")


class Request(object):
    __slots__ = ("handler", "body")


class Handler(object):
    __slots__ = ("request",)


SESSIONS = []
# Above the small-int cache: each count is a new int object, so the growth of ints is exactly known.
FIRST_COUNT = 1000000
HANDLED = [FIRST_COUNT]
BODY_SIZE = 4096
BLOBS = {}


def handle(number):
    session = Session()
    session.number = "session-%d" % number
    session.cache = []
    SESSIONS.append(session)
    request = Request()
    request.body = bytes(BODY_SIZE)  # a new object per request (a literal would be one shared constant)
    handler = Handler()
    handler.request = request
    request.handler = handler


def handle_many(count):
    for _ in range(count):
        HANDLED[0] += 1
        handle(HANDLED[0])


def add_blobs(count):
    # In a function: the loop's int dies with its frame (a local of main's frame would stay reachable).
    for _ in range(count):
        BLOBS["blob-%d" % len(BLOBS)] = bytes(bytearray(100))


def main():
    gc.disable()
    gc.collect()
    os.write(1, ("READY %d\n" % os.getpid()).encode("ascii"))
    # os.read and os.write, not sys.stdin/stdout: buffered io keeps and swaps helper objects
    # (memoryviews of its buffer) that would show up as changes between two snapshots.
    pending = b""
    while True:
        chunk = os.read(0, 4096)
        if not chunk:
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            words = line.split()
            if len(words) == 2 and words[0] == b"requests":
                handle_many(int(words[1]))
                os.write(1, ("DONE %d\n" % (HANDLED[0] - FIRST_COUNT)).encode("ascii"))
            elif len(words) == 2 and words[0] == b"blobs":
                add_blobs(int(words[1]))
                os.write(1, ("DONE %d\n" % len(BLOBS)).encode("ascii"))
            elif words == [b"sizes"]:
                os.write(1, ("SIZES %d %d %d %d %d\n" % (id(SESSIONS), sys.getsizeof(SESSIONS), id(BLOBS), sys.getsizeof(BLOBS),
                                                       sys.getsizeof(bytes(bytearray(100))))).encode("ascii"))
            line = words = None
        chunk = None


if __name__ == "__main__":
    main()
