"""pyinspect integration target: a process that keeps making visible progress, for proving it is
never left stopped. Builds N live containers (so a read takes a while), prints `READY <pid>`,
then prints a strictly increasing tick every 2 ms until stdin reaches EOF. With `busy`, between
ticks it keeps allocating and freeing containers (a moving heap: the gc lists change all the time).

usage: python ticker_target.py [N] [busy]
"""
import os
import select
import signal
import sys
import time

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])

HEAP = [[i, {"n": i}] for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 100000)]
BUSY = "busy" in sys.argv[2:]
RING = [None] * 1000


def main():
    os.write(1, ("READY %d\n" % os.getpid()).encode("ascii"))
    tick = 0
    slot = 0
    while True:
        ready, _, _ = select.select([0], [], [], 0 if BUSY else 0.002)
        if ready and not os.read(0, 4096):
            return
        if BUSY:
            for _ in range(200):
                RING[slot] = [slot, {"k": slot}, (slot, [])]  # replaces (frees) what was there
                slot = (slot + 1) % len(RING)
        tick += 1
        os.write(1, ("TICK %d\n" % tick).encode("ascii"))


if __name__ == "__main__":
    main()
