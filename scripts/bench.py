#!/usr/bin/env python3
"""Benchmark pyinspect against the target's own gc.collect() at several heap sizes (issue 4).

For each scale it starts the shared fixture (`leaky.py scale N`, beside the repository in
../shared/fixtures), which measures its own full collection in a forked child
(`full_collect_seconds`), then measures in the same run, on the same target:

  floor     a bare bulk copy of the target's writable private mappings with batched
            process_vm_readv (1 MiB ranges, 1024 per call, into one reused buffer): the
            physical floor of a pause, as issue 4 defines it
  full      `pyinspect attach PID --format json` (census, collectable set, cycles, bytes):
            wall of the command, the target's pause, pyinspect's peak RSS (rusage)
  census    the same with --no-cycles
  in-proc   the target counting its own objects by type (`Counter(map(type,
            gc.get_objects()))`, run by a SIGUSR2 handler installed before the fixture starts)
  py-spy    `py-spy dump --pid PID` (when py-spy is on PATH: `pip install py-spy`): wall, and
            its pause (first ptrace stop to last detach, from `strace -ttt`)

and prints one table with the ratios: full wall / collect, pause / floor, peak RSS / target RSS,
full / census, and seconds per million objects. Each pyinspect figure is the best of --runs runs.
A benchmark, not a test: CI does not run it, nothing here asserts a speed.

usage: scripts/bench.py [--python PATH] [--root DIR] [--scales 100000,1000000,5000000,10000000] [--binary PATH]
                        [--runs R] [-- EXTRA pyinspect ARGS]
With --root DIR (a Debian root from scripts/roots.sh), --python names the interpreter inside it
(`--root /var/cache/pyinspect/roots/sid --python /usr/bin/python3.14`), run as `chroot DIR PYTHON`.
"""
import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEAKY = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "leaky.py")

