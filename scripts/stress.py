#!/usr/bin/env python3
"""Stress pyinspect against live targets (issue 6). Not a test: it runs long and prints figures.

  kill   N trials: start `pyinspect attach` on a ticking target and send it SIGKILL, SIGINT or
         SIGTERM at a random moment; after each, the target must not be stopped (/proc state
         t/T) and must print new ticks. Counts trials, targets left stopped (must be 0), lost
         progress (must be 0), pyinspect crashes (a signal other than the one sent; must be 0).
  busy   N paused attaches of `leaky.py --busy` (a main thread allocating and freeing all the
         time, from ../shared/fixtures): every one must succeed with a consistent census; then N
         `--no-pause` attaches must all finish in bounded time without crashing, marked approximate.
  maxpause  N attaches of a busy ticker with a random `--max-pause` between 0.05 and 20 ms. Each
         must exit 0 with `pause_seconds - resume_seconds <= limit`, or exit 24 with one line whose
         stopped time is <= the limit plus the time pyinspect itself waited for a CPU (both are
         stated); afterwards the ticker must not be stopped and must tick on. Counts: exit 0,
         exit 24, 24 over the limit while pyinspect waited for a CPU (the machine's load: reported,
         not a failure), 0 over the limit, 24 over the limit beyond that wait, other exits, left
         stopped, lost progress (these six must be 0), and the largest overrun of each kind.

  churn  N `check MASTER --children` runs (JSON and OpenMetrics in turn) against a master whose
         Python workers live 0-300 ms each and are replaced all the time, beside a child that is not
         Python (like a gunicorn master with max_requests and a helper binary): every run must exit
         0 (a worker gone between listing and reading is skipped, not a failure), give an entry for
         every process it lists, read the master, and leave no process stopped.

usage: scripts/stress.py kill [--trials 200] | busy [--trials 100] | maxpause [--trials 200] | churn [--trials 200]   [--binary PATH] [--python PATH]
"""
import argparse
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKER = os.path.join(REPO, "Tests", "IntegrationTests", "Targets", "ticker_target.py")
LEAKY = os.path.join(os.path.dirname(REPO), "shared", "fixtures", "leaky.py")


def state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


class Ticker:
    def __init__(self, python, objects, busy=False):
        self.process = subprocess.Popen([python, "-S", TICKER, str(objects)] + (["busy"] if busy else []),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buffer = b""
        self.last = 0
        if not self.line(30).startswith(b"READY"):
            sys.exit("stress: the ticker did not start")

    def line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.process.stdout], [], [], left)[0]:
                return b""
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                return b""
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def progressed(self):
        """True if, once everything already printed is read (ticks must only grow), one more tick
        arrives within 2 s: a tick the ticker printed after this call began."""
        for _ in range(10000):  # bounded: a pipe holds 64 KiB; the ticker prints far slower than this reads
            if not select.select([self.process.stdout], [], [], 0)[0]:
                break
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                return False
            self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        if not all(self.advance(line) for line in lines):
            return False
        return self.advance(self.line(2))

    def advance(self, line):
        if not line.startswith(b"TICK ") or int(line[5:]) <= self.last:
            return False
        self.last = int(line[5:])
        return True

    def stop(self):
        self.process.stdin.close()
        self.process.wait()


def check_ticker(ticker, counts):
    """After a trial: the ticker must not be stopped and must tick on."""
    if state(ticker.process.pid) in ("t", "T"):
        counts["left stopped"] += 1
    if not ticker.progressed():
        counts["lost progress"] += 1


