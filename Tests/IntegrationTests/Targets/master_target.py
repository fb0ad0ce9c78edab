"""pyinspect integration target: a master with two forked workers, like gunicorn, for --children.

Prints `READY <master pid>` and then `WORKERS <pid> <pid>` once both workers run. Workers exit when
the master is gone; the master exits on stdin EOF, taking the workers with it.

usage: python master_target.py
"""
import os
import signal
import sys
import time

if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def worker(master):
    while os.getppid() == master:
        time.sleep(0.1)
    os._exit(0)


def main():
    master = os.getpid()
    workers = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            worker(master)
        workers.append(pid)
    os.write(1, ("READY %d\nWORKERS %d %d\n" % (master, workers[0], workers[1])).encode("ascii"))
    while os.read(0, 4096):
        pass
    for pid in workers:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