# Runs the fixture unchanged, after installing a SIGUSR2 handler that times an in-process census.
TARGET_WRAPPER = r"""
import collections, gc, json, runpy, signal, sys, time
out = sys.argv[1]
clock = getattr(time, "perf_counter", time.time)      # 2.7 has no perf_counter
def census(signum, frame):
    began = clock()
    counts = collections.Counter(map(type, gc.get_objects()))
    seconds = clock() - began
    with open(out, "w") as f:
        json.dump({"seconds": seconds, "objects": sum(counts.values())}, f)
signal.signal(signal.SIGUSR2, census)
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


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
    """Wall, pause, peak RSS (MiB, from the kernel's rusage of the child) and the report of one run."""
    started = time.monotonic()
    child = subprocess.Popen([binary, "attach", str(pid), "--format", "json"] + extra,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = child.stdout.read()
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit("bench: pyinspect failed: %s" % err.decode().strip())
    report = json.loads(out)
    return wall, report["process"]["pause_seconds"], usage.ru_maxrss / 1024.0, report


def in_process_census(pid, out):
    """Seconds the target takes to count its own objects by type (SIGUSR2 handler)."""
    if os.path.exists(out):
        os.unlink(out)
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with open(out) as f:
                return json.load(f)["seconds"]
        except (OSError, ValueError):
            time.sleep(0.05)
    return None


def py_spy(pid):
    """(wall, pause) of `py-spy dump`, or (None, None) without py-spy. The pause is read from
    strace: first ptrace stop request to last detach."""
    spy = shutil.which("py-spy")
    if not spy:
        return None, None
    started = time.monotonic()
    r = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True)
    wall = time.monotonic() - started
    if r.returncode != 0:
        return None, None
    pause = None
    if shutil.which("strace"):
        t = subprocess.run(["strace", "-f", "-ttt", "-e", "trace=ptrace", spy, "dump", "--pid", str(pid)],
                           capture_output=True, text=True)
        stops = [float(m.group(1)) for m in re.finditer(r"(\d+\.\d+) ptrace\(PTRACE_(?:ATTACH|SEIZE|INTERRUPT)", t.stderr)]
        detaches = [float(m.group(1)) for m in re.finditer(r"(\d+\.\d+) ptrace\(PTRACE_DETACH", t.stderr)]
        if stops and detaches:
            pause = max(detaches) - min(stops)
    return wall, pause


def fmt(value, spec):
    return "-" if value is None else spec % value


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() or os.path.expanduser("~/.pyenv")
    ap.add_argument("--python", default=os.path.join(root, "versions", "3.12.1", "bin", "python"))
    ap.add_argument("--root", default=None, help="run --python inside this root (chroot)")
    ap.add_argument("--scales", default="100000,1000000,5000000,10000000")
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "pyinspect"))
    ap.add_argument("--runs", type=int, default=3, help="pyinspect runs per scale (the best is shown)")
    ap.add_argument("extra", nargs="*", help="more pyinspect arguments (after --)")
    a = ap.parse_args()
    if not os.path.exists(LEAKY):
        sys.exit("bench: %s not found (the shared fixtures sit beside the repository)" % LEAKY)
    if not os.access(a.binary, os.X_OK):
        sys.exit("bench: build first: swift build -c release (%s missing)" % a.binary)
    columns = [("objects", "%12s"), ("RSS MiB", "%9.1f"), ("collect s", "%9.3f"), ("floor s", "%8.4f"),
               ("full s", "%7.3f"), ("pause s", "%8.4f"), ("peak MiB", "%8.1f"), ("census s", "%8.3f"),
               ("in-proc s", "%9.3f"), ("spy s", "%6.3f"), ("spy pause", "%9.4f"),
               ("full/collect", "%12.2f"), ("pause/floor", "%11.2f"), ("peak/RSS", "%8.2f"),
               ("full/census", "%11.2f"), ("s/M obj", "%7.3f")]
    python = ["chroot", a.root, a.python] if a.root else [a.python]
    version = subprocess.run(python + ["-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True).stdout.strip()
    print("python %s (%s), pyinspect %s, best of %d, %d cores" % (version, a.python, a.binary, a.runs, os.cpu_count()))
    print(" ".join(name.rjust(int(re.match(r"%(\d+)", spec).group(1))) for name, spec in columns))
    for scale in [int(x) for x in a.scales.split(",")]:
        # Inside a root, the fixture and the files it writes live in the root's /tmp.
        tmp = tempfile.mkdtemp(prefix="pyinspect-bench-", dir=os.path.join(a.root, "tmp") if a.root else None)
        inside = (lambda path: path[len(a.root.rstrip("/")):]) if a.root else (lambda path: path)
        leaky = LEAKY
        if a.root:
            leaky = os.path.join(tmp, "leaky.py")
            shutil.copy(LEAKY, leaky)
        truth = os.path.join(tmp, "truth.json")
        census_out = os.path.join(tmp, "census.json")
        target = subprocess.Popen(python + ["-c", TARGET_WRAPPER, inside(census_out), inside(leaky), "scale", str(scale),
                                            "--truth", inside(truth), "--lifetime", "3600"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            if not target.stdout.readline().decode().startswith("READY"):
                sys.exit("bench: the target did not start at scale %d" % scale)
            t = json.load(open(truth))
            objects = t["tracked"]["count"]
            floor, _ = min(copy_floor(target.pid) for _ in range(3))
            runs = [run_pyinspect(a.binary, target.pid, a.extra) for _ in range(a.runs)]
            full = [min(run[i] for run in runs) for i in range(3)]      # best wall, pause and peak
            census = min(run_pyinspect(a.binary, target.pid, ["--no-cycles"] + a.extra)[0] for _ in range(a.runs))
            in_proc = in_process_census(target.pid, census_out)
            spy_wall, spy_pause = py_spy(target.pid)
            rss = rss_mib(target.pid)
            collect = t["full_collect_seconds"]
            row = [format(objects, ","), rss, collect, floor, full[0], full[1], full[2], census, in_proc, spy_wall, spy_pause,
                   full[0] / collect, full[1] / floor, full[2] / rss, full[0] / census, full[0] / (objects / 1e6)]
            print(" ".join(fmt(value, spec) for value, (_, spec) in zip(row, columns)))
            sys.stdout.flush()
        finally:
            target.stdin.close()
            target.wait()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
