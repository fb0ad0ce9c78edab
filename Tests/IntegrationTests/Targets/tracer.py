"""pyinspect integration helper: a tracer, as strace or a debugger would be. It seizes a process
with PTRACE_SEIZE (which does not stop it) and holds it until stdin closes; a process has only
one tracer, so pyinspect cannot pause it meanwhile.

Prints `READY <its own pid>` once the seize succeeded, `ERROR <errno>` if it did not.

usage: python tracer.py PID
"""
import ctypes
import os
import sys

PTRACE_SEIZE = 0x4206


def main():
    pid = int(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.restype = ctypes.c_long
    if libc.ptrace(ctypes.c_long(PTRACE_SEIZE), ctypes.c_long(pid), ctypes.c_void_p(0), ctypes.c_void_p(0)) != 0:
        os.write(1, ("ERROR %d\n" % ctypes.get_errno()).encode("ascii"))
        return 1
    os.write(1, ("READY %d\n" % os.getpid()).encode("ascii"))
    while os.read(0, 4096):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
