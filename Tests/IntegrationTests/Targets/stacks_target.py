"""Integration-test target for pyinspect (written for this project; CPython 2.7 and 3.6+, stdlib only):
two threads, each blocked in a known function with known locals, for the thread-stack reader.

The thread "Worker-1" runs worker_body, which blocks on a lock the main thread holds; the main thread
runs main_body, which blocks in sys.stdin.read(). Neither blocking call runs Python code, so each
function is its thread's innermost frame.

The truth (--expect FILE), written before the main thread blocks: per thread (main first) its name,
ident (threading.get_ident(), hex), native id (3.8+, else null), the innermost function's name and
line (the worker's from sys._current_frames() and f_lineno while it is blocked; the main thread's is
the line of its blocking call), the function's locals: name -> hex(id(value)), and the whole stack as
pyinspect describes frames, innermost first: `qualname (file:line)`.
Prints "READY <pid>" and exits at EOF on stdin.
"""
import json
import os
import sys
import threading
import time

GATE = threading.Lock()
PUBLISHED = {}


def native_id():
    get = getattr(threading, "get_native_id", None)
    return get() if get else None


def worker_body(gate, published):
    pending = [object() for _ in range(3)]
    label = "worker-%d" % os.getpid()
    count = 1000003 * os.getpid()
    published.update(locals=dict((k, hex(id(v))) for k, v in [("pending", pending), ("label", label), ("count", count),
                                                              ("gate", gate), ("published", published)]),
                     native=native_id())
    published["line"] = sys._getframe().f_lineno + 1
    gate.acquire()


def described(frame, line=None):
    """A frame and its callers as pyinspect names them: `qualname (file:line)`, innermost first (before 3.11
    a code object has only its co_name; every file here is right under an entry of sys.path)."""
    out = []
    while frame is not None:
        code = frame.f_code
        out.append("%s (%s:%d)" % (getattr(code, "co_qualname", code.co_name), os.path.basename(code.co_filename),
                                   line if line is not None and not out else frame.f_lineno))
        frame = frame.f_back
    return out


def write(expect, truth):
    tmp = expect + ".tmp"
    with open(tmp, "w") as f:
        json.dump(truth, f)
    os.rename(tmp, expect)


def main_body(expect, worker):
    config = {"mode": "blocked", "pid": os.getpid()}
    items = [worker, config]
    deadline = time.time() + 30
    while time.time() < deadline:
        frame = sys._current_frames().get(worker.ident)
        # At the acquire line: about to call it, or blocked in it (no Python frame either way).
        if frame is not None and frame.f_code is worker_body.__code__ and frame.f_lineno == PUBLISHED.get("line"):
            break
        time.sleep(0.01)
    worker_truth = {"name": worker.name, "ident": hex(worker.ident), "native": PUBLISHED.get("native"),
                    "function": frame.f_code.co_name, "line": frame.f_lineno, "locals": PUBLISHED["locals"],
                    "stack": described(frame)}
    frame = None
    mine = dict((k, hex(id(v))) for k, v in [("expect", expect), ("worker", worker), ("config", config), ("items", items)])
    line = sys._getframe().f_lineno + 5
    main_truth = {"name": threading.current_thread().name, "ident": hex(threading.current_thread().ident), "native": native_id(),
                  "function": "main_body", "line": line, "locals": mine, "stack": described(sys._getframe(), line)}
    write(expect, {"threads": [main_truth, worker_truth]})
    sys.stdout.write("READY %d\n" % os.getpid()); sys.stdout.flush()
    sys.stdin.read()


def main():
    args = sys.argv[1:]
    expect = args[args.index("--expect") + 1]
    GATE.acquire()
    worker = threading.Thread(target=worker_body, args=(GATE, PUBLISHED), name="Worker-1")
    worker.daemon = True
    worker.start()
    main_body(expect, worker)


main()
