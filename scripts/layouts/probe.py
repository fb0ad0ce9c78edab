"""Resolve gen-layouts queries without DWARF: `offsetof` / `sizeof` probes compiled against a build's own
headers (as pystack and py-spy do for builds without debug information).

A probe build is an interpreter and the `-dev` headers it was built with, e.g. a Debian root's
`/usr/bin/python3.14` and `/usr/include/python3.14` (+ the multiarch `pyconfig.h`). Every query is one
line of one C file compiled with the host's gcc and `Py_BUILD_CORE`; a line that does not compile (a
member or type this version lacks) is reported as absent, the rest are run once. Types are checked with
`__builtin_types_compatible_p`, bit positions by setting the bitfield in a zeroed struct.

Only the standard library and gcc are needed; nothing runs in (or is written to) the root.
"""

import json
import os
import re
import subprocess
import tempfile

# The internal headers whose structs the queries name; each is included when the version has it.
HEADERS = ["Python.h", "internal/pycore_runtime.h", "internal/pycore_interp.h", "internal/pycore_gc.h",
           "internal/pycore_frame.h", "internal/pycore_code.h", "internal/pycore_dict.h",
           "internal/pycore_genobject.h", "internal/pycore_moduleobject.h", "internal/pycore_context.h",
           "internal/pycore_hamt.h", "internal/pycore_typeobject.h", "internal/pycore_interpframe_structs.h",
           "internal/pycore_interp_structs.h", "internal/pycore_runtime_structs.h", "internal/pycore_object.h",
           "internal/pycore_cell.h", "internal/pycore_function.h", "internal/pycore_traceback.h",
           "internal/pycore_weakref.h", "internal/pycore_descrobject.h", "internal/pycore_setobject.h",
           "internal/pycore_stackref.h"]


class ProbeError(Exception):
    pass


class Headers:
    """The headers of one build: `include` holds Python.h, `multiarch` the directory of pyconfig.h's target."""

    def __init__(self, root, series, extra=""):
        self.root, self.series, self.extra = root, series, extra
        name = "python%d.%d" % series
        self.include = os.path.join(root, "usr", "include", name)
        self.multiarch = os.path.join(root, "usr", "include", "x86_64-linux-gnu", name)
        if not os.path.isfile(os.path.join(self.include, "Python.h")):
            raise ProbeError("%s: no Python.h (install %s-dev in the root)" % (self.include, name))

    def version(self):
        with open(os.path.join(self.include, "patchlevel.h")) as f:
            m = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', f.read())
        if not m:
            raise ProbeError("%s/patchlevel.h has no PY_VERSION" % self.include)
        return m.group(1)

    def defines(self):
        """The -D flags the build's own core was compiled with (PY_CORE_CFLAGS in its sysconfigdata: Debian's
        3.14+ build with -D_Py_JIT -D_Py_TIER2=3, which change struct layouts), read as text, never run."""
        libdir = os.path.join(self.root, "usr", "lib", "python%d.%d" % self.series)
        names = sorted(n for n in os.listdir(libdir) if n.startswith("_sysconfigdata_") and n.endswith(".py")) \
            if os.path.isdir(libdir) else []
        for name in names:
            with open(os.path.join(libdir, name)) as f:
                m = re.search(r"'PY_CORE_CFLAGS': '([^']*)'", f.read())
            if m:
                return [flag for flag in m.group(1).split()
                        if flag.startswith("-D") and not flag.startswith("-D_FORTIFY_SOURCE")]
        raise ProbeError("%s: no sysconfigdata with PY_CORE_CFLAGS: the build's defines are unknown" % libdir)

    def prologue(self):
        lines = ["#define Py_BUILD_CORE 1"]
        for h in HEADERS:
            if h == "Python.h" or os.path.isfile(os.path.join(self.include, h)):
                lines.append('#include "%s"' % h)
        lines += ["#include <stddef.h>", "#include <stdio.h>", "#include <string.h>"]
        return lines + self.extra.splitlines()

    def compile_and_run(self, lines, body_lines):
        """Compile prologue + `lines` (one query each) + a main printing them; returns (outputs, failed
        line indexes). A line that does not compile is dropped and the rest compiled again."""
        work = tempfile.mkdtemp(prefix="pyinspect-probe-")
        try:
            # pyconfig.h includes <x86_64-linux-gnu/pythonX.Y/pyconfig.h>: point only that name into the root,
            # so the host's own C library headers are used.
            shim = os.path.join(work, "inc", "x86_64-linux-gnu")
            os.makedirs(shim)
            if os.path.isdir(self.multiarch):
                os.symlink(self.multiarch, os.path.join(shim, os.path.basename(self.multiarch)))
            alive = set(range(len(lines)))
            for _ in range(64):
                src = self.prologue()
                first = len(src) + 1
                for i, line in enumerate(lines):
                    src.append(line if i in alive else "")
                src.append("int main(void) {")
                src += [body_lines[i] for i in sorted(alive)]
                src.append("return 0; }")
                path = os.path.join(work, "probe.c")
                with open(path, "w") as f:
                    f.write("\n".join(src) + "\n")
                cc = subprocess.run(["gcc", "-std=gnu11", "-w"] + self.defines() +
                                    ["-I", self.include, "-I", os.path.join(self.include, "internal", "mimalloc"),
                                     "-I", os.path.join(work, "inc"), path, "-o", os.path.join(work, "probe")], capture_output=True, text=True)
                if cc.returncode == 0:
                    run = subprocess.run([os.path.join(work, "probe")], capture_output=True, text=True, check=True)
                    out = {}
                    for row in run.stdout.splitlines():
                        k, v = row.split(" ", 1)
                        out[int(k)] = v
                    return out, set(range(len(lines))) - alive
                bad = {int(n) - first for n in re.findall(r"probe\.c:(\d+):\d+: error", cc.stderr)}
                bad &= alive
                if not bad:
                    raise ProbeError("probe does not compile outside the query lines:\n%s" % cc.stderr[-3000:])
                alive -= bad
            raise ProbeError("probe: too many rounds of failing queries")
        finally:
            subprocess.run(["rm", "-rf", work])


