"""pyinspect integration target: a master with two forked workers, like gunicorn, for --children.

Prints `READY <master pid>` and then `WORKERS <pid> <pid>` once both workers run. Workers exit when
the master is gone; the master exits on stdin EOF, taking the workers with it.

With --mixed the second child is not Python (/bin/sleep, as a master may run a helper binary) and
the master starts a second thread, so that a thread id can be given instead of its pid: it prints
`CHILDREN <python worker> <sleep> <thread id>` instead of WORKERS.

usage: python master_target.py [--mixed]
"""
import os
import signal
import sys
import threading
import time

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def worker(master):
    while os.getppid() == master:
        time.sleep(0.1)
    os._exit(0)


def sleeper():
    """A child running /bin/sleep, returned once it has exec'ed (before, it is a copy of this Python)."""
    pid = os.fork()
    if pid == 0:
        os.execv("/bin/sleep", ["sleep", "600"])
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if os.readlink("/proc/%d/exe" % pid).endswith("sleep"):
                break
        except OSError:
            pass
        time.sleep(0.01)
    return pid


def second_thread():
    """Starts an idle thread; returns its kernel thread id (as `ps -L` shows it)."""
    started = []

    def idle():
        started.append(threading.get_native_id())
        while True:
            time.sleep(1)

    thread = threading.Thread(target=idle)
    thread.daemon = True
    thread.start()
    while not started:
        time.sleep(0.01)
    return started[0]


def main():
    mixed = sys.argv[1:] == ["--mixed"]
    master = os.getpid()
    children = []
    for _ in range(1 if mixed else 2):
        pid = os.fork()
        if pid == 0:
            worker(master)
        children.append(pid)
    if mixed:
        children.append(sleeper())
        line = "CHILDREN %d %d %d" % (children[0], children[1], second_thread())
    else:
        line = "WORKERS %d %d" % (children[0], children[1])
    os.write(1, ("READY %d\n%s\n" % (master, line)).encode("ascii"))
    while os.read(0, 4096):
        pass
    for pid in children:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
