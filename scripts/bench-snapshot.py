#!/usr/bin/env python3
"""Benchmark snapshots (issue 5): on the shared fixture at one heap size, the wall time of
`pyinspect snapshot`, the file size per object, `pyinspect diff` of two snapshots, and the wall
time and pause of `pyinspect check`, each the best of --runs. A benchmark, not a test.

usage: scripts/bench-snapshot.py [--python PATH] [--scale 1000000] [--binary PATH] [--runs 3]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEAKY = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "leaky.py")


def timed(argv):
    started = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - started
    if result.returncode not in (0, 1):
        sys.exit("bench-snapshot: %s failed: %s" % (" ".join(argv), result.stderr.strip()))
    return wall, result.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() or os.path.expanduser("~/.pyenv")
    ap.add_argument("--python", default=os.path.join(root, "versions", "3.12.1", "bin", "python"))
    ap.add_argument("--scale", type=int, default=1000000)
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "pyinspect"))
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(LEAKY):
        sys.exit("bench-snapshot: %s not found (the shared fixtures sit beside the repository)" % LEAKY)
    tmp = tempfile.mkdtemp(prefix="pyinspect-bench-snapshot-")
    target = subprocess.Popen([a.python, LEAKY, "scale", str(a.scale), "--lifetime", "3600"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        if not target.stdout.readline().decode().startswith("READY"):
            sys.exit("bench-snapshot: the target did not start")
        pid = str(target.pid)
        first, second = os.path.join(tmp, "a.db"), os.path.join(tmp, "b.db")
        snapshot = min(timed([a.binary, "snapshot", pid, "-o", first])[0] for _ in range(a.runs))
        timed([a.binary, "snapshot", pid, "-o", second])
        objects = int(subprocess.run(["sqlite3", first, "SELECT value FROM meta WHERE key = 'object_count'"],
                                     capture_output=True, text=True).stdout.strip() or 0)
        size = os.path.getsize(first)
        diff = min(timed([a.binary, "diff", first, second])[0] for _ in range(a.runs))
        checks = [timed([a.binary, "check", pid, "--max-collectable", "1000000000", "--format", "json"]) for _ in range(a.runs)]
        check = min(wall for wall, _ in checks)
        pause = min(json.loads(out)["processes"][0]["pause_seconds"] for _, out in checks)
        print("python %s, pyinspect %s, best of %d" % (a.python, a.binary, a.runs))
        print("objects %s  snapshot %.3f s  file %.1f MiB (%.1f bytes/object)  diff %.3f s  check %.3f s (pause %.1f ms)" % (
            format(objects, ","), snapshot, size / 1048576.0, size / max(objects, 1), diff, check, pause * 1000))
    finally:
        target.stdin.close()
        target.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
