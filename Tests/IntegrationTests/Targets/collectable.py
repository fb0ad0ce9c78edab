"""What one full collection finds unreachable, in the collector's own words: shared by the truth
children of cycles_target.py and libraries_target.py (forked processes, so that the target itself
never collects).

The child sets DEBUG_COLLECTABLE and runs gc.collect(): the collector prints a line
`gc: collectable <tp_name 0xADDR>` for everything it found unreachable, before finalizers run (so it
includes cycles a finalizer frees, which gc.garbage under DEBUG_SAVEALL would miss).
"""
import gc
import json
import os
import sys


def collect(log):
    """Sends stderr to the file `log`, runs one full collection under DEBUG_COLLECTABLE and returns
    the (address, tp_name) of every object it found, in the order it printed them."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    # 2.7 prints the objects only when DEBUG_OBJECTS is set too.
    gc.set_debug(gc.DEBUG_COLLECTABLE | (gc.DEBUG_OBJECTS if sys.version_info[0] == 2 else 0))
    gc.collect()
    gc.set_debug(0)
    sys.stderr.flush()  # 3.8 writes these lines through sys.stderr, block-buffered when it is a file
    found = []
    with open(log) as f:
        for line in f:
            if line.startswith("gc: collectable <") and line.rstrip().endswith(">"):
                name, address = line.rstrip()[len("gc: collectable <"):-1].rsplit(" ", 1)
                found.append((int(address, 16), name))
    return found


def write(expect, found, size_of, **extra):
    """Writes the truth file atomically: the ids, their sys.getsizeof sizes summed (`size_of(address)`)
    and how many there are of each tp_name, with `extra` members."""
    tp_names = {}
    for _, name in found:
        tp_names[name] = tp_names.get(name, 0) + 1
    truth = {"ids": [hex(address) for address, _ in found], "bytes": sum(size_of(address) for address, _ in found),
             "tp_names": tp_names}
    truth.update(extra)
    tmp = expect + ".tmp"
    with open(tmp, "w") as f:
        json.dump(truth, f)
    os.rename(tmp, expect)
