"""pyinspect integration target: a process that keeps making visible progress, for proving it is
never left stopped. Builds N live containers (so a read takes a while), prints `READY <pid>`,
then prints a strictly increasing tick every 2 ms until stdin reaches EOF. With `busy`, between
ticks it keeps allocating and freeing containers (a moving heap: the gc lists change all the time).
With `stuck FIFO`, a second thread sits in uninterruptible sleep (state D) until someone opens
FIFO for writing: it calls posix_spawn, whose child (sharing its memory, CLONE_VFORK) blocks
opening the FIFO before it can exec, and a vfork parent waits in D. It prints `STUCK <tid>` once
the thread is in D, right after READY, and `UNSTUCK` when it is released.

usage: python ticker_target.py [N] [busy] [stuck FIFO]
"""
import os
import select
import signal
import sys
import threading
import time

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])

HEAP = [[i, {"n": i}] for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 100000)]
BUSY = "busy" in sys.argv[2:]
RING = [None] * 1000


def stuck(fifo):
    """posix_spawn through ctypes, which lets go of the GIL (os.posix_spawn keeps it)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def spawn():
        actions = ctypes.create_string_buffer(256)  # posix_spawn_file_actions_t, opaque
        libc.posix_spawn_file_actions_init(actions)
        libc.posix_spawn_file_actions_addopen(actions, 0, fifo.encode(), os.O_RDONLY, 0)
        argv = (ctypes.c_char_p * 2)(b"/bin/true", None)
        envp = (ctypes.c_char_p * 1)(None)
        pid = ctypes.c_int(0)
        libc.posix_spawn(ctypes.byref(pid), b"/bin/true", actions, None, argv, envp)
        os.waitpid(pid.value, 0)
        os.write(1, b"UNSTUCK\n")

    thread = threading.Thread(target=spawn, daemon=True)
    thread.start()
    stat = "/proc/%d/task/%d/stat" % (os.getpid(), thread.native_id)
    for _ in range(1000):
        with open(stat) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "D":
                os.write(1, ("STUCK %d\n" % thread.native_id).encode("ascii"))
                return
        time.sleep(0.01)
    sys.exit("the spawning thread never reached state D")


def main():
    os.write(1, ("READY %d\n" % os.getpid()).encode("ascii"))
    if "stuck" in sys.argv[2:]:
        stuck(sys.argv[sys.argv.index("stuck") + 1])
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
