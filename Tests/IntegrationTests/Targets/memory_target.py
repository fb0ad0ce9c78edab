"""Integration-test target for pyinspect (written for this project; CPython 2.7 and 3.6+, stdlib only):
known allocations, and the allocator's own account of them, for `pyinspect top`'s memory breakdown.

  --count N     SMALL holds N `Small` instances (two slots: one pymalloc block each)
  --blobs N     BLOBS holds N bytes objects of 100,000 bytes each (malloc blocks)
  --stats FILE  sys._debugmallocstats() (3.3+) written to FILE, the last thing the target does before
                it prints READY: nothing it does afterwards takes or gives back a pymalloc block (the
                calls are bound beforehand, their argument tuples come from free lists, their results
                are small ints), so the state pyinspect reads is the state the figures describe.

Prints "READY <pid>" and blocks reading stdin into a preallocated buffer until EOF.
"""
import os
import sys


def option(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


class Small(object):
    __slots__ = ('a', 'b')


SMALL = [Small() for _ in range(option('--count', 100000))]
BLOBS = [b'x' * 100000 for _ in range(option('--blobs', 200))]

ready = ('READY %d\n' % os.getpid()).encode('ascii')
write = os.write
buffer = bytearray(1)
stdin = getattr(sys.stdin, 'buffer', None)
readinto = stdin.raw.readinto if stdin is not None else None
if '--stats' in sys.argv:
    path = sys.argv[sys.argv.index('--stats') + 1]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    saved = os.dup(2)
    dup2 = os.dup2
    stats = sys._debugmallocstats
    sys.stderr.flush()
    # The calls once without the stats first: whatever they allocate is on a free list the second time.
    dup2(fd, 2)
    dup2(saved, 2)
    write(1, b'')
    dup2(fd, 2)
    stats()
    dup2(saved, 2)
write(1, ready)
if readinto is not None:
    while readinto(buffer):
        pass
else:
    sys.stdin.read()
