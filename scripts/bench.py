#!/usr/bin/env python3
"""Benchmark pyinspect against the target's own gc.collect() at several heap sizes (issue 4).

For each scale it starts the shared fixture (`leaky.py scale N`, beside the repository in
../shared/fixtures), which measures its own full collection in a forked child
(`full_collect_seconds`), then measures in the same run:

  floor     a bare bulk copy of the target's writable private mappings with batched
            process_vm_readv (1 MiB chunks, 1024 per call) -- the physical floor of a pause
  full      `pyinspect attach PID --format json` (census, collectable set, cycles): wall of the
            command, the target's pause, pyinspect's peak RSS (/usr/bin/time)
  census    the same with --no-cycles

and prints one table with the ratios: full wall / collect, pause / floor, peak RSS / target RSS,
full / census. A benchmark, not a test: CI does not run it, nothing here asserts a speed.

usage: scripts/bench.py [--python PATH] [--scales 100000,1000000,5000000,10000000] [--binary PATH] [--runs R]
"""
import argparse
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEAKY = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "leaky.py")


class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def copy_floor(pid):
    """Seconds and bytes to copy every writable private mapping of pid, as fast as the kernel allows."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.process_vm_readv.restype = ctypes.c_ssize_t
    ranges = []
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 5 or not parts[1].startswith("rw") or parts[1][3] != "p":
                continue
            name = parts[5] if len(parts) > 5 else ""
            if name in ("[vvar]", "[vsyscall]", "[stack]"):
                continue
            start, end = (int(x, 16) for x in parts[0].split("-"))
            chunk = 1 << 20
            while start < end:
                ranges.append((start, min(chunk, end - start)))
                start += chunk
    buffer = ctypes.create_string_buffer(1 << 20)
    total = 0
    began = time.monotonic()
    for batch_start in range(0, len(ranges), 1024):
        batch = ranges[batch_start:batch_start + 1024]
        # One local buffer reused for every range of the batch: this measures the copy, not our RSS.
        local = (IOVec * len(batch))(*[IOVec(ctypes.cast(buffer, ctypes.c_void_p), size) for _, size in batch])
        remote = (IOVec * len(batch))(*[IOVec(start, size) for start, size in batch])
        got = libc.process_vm_readv(pid, local, len(batch), remote, len(batch), 0)
        if got > 0:
            total += got
    return time.monotonic() - began, total


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def run_pyinspect(binary, pid, extra):
    started = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", binary, "attach", str(pid), "--format", "json"] + extra,
                       capture_output=True, text=True)
    wall = time.monotonic() - started
    if r.returncode != 0:
        sys.exit("bench: pyinspect failed: %s" % r.stderr.strip())
    report = json.loads(r.stdout)
    peak = int(re.search(r"MAXRSS (\d+)", r.stderr).group(1)) / 1024.0
    return wall, report["process"]["pause_seconds"], peak, report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() or os.path.expanduser("~/.pyenv")
    ap.add_argument("--python", default=os.path.join(root, "versions", "3.12.1", "bin", "python"))
    ap.add_argument("--scales", default="100000,1000000,5000000,10000000")
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "pyinspect"))
    ap.add_argument("--runs", type=int, default=1, help="pyinspect runs per scale (the best is shown)")
    a = ap.parse_args()
    if not os.path.exists(LEAKY):
        sys.exit("bench: %s not found (the shared fixtures sit beside the repository)" % LEAKY)
    if not os.access(a.binary, os.X_OK):
        sys.exit("bench: build first: swift build -c release (%s missing)" % a.binary)
    header = ("objects", "RSS MiB", "collect s", "floor s", "full s", "pause s", "peak MiB", "census s",
              "full/collect", "pause/floor", "peak/RSS", "full/census", "s per M obj")
    print("python %s, pyinspect %s" % (a.python, a.binary))
    print(" ".join("%12s" % h for h in header))
    for scale in [int(x) for x in a.scales.split(",")]:
        tmp = tempfile.mkdtemp(prefix="pyinspect-bench-")
        truth = os.path.join(tmp, "truth.json")
        target = subprocess.Popen([a.python, LEAKY, "scale", str(scale), "--truth", truth, "--lifetime", "1800"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            if not target.stdout.readline().decode().startswith("READY"):
                sys.exit("bench: the target did not start at scale %d" % scale)
            t = json.load(open(truth))
            objects = t["tracked"]["count"]
            floor, _ = min(copy_floor(target.pid) for _ in range(3))
            full = min((run_pyinspect(a.binary, target.pid, []) for _ in range(a.runs)), key=lambda r: r[0])
            census = min((run_pyinspect(a.binary, target.pid, ["--no-cycles"]) for _ in range(a.runs)), key=lambda r: r[0])
            rss = rss_mib(target.pid)
            collect = t["full_collect_seconds"]
            row = (objects, rss, collect, floor, full[0], full[1], full[2], census[0],
                   full[0] / collect, full[1] / floor, full[2] / rss, full[0] / census[0], full[0] / (objects / 1e6))
            print("%12s %12.1f %12.3f %12.3f %12.3f %12.3f %12.1f %12.3f %12.2f %12.2f %12.2f %12.2f %12.3f" % (
                (format(objects, ","),) + row[1:]))
            sys.stdout.flush()
        finally:
            target.stdin.close()
            target.wait()


if __name__ == "__main__":
    main()
