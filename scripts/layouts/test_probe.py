"""Tests of the header-probe backend (run by Tests/CPythonLayoutsTests/LayoutGeneratorTests.swift, or
`python3 -m unittest scripts/layouts/test_probe.py`): a root with a made-up python3.99 whose headers
declare a few structs, one member only under a core -D flag, as Debian's 3.14 does with _Py_JIT."""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probe  # noqa: E402

HEADER = r"""
#include <stdint.h>
typedef struct { uintptr_t next; uintptr_t prev; } Head __attribute__((aligned(4)));
struct gen { Head head; int threshold; int count; };
typedef struct {
    int enabled;
    struct { unsigned int kind:3; unsigned int compact:1; } state;
    struct gen generations[3];
#ifdef _Py_JIT
    void *jit_only;
#endif
    Head *generation0;
    long *pointer;
} State;
enum owner { OWNED_BY_THREAD, OWNED_BY_FRAME_OBJECT = 2 };
"""


class ProbeTests(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="probe-test-")
        include = os.path.join(self.root, "usr", "include", "python3.99")
        os.makedirs(include)
        with open(os.path.join(include, "Python.h"), "w") as f:
            f.write(HEADER)
        with open(os.path.join(include, "patchlevel.h"), "w") as f:
            f.write('#define PY_VERSION              "3.99.7"\n')
        lib = os.path.join(self.root, "usr", "lib", "python3.99")
        os.makedirs(lib)
        with open(os.path.join(lib, "_sysconfigdata__x86_64-linux-gnu.py"), "w") as f:
            f.write("build_time_vars = {'PY_CORE_CFLAGS': '-O2 -D_Py_JIT -D_FORTIFY_SOURCE=2 -DPy_BUILD_CORE'}\n")
        self.headers = probe.Headers(self.root, (3, 99))

    def tearDown(self):
        shutil.rmtree(self.root)

    def resolve(self, queries):
        return probe.resolve(self.headers, {"state": ["struct nothing", "State"], "gen": ["struct gen"]}, queries)

    def test_version_and_defines(self):
        self.assertEqual(self.headers.version(), "3.99.7")
        self.assertEqual(self.headers.defines(), ["-D_Py_JIT", "-DPy_BUILD_CORE"])

    def test_offsets_sizes_counts_bits_types(self):
        r = self.resolve({
            "size": {"kind": "size", "type": "state"},
            "gens": {"kind": "offset", "type": "state", "path": "generations"},
            "count": {"kind": "count", "type": "state", "path": "generations"},
            "g0": {"kind": "offset", "type": "state", "path": "generation0"},
            "compact": {"kind": "bit", "type": "state", "path": "state", "member": "compact"},
            "ptr": {"kind": "pointer", "type": "state", "path": "pointer"},
            "notptr": {"kind": "pointer", "type": "state", "path": "enabled"},
            "ftype": {"kind": "ftype", "type": "state", "path": "generation0", "accept": ["int", "Head *"]},
            "owner": {"kind": "enumval", "name": "OWNED_BY_FRAME_OBJECT"},
            "threshold": {"kind": "offset", "type": "gen", "path": "threshold"},
        })
        # Head is 4-byte aligned (the typedef lowers it), so the generations follow an int at 8.
        self.assertEqual(r["gens"]["value"], 8)
        self.assertEqual(r["count"]["value"], 3)
        self.assertEqual(r["g0"]["value"], 8 + 3 * 24 + 8)   # after the -D_Py_JIT-only pointer
        self.assertEqual(r["size"]["value"], 8 + 3 * 24 + 8 + 8 + 8)
        self.assertEqual(r["compact"]["value"], 3)
        self.assertEqual((r["ptr"]["value"], r["notptr"]["value"]), (1, 0))
        self.assertEqual(r["ftype"]["value"], "Head *")
        self.assertEqual(r["owner"]["value"], 2)
        self.assertEqual(r["threshold"]["value"], 16)
        self.assertIn("offsetof(State, generations)", r["gens"]["how"])

    def test_absent_members_and_types_are_errors_not_zero(self):
        r = self.resolve({
            "missing": {"kind": "offset", "type": "state", "path": "no_such_member"},
            "untyped": {"kind": "size", "type": "nothing"},
            "present": {"kind": "offset", "type": "state", "path": "enabled"},
        })
        self.assertIn("not in the headers", r["missing"]["error"])
        self.assertIn("error", r["untyped"])
        self.assertEqual(r["present"]["value"], 0)


if __name__ == "__main__":
    unittest.main()
