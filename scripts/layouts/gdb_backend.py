"""The DWARF backend's host side: which builds to read (pyenv's shared libpython builds, newest patch per
series, or the --python arguments: an interpreter or a libpythonX.Y.so.1.0) and one `gdb -batch` session per
library, answering a query spec with gdb_helper.py. Needs gdb with its Python extension."""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile

from common import GenError, series_str
from spec_layout import TYPES

SUPPORTED = [(2, 7)] + [(3, minor) for minor in range(6, 14)]
GDB_HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb_helper.py")


def pyenv_root():
    try:
        r = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
        if r:
            return r
    except (OSError, subprocess.CalledProcessError):
        pass
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def ask_interpreter(exe):
    """Full version and libpython of a python executable."""
    code = ("import sys, sysconfig, json; print(json.dumps({'v': list(sys.version_info[:3]), "
            "'libdir': sysconfig.get_config_var('LIBDIR'), 'soname': sysconfig.get_config_var('INSTSONAME'), "
            "'shared': sysconfig.get_config_var('Py_ENABLE_SHARED'), "
            "'gil_disabled': sysconfig.get_config_var('Py_GIL_DISABLED')}))")
    try:
        # -I (isolated) is 3.4+; 2.7 takes -E -s for the same effect here.
        r = subprocess.run([exe, "-E", "-s", "-S", "-c", code], capture_output=True, text=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        raise GenError("cannot run %s: %s" % (exe, e))
    return json.loads(r.stdout)


SONAME_RE = re.compile(r"^libpython(\d+)\.(\d+)([a-z]*)\.so\.1\.0$")


def build_from_lib(lib):
    """A libpythonX.Y.so.1.0: the version comes from the interpreter installed next to it."""
    m = SONAME_RE.match(os.path.basename(lib))
    if not m:
        raise GenError("%s: not a libpythonX.Y.so.1.0" % lib)
    series = (int(m.group(1)), int(m.group(2)))
    if series not in SUPPORTED:
        raise GenError("%s: series %s is outside 2.7, 3.6-3.13" % (lib, series_str(series)))
    if "t" in m.group(3):
        raise GenError("%s: free-threaded builds are not supported" % lib)
    exe = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(lib))), "bin", "python%d.%d" % series)
    if not os.access(exe, os.X_OK):
        raise GenError("%s: no interpreter at %s to tell the full version" % (lib, exe))
    info = ask_interpreter(exe)
    if tuple(info["v"][:2]) != series:
        raise GenError("%s reports %s, but the library is %s" % (exe, info["v"], series_str(series)))
    return {"lib": os.path.abspath(lib), "series": series, "version": "%d.%d.%d" % tuple(info["v"])}


def build_from_arg(path):
    if not os.path.exists(path):
        raise GenError("%s does not exist" % path)
    if SONAME_RE.match(os.path.basename(path)) or ".so" in os.path.basename(path):
        return build_from_lib(path)
    info = ask_interpreter(path)
    if info.get("gil_disabled"):
        raise GenError("%s: free-threaded builds are not supported" % path)
    if not info.get("shared") or not info.get("soname"):
        raise GenError("%s is not a --enable-shared build; pass its libpython or a shared build" % path)
    lib = os.path.join(info["libdir"], info["soname"])
    if not os.path.exists(lib):
        raise GenError("%s: %s not found" % (path, lib))
    b = build_from_lib(lib)
    if b["version"] != "%d.%d.%d" % tuple(info["v"]):
        raise GenError("%s is %s but %s belongs to %s" % (path, info["v"], lib, b["version"]))
    return b


def default_builds():
    root = pyenv_root()
    by_series = {}
    for lib in glob.glob(os.path.join(root, "versions", "*", "lib", "libpython[23].*.so.1.0")):
        m = SONAME_RE.match(os.path.basename(lib))
        if not m or m.group(3) not in ("", "m"):   # 3.7 and older: "m" (pymalloc) is the default ABI
            continue
        series = (int(m.group(1)), int(m.group(2)))
        if series not in SUPPORTED:
            continue
        b = build_from_lib(lib)
        key = tuple(int(x) for x in b["version"].split("."))
        if series not in by_series or key > by_series[series][0]:
            if series in by_series:
                print("note: %s: using %s rather than %s" % (series_str(series), b["version"],
                                                              by_series[series][1]["version"]), file=sys.stderr)
            by_series[series] = (key, b)
    if not by_series:
        raise GenError("no pyenv builds of 2.7 or 3.6-3.13 with a shared libpython under %s" % root)
    return [by_series[s][1] for s in sorted(by_series)]


def run_gdb(gdb, lib, queries, types=None):
    """Answer {query id: query} for one library in one gdb session: {"types": ..., "results": ...}."""
    with tempfile.TemporaryDirectory(prefix="gen-layouts.") as tmp:
        spec = os.path.join(tmp, "spec.json")
        with open(spec, "w") as f:
            json.dump({"types": TYPES if types is None else types, "queries": queries}, f)
        env = dict(os.environ, GEN_LAYOUTS_SPEC=spec)
        cmd = [gdb, "-q", "-batch", "-nx", "-iex", "set debuginfod enabled off", "-iex", "set auto-load off",
               "-iex", "set pagination off", lib, "-x", GDB_HELPER]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    for line in r.stdout.splitlines():
        if line.startswith("@@GEN-LAYOUTS-JSON@@"):
            return json.loads(line[len("@@GEN-LAYOUTS-JSON@@"):])
    raise GenError("gdb on %s produced no result (exit %d):\n%s\n%s" % (lib, r.returncode, r.stdout, r.stderr))
