#!/usr/bin/env python3
"""Benchmark `pyinspect top` and `pyinspect why` against the target's own gc.collect() (issue 14).

For each scale it starts the shared fixture (`leaky.py scale N`, as scripts/bench.py does), which
measures its own full collection in a forked child, then times on the same target, in the same run:

  attach   `pyinspect attach PID --format json` (the collectable analysis alone, for reference)
  top      `pyinspect top PID --format json` (dominator tree, retained sizes, leak suspects)
  why      `pyinspect why PID ScaleLink --format json` (retainer paths of N/8 objects, grouped)

with each command's wall time and pyinspect's peak RSS (rusage), and prints the ratios wall /
collect and the peak RSS each adds over attach, per object (issue 14 allows 24 bytes). Each figure
is the best of --runs runs. A benchmark, not a test: nothing here asserts a speed.

usage: scripts/bench-retention.py [--python PATH] [--root DIR] [--scales 1000000,10000000] [--binary PATH] [--runs R]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib
bench = importlib.import_module("bench")


def run(binary, arguments):
    """Wall seconds and peak RSS (MiB) of one pyinspect run."""
    started = time.monotonic()
    child = subprocess.Popen([binary] + arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate()
    wall = time.monotonic() - started
    if child.returncode != 0:
        sys.exit("bench-retention: pyinspect %s failed: %s" % (arguments[0], err.decode().strip()))
    json.loads(out)
    return wall


def peak_mib(binary, arguments):
    """Peak RSS of one run, from the kernel's rusage of the child (MiB)."""
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(binary, [binary] + arguments)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench-retention: pyinspect %s failed" % arguments[0])
    return usage.ru_maxrss / 1024.0


def main():
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default=os.path.join(root, "versions", "3.12.1", "bin", "python"))
    ap.add_argument("--root", default=None, help="run --python inside this root (chroot)")
    ap.add_argument("--scales", default="1000000,10000000")
    ap.add_argument("--binary", default=os.path.join(bench.REPO, ".build", "release", "pyinspect"))
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    python = ["chroot", a.root, a.python] if a.root else [a.python]
    version = subprocess.run(python + ["-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()
    print("python %s (%s), pyinspect %s, best of %d, %d cores" % (version, a.python, a.binary, a.runs, os.cpu_count()))
    header = ["objects", "RSS MiB", "collect s", "attach s", "top s", "why s", "top/collect", "why/collect",
              "attach MiB", "top MiB", "why MiB", "top B/obj", "why B/obj"]
    print(" ".join("%12s" % h for h in header))
    for scale in [int(x) for x in a.scales.split(",")]:
        tmp = tempfile.mkdtemp(prefix="pyinspect-bench-", dir=os.path.join(a.root, "tmp") if a.root else None)
        inside = (lambda path: path[len(a.root.rstrip("/")):]) if a.root else (lambda path: path)
        leaky = bench.LEAKY
        if a.root:
            leaky = os.path.join(tmp, "leaky.py")
            shutil.copy(bench.LEAKY, leaky)
        truth = os.path.join(tmp, "truth.json")
        census = os.path.join(tmp, "census.json")
        target = subprocess.Popen(python + ["-c", bench.TARGET_WRAPPER, inside(census), inside(leaky), "scale", str(scale),
                                            "--truth", inside(truth), "--lifetime", "3600"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            if not target.stdout.readline().decode().startswith("READY"):
                sys.exit("bench-retention: the target did not start at scale %d" % scale)
            t = json.load(open(truth))
            objects, collect = t["tracked"]["count"], t["full_collect_seconds"]
            pid = str(target.pid)
            commands = {"attach": ["attach", pid, "--format", "json"], "top": ["top", pid, "--format", "json"],
                        "why": ["why", pid, "ScaleLink", "--format", "json"]}
            wall = dict((name, min(run(a.binary, c) for _ in range(a.runs))) for name, c in commands.items())
            peak = dict((name, min(peak_mib(a.binary, c) for _ in range(a.runs))) for name, c in commands.items())
            per_object = lambda name: (peak[name] - peak["attach"]) * 1048576 / objects
            row = ["{:,}".format(objects), "%.1f" % bench.rss_mib(target.pid), "%.3f" % collect, "%.3f" % wall["attach"],
                   "%.3f" % wall["top"], "%.3f" % wall["why"], "%.2f" % (wall["top"] / collect), "%.2f" % (wall["why"] / collect),
                   "%.1f" % peak["attach"], "%.1f" % peak["top"], "%.1f" % peak["why"], "%.1f" % per_object("top"), "%.1f" % per_object("why")]
            print(" ".join("%12s" % v for v in row))
            sys.stdout.flush()
        finally:
            target.stdin.close()
            target.wait()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