def stress_kill(a):
    ticker = Ticker(a.python, a.objects)
    counts = {"trials": 0, "left stopped": 0, "lost progress": 0, "crashes": 0}
    exits = {}
    for trial in range(a.trials):
        sent = random.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
        attach = subprocess.Popen([a.binary, "attach", str(ticker.process.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0, a.window))
        attach.send_signal(sent)
        code = attach.wait()
        exits[code] = exits.get(code, 0) + 1
        counts["trials"] += 1
        if code < 0 and -code != sent:
            counts["crashes"] += 1
        check_ticker(ticker, counts)
    ticker.stop()
    print("kill: " + ", ".join("%s %d" % item for item in counts.items()))
    print("  pyinspect exits: " + ", ".join("%s %d" % (("signal %d" % -k) if k < 0 else ("exit %d" % k), v) for k, v in sorted(exits.items())))
    return counts["left stopped"] == counts["lost progress"] == counts["crashes"] == 0


def stress_busy(a):
    if not os.path.exists(LEAKY):
        sys.exit("stress: %s not found (the shared fixtures sit beside the repository)" % LEAKY)
    target = subprocess.Popen([a.python, LEAKY, "runner", "cached", "--busy", "--lifetime", "3600"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if not target.stdout.readline().startswith(b"READY"):
        sys.exit("stress: leaky.py --busy did not start")
    pid = str(target.pid)
    paused = {"ok": 0, "failed": 0, "inconsistent": 0}
    longest = 0.0
    for _ in range(a.trials):
        started = time.monotonic()
        r = subprocess.run([a.binary, "attach", pid, "--format", "json"], capture_output=True, text=True)
        longest = max(longest, time.monotonic() - started)
        if r.returncode != 0:
            paused["failed"] += 1
            print("  paused attach failed: %s" % r.stderr.strip())
            continue
        report = json.loads(r.stdout)
        total = sum(g["count"] for g in report["generations"])
        by_type = sum(sum(g["by_type"].values()) for g in report["generations"])
        if total != by_type or report["process"].get("approximate"):
            paused["inconsistent"] += 1
        else:
            paused["ok"] += 1
    unpaused = {"ok": 0, "crashed": 0, "hung": 0, "approximate": 0}
    slowest = 0.0
    for _ in range(a.trials):
        started = time.monotonic()
        try:
            r = subprocess.run([a.binary, "attach", pid, "--no-pause", "--format", "json"], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            unpaused["hung"] += 1
            continue
        slowest = max(slowest, time.monotonic() - started)
        if r.returncode < 0:
            unpaused["crashed"] += 1
        elif r.returncode == 0:
            unpaused["ok"] += 1
            if json.loads(r.stdout)["process"].get("approximate"):
                unpaused["approximate"] += 1
    target.stdin.close()
    target.wait()
    print("busy, paused: %s; longest %.2f s" % (", ".join("%s %d" % i for i in paused.items()), longest))
    print("busy, --no-pause: %s; slowest %.2f s" % (", ".join("%s %d" % i for i in unpaused.items()), slowest))
    return paused["failed"] == paused["inconsistent"] == unpaused["crashed"] == unpaused["hung"] == 0


# A master that keeps replacing short-lived workers, and one child that is not Python.
CHURNING_MASTER = r"""
import os, random, signal, sys, time
sleeper = os.fork()
if sleeper == 0:
    os.execv("/bin/sleep", ["sleep", "3600"])
os.write(1, b"READY\n")
workers = {}
while True:
    while len(workers) < 3:
        pid = os.fork()
        if pid == 0:
            time.sleep(random.uniform(0, 0.3))
            os._exit(0)
        workers[pid] = True
    pid, _ = os.wait()
    workers.pop(pid, None)
"""


def stress_churn(a):
    master = subprocess.Popen([a.python, "-S", "-c", CHURNING_MASTER], stdout=subprocess.PIPE, start_new_session=True)
    if not master.stdout.readline().startswith(b"READY"):
        sys.exit("stress: the churning master did not start")
    counts = {"trials": 0, "bad exits": 0, "missing entries": 0, "master not read": 0, "left stopped": 0}
    seen = {"ok": 0, "skipped": 0, "error": 0}
    for trial in range(a.trials):
        counts["trials"] += 1
        fmt = "json" if trial % 2 == 0 else "openmetrics"
        r = subprocess.run([a.binary, "check", str(master.pid), "--children", "--format", fmt],
                           capture_output=True, text=True)
        if r.returncode != 0:
            counts["bad exits"] += 1
            print("  exit %d: %s" % (r.returncode, [l for l in r.stderr.splitlines() if ": skipped: " not in l]))
        if fmt == "json":
            try:
                processes = json.loads(r.stdout)["processes"]
            except (ValueError, KeyError):
                processes = []
            statuses = {p["pid"]: p["status"] for p in processes}
            for status in statuses.values():
                seen[status] = seen.get(status, 0) + 1
            if statuses.get(master.pid) != "ok":
                counts["master not read"] += 1
            if not processes or any("status" not in p for p in processes):
                counts["missing entries"] += 1
        elif 'pyinspect_up{pid="%d"} 1' % master.pid not in r.stdout or not r.stdout.endswith("# EOF\n"):
            counts["master not read"] += 1
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if fields[1] == str(master.pid) and fields[0] in ("t", "T"):
                    counts["left stopped"] += 1
    os.killpg(master.pid, signal.SIGKILL)
    master.wait()
    print("churn: " + ", ".join("%s %d" % item for item in counts.items()))
    print("  entries seen (JSON runs): " + ", ".join("%s %d" % item for item in seen.items()))
    return counts["bad exits"] == counts["missing entries"] == counts["master not read"] == counts["left stopped"] == 0


STOPPED = re.compile(r"\(stopped (\d+\.\d{3}) ms")
CPU_WAIT = re.compile(r"pyinspect waited (\d+\.\d{3}) ms for a CPU")


def stress_maxpause(a):
    ticker = Ticker(a.python, a.objects, busy=True)
    counts = {"trials": 0, "exit 0": 0, "exit 24": 0, "24 over while pyinspect waited for a CPU": 0,
              "0 over the limit": 0, "24 over the limit": 0, "other exits": 0, "left stopped": 0, "lost progress": 0}
    worst = {"0": -1.0, "24": -1.0, "waited": 0.0}
    for _ in range(a.trials):
        # Whole microseconds: the limit pyinspect sees is exactly the one compared against.
        limit_us = random.randint(50, 20000)
        limit = limit_us / 1e6
        r = subprocess.run([a.binary, "attach", str(ticker.process.pid), "--max-pause", "%.3fms" % (limit_us / 1000),
                            "--no-cycles", "--format", "json"], capture_output=True, text=True)
        counts["trials"] += 1
        if r.returncode == 0:
            counts["exit 0"] += 1
            process = json.loads(r.stdout)["process"]
            stopped = process["pause_seconds"] - process["resume_seconds"]
            if stopped > limit:
                counts["0 over the limit"] += 1
            worst["0"] = max(worst["0"], stopped - limit)
        elif r.returncode == 24:
            counts["exit 24"] += 1
            lines = r.stderr.splitlines()
            match = STOPPED.search(r.stderr)
            if len(lines) != 1 or not match:
                counts["other exits"] += 1
                print("  exit 24 without one line stating the pause: %r" % r.stderr)
            else:
                # Whole microseconds, as stated: exact.
                stopped_us = int(match.group(1).replace(".", ""))
                waited = CPU_WAIT.search(r.stderr)
                waited_us = int(waited.group(1).replace(".", "")) if waited else 0
                if stopped_us > limit_us + waited_us:
                    counts["24 over the limit"] += 1
                    print("  over: limit %.3f ms: %s" % (limit * 1000, lines[0]))
                elif stopped_us > limit_us:
                    counts["24 over while pyinspect waited for a CPU"] += 1
                    worst["waited"] = max(worst["waited"], (stopped_us - limit_us) / 1e6)
                worst["24"] = max(worst["24"], (stopped_us - limit_us - waited_us) / 1e6)
        else:
            counts["other exits"] += 1
            print("  exit %d: %s" % (r.returncode, r.stderr.strip()))
        check_ticker(ticker, counts)
    ticker.stop()
    print("maxpause: " + ", ".join("%s %d" % item for item in counts.items()))
    print("  largest pause - limit: exit 0 %+.3f ms; exit 24, less pyinspect's CPU wait, %+.3f ms (negative: always under);"
          " exit 24 while pyinspect waited for a CPU %+.3f ms" % (worst["0"] * 1000, worst["24"] * 1000, worst["waited"] * 1000))
    return all(counts[k] == 0 for k in ("0 over the limit", "24 over the limit", "other exits", "left stopped", "lost progress"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["kill", "busy", "maxpause", "churn"])
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() or os.path.expanduser("~/.pyenv")
    ap.add_argument("--python", default=os.path.join(root, "versions", "3.12.1", "bin", "python"))
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "pyinspect"))
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--objects", type=int, default=None, help="kill, maxpause: the ticker's heap size (300000, 50000)")
    ap.add_argument("--window", type=float, default=0.3, help="kill: signals land within this many seconds of the start")
    a = ap.parse_args()
    if a.objects is None:
        a.objects = 50000 if a.mode == "maxpause" else 300000
    ok = {"kill": stress_kill, "busy": stress_busy, "maxpause": stress_maxpause, "churn": stress_churn}[a.mode](a)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