def c_member(path):
    """A gen-layouts member path ("interpreters.head", "generations") as a C member designator."""
    return path


def resolve(headers, types, queries):
    """{qid: {"value", "how"} or {"error"}} for gen-layouts queries (kinds size, offset, bit, count, ftype,
    pointer, pointee, enumval, eval). `types` maps aliases to candidate C type names; the first that compiles is used."""
    lines, body, owner = [], [], []

    def add(qid, decl, printer):
        n = len(lines)
        lines.append(decl.replace("@", "q%d" % n))
        body.append(printer.replace("@", "q%d" % n).replace("#", str(n)))
        owner.append(qid)

    for qid, q in sorted(queries.items()):
        kind = q["kind"]
        if kind in ("enumval", "eval"):
            add(qid, "static const long @ = (long)(%s);" % q.get("name", q.get("expr")), 'printf("# %ld\\n", @);')
            continue
        for cname in types.get(q.get("type"), []):
            tag = "%s|%s" % (qid, cname)
            p = c_member(q.get("path", ""))
            if kind == "size":
                add(tag, "static const long @ = (long)sizeof(%s);" % cname, 'printf("# %ld\\n", @);')
            elif kind == "offset":
                add(tag, "static const long @ = (long)offsetof(%s, %s);" % (cname, p), 'printf("# %ld\\n", @);')
            elif kind == "count":
                add(tag, "static const long @ = (long)(sizeof(((%s *)0)->%s) / sizeof(((%s *)0)->%s[0]));"
                    % (cname, p, cname, p), 'printf("# %ld\\n", @);')
            elif kind == "pointee":
                add(tag, "static const long @ = (long)sizeof(*((%s *)0)->%s);" % (cname, p), 'printf("# %ld\\n", @);')
            elif kind == "pointer":
                add(tag, "static const int @ = __builtin_classify_type(((%s *)0)->%s) == 5;" % (cname, p),
                    'printf("# %d\\n", @);')
            elif kind == "ftype":
                for accept in q["accept"]:
                    add(tag + "|" + accept, "static const int @ = __builtin_types_compatible_p(__typeof__(((%s *)0)->%s), %s);"
                        % (cname, p, accept), 'printf("# %d\\n", @);')
            elif kind == "bit":
                add(tag, "static long @(void) { static %s x; memset(&x, 0, sizeof x); x.%s.%s = 1; "
                    "const unsigned char *b = (const unsigned char *)&x.%s; for (long i = 0; i < (long)sizeof(x.%s) * 8; i++) "
                    "if (b[i / 8] >> (i %% 8) & 1) return i; return -1; }" % (cname, p, q["member"], p, p),
                    'printf("# %ld\\n", @());')
    out, failed = headers.compile_and_run(lines, body)
    results = {}
    for n, tag in enumerate(owner):
        if n in failed or n not in out:
            continue
        parts = tag.split("|")
        qid, cname = parts[0], parts[1] if len(parts) > 1 else None
        q = queries[qid]
        value = int(out[n])
        if q["kind"] == "ftype":
            if value and qid not in results:
                results[qid] = {"value": parts[2], "how": "__builtin_types_compatible_p(%s.%s, %s)" % (cname, q["path"], parts[2])}
            continue
        if qid in results:
            continue
        how = {"size": "sizeof(%s)", "offset": "offsetof(%s, " + q.get("path", "") + ")",
               "count": "countof(%s." + q.get("path", "") + ")", "bit": "bit of %s." + q.get("path", "") + "." + q.get("member", ""),
               "pointer": "pointer %s." + q.get("path", ""), "pointee": "sizeof(*%s." + q.get("path", "") + ")", "enumval": q.get("name", "") + "%s",
               "eval": q.get("expr", "") + "%s"}[q["kind"]]
        results[qid] = {"value": value, "how": how % (cname or "")}
    for qid, q in queries.items():
        if qid not in results:
            results[qid] = {"error": "%s: not in the headers (%s)" % (q.get("path") or q.get("name") or q.get("expr") or q.get("type"),
                                                                     "/".join(types.get(q.get("type"), [])) or "enum")}
    return results


def runtime_symbol_size(executable):
    """st_size of `_PyRuntime` in the executable's dynamic symbols (readelf from binutils)."""
    out = subprocess.run(["readelf", "--dyn-syms", "-W", executable], capture_output=True, text=True, check=True).stdout
    for row in out.splitlines():
        cols = row.split()
        if len(cols) >= 8 and cols[7] == "_PyRuntime":
            return int(cols[2], 0)
    raise ProbeError("%s exports no _PyRuntime" % executable)


if __name__ == "__main__":
    import sys
    h = Headers(sys.argv[1], tuple(int(x) for x in sys.argv[2].split(".")))
    print(json.dumps(resolve(h, {"runtime": ["_PyRuntimeState"]},
                             {"a": {"kind": "size", "type": "runtime"},
                              "b": {"kind": "offset", "type": "runtime", "path": "interpreters.head"},
                              "c": {"kind": "offset", "type": "runtime", "path": "nope"}}), indent=1))
