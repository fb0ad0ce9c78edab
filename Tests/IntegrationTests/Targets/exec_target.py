"""pyinspect integration target: builds a heap, prints READY, then after DELAY seconds replaces
itself with /bin/sleep (exec), so that a read in progress finds a different program.

usage: python exec_target.py DELAY
"""
import os
import signal
import sys
import time

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])

HEAP = [[i, {"n": i}] for i in range(100000)]
os.write(1, ("READY %d\n" % os.getpid()).encode("ascii"))
time.sleep(float(sys.argv[1]))
os.execv("/bin/sleep", ["sleep", "30"])
