#!/usr/bin/env python3
"""Measure `pyinspect attach` on a large heap: wall time, target pause, pyinspect's peak RSS, next
to the target's own full gc.collect() time measured in the same run.

A benchmark, not a test (CI does not run it). It uses the shared gc fixture `leaky.py` (beside the
repository, in ../shared/fixtures) to build the heap and to time the target's own collection
(`full_collect_seconds`, measured in a forked child of the target).

usage: scripts/measure-attach.py [--python PATH] [--objects N] [--runs R] [--binary PATH] [-- EXTRA pyinspect ARGS]
e.g.   scripts/measure-attach.py -- --no-cycles      (census only)
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEAKY = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "leaky.py")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() or os.path.expanduser("~/.pyenv")
    ap.add_argument("--python", default=os.path.join(root, "versions", "3.12.1", "bin", "python"))
    ap.add_argument("--objects", type=int, default=1000000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "pyinspect"))
    ap.add_argument("extra", nargs="*", help="extra arguments for `pyinspect attach` (after --)")
    a = ap.parse_args()
    if not os.path.exists(LEAKY):
        sys.exit("measure-attach: %s not found (the shared fixtures sit beside the repository)" % LEAKY)
    if not os.access(a.binary, os.X_OK):
        sys.exit("measure-attach: build first: swift build -c release (%s missing)" % a.binary)
    tmp = tempfile.mkdtemp(prefix="pyinspect-measure-")
    truth = os.path.join(tmp, "truth.json")
    target = subprocess.Popen([a.python, LEAKY, "scale", str(a.objects), "--truth", truth, "--lifetime", "900"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = target.stdout.readline().decode()
        if not line.startswith("READY"):
            sys.exit("measure-attach: the target did not start")
        t = json.load(open(truth))
        print("pyinspect attach %s" % " ".join(a.extra or ["(full analysis)"]))
        print("python %s, %s tracked objects, target RSS %.1f MiB, full gc.collect() %.3f s (fixture, same run)" % (
            t["python"]["version"].split()[0], format(t["tracked"]["count"], ","), rss_kib(target.pid) / 1024.0,
            t["full_collect_seconds"]))
        # command s: the whole `pyinspect attach --format json` process; read s: pyinspect's own clock
        # from opening the process to the finished capture (no start-up, no rendering).
        print("%-4s %10s %8s %8s %12s %10s %15s %14s" % ("run", "command s", "read s", "pause s", "peak RSS MiB",
                                                        "copied MiB", "command/collect", "RSS/target RSS"))
        for run in range(1, a.runs + 1):
            started = time.monotonic()
            r = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", a.binary, "attach", str(target.pid), "--format", "json"] + a.extra,
                               capture_output=True, text=True)
            command = time.monotonic() - started
            if r.returncode != 0:
                sys.exit("measure-attach: pyinspect failed: %s" % r.stderr.strip())
            report = json.loads(r.stdout)
            peak = int(re.search(r"MAXRSS (\d+)", r.stderr).group(1))
            p = report["process"]
            print("%-4d %10.3f %8.3f %8.3f %12.1f %10.1f %15.2f %14.2f" % (
                run, command, p["wall_seconds"], p["pause_seconds"], peak / 1024.0, p["bytes_copied"] / 1048576.0,
                command / t["full_collect_seconds"], peak / float(rss_kib(target.pid))))
    finally:
        target.stdin.close()
        target.wait()


if __name__ == "__main__":
    main()
