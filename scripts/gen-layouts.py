#!/usr/bin/env python3
"""Generate Sources/CPythonLayouts/Generated/GeneratedLayouts.swift from the DWARF of real CPython builds.

Every field of `PythonLayout` (see Sources/CPythonLayouts/PythonLayout.swift) is read from the debug
info of a shared libpython with `gdb -batch` (gdb's embedded Python). Nothing is hard-coded: each
offset is resolved twice -- with gdb's expression evaluator (`(long)&((T *)0)->a.b`) and by walking
`gdb.Type.fields()` bit positions (which also sees through anonymous unions/structs) -- and the two
must agree. Sizes come from `sizeof(T)`; when a structure has several names (typedef and struct tag)
every name that resolves must give the same size.

The script fails loudly (exit status 1, nothing written) when

  * a field that must exist for a series cannot be resolved (it never writes 0 for it),
  * a field that is `nil` for a series unexpectedly *does* exist in that build (the presence table
    below would be stale),
  * containment checks fail (e.g. `interp.gc` is not a `struct _gc_runtime_state`, `generations`
    is not an array of `struct gc_generation`, sizeof(_PyRuntimeState) differs from the size of the
    `_PyRuntime` symbol, the build's own `Py_Version` (3.11+) differs from its interpreter's version),
  * two builds of the same series are given, or a series outside 2.7, 3.6-3.13 is given,
  * a STATICS variable (3.6: gcmodule.c's generations, enabled, debug, collecting, garbage, generation_stats,
    _PyGC_generation0 and pystate.c's interp_head, which stand in for `_PyRuntime`) is missing, has another
    C type, or exists outside its series; `_PyRuntime` exists where the runtime group says it does not,
  * a TRAVERSE entry's type exists outside its "exists" range (contextvars and the HAMT: 3.7+),
  * a `TraversalLayout.pointerFields` list (the TRAVERSE table: per type and series, the fields its
    tp_traverse visits, transcribed from the CPython sources) disagrees with the build: a member does
    not resolve or is not a pointer, the type object's tp_traverse is not the named function, its
    tp_basicsize is not sizeof(struct), or -- on x86-64 -- the disassembled traverse function does not
    pass exactly the listed field offsets to `visit` (or hands `visit` to something unexpected),
  * a `FrameTraversalLayout` fact (the `frames:` argument: frame_traverse, _PyFrame_Traverse,
    gen_traverse, async_gen_traverse, and FutureObj_traverse / TaskObj_traverse from the build's
    lib-dynload/_asyncio extension, which must exist) disagrees with the build: see FRAMES below. The
    x86-64 check there is a symbolic trace (`trace_function`): the set of things handed to `visit` --
    fixed fields, the fast-locals array, the value stack, localsplus[0..stacktop) -- must equal what the
    resolved offsets describe, calls handed `visit` (_PyFrame_Traverse, FutureObj_traverse) must be
    exactly the expected ones with the expected guard (owner == FRAME_OWNED_BY_FRAME_OBJECT,
    gi_frame_state < FRAME_CLEARED) or none, and the code-object counts / stack bounds must be read.
    TRAVERSE entries may name "left_out" fields: the compiled function must visit exactly those besides the
    listed ones (PyCFunction_Type's conditional mm_class), and they are not written,
  * one of the newer FrameTraversalLayout tables disagrees with the build, checked the same way (type
    object or PyType_Spec: tp_name, traverse function, basicsize/itemsize; then the trace):
    `arrayFields` (HAMT_ARRAYS: one inline array, Py_SIZE(self) elements counted down to 0 or a fixed-size
    array with its end compare), `moduleFields` (MODULE_TYPES: functools.partial), `dictSubtypeFields`
    (DICT_SUBTYPES: the listed fields, the documented left-out visits, then an unconditional tail call of
    PyDict_Type.tp_traverse through the GOT slot the R_X86_64_GLOB_DAT relocation for PyDict_Type names,
    read from the library's ELF section headers), more `asyncioFields` (ASYNCIO_MORE, keyed by each series'
    tp_name; ASYNCIO_ABSENT and _RunningLoopHolder's non-GC status are checked too), or EXTRA_CHECKS fail.

Optional fields (Swift `Int?`) and the series that have them:
  RuntimeLayout.size / interpretersHead / interpretersMain   3.7+ (3.6 has no `_PyRuntime`)
  RuntimeLayout.gc        3.7-3.8    (`_PyRuntime.gc`)
  RuntimeLayout.mainThread   3.8+    (`_PyRuntime.main_thread`; before, the oldest thread state's `thread_id`)
  InterpreterLayout.id    3.7+
  InterpreterLayout.gc    3.9+       (`interp->gc`)
  InterpreterLayout.threadStateHead   3.6-3.10   (`interp->tstate_head`)
  GCLayout.stateSize / enabled / debug / generations / generationStats / collecting / garbage   3.7+
      (3.6: `GCLayout.statics` names gcmodule.c's variables instead; `InterpreterLayout.statics` pystate.c's)
  GCLayout.permanentGeneration   3.7+ (`gc.freeze()`)
  (InterpreterLayout.sysdict, `interp->sysdict` (the `sys` module's dict): every series)
  DictLayout.keysSize     3.6-3.10   (`dk_size`)
  DictLayout.keysLookup   3.6-3.10   (`dk_lookup`: dict_traverse visits keys only in `lookdict` tables)
  DictLayout.keysLog2Size / keysLog2IndexBytes / keysKind / unicodeEntrySize   3.11+
  TraversalLayout.dictValuesItems   3.11+   (`PyDictValues` first exists in 3.11)
  TraversalLayout.dictValuesValid   3.13+   (`PyDictValues.valid`)
  (TraversalLayout.heapTypeCachedKeys is *not* optional in practice: `ht_cached_keys` exists in every series.)
  FrameTraversalLayout.frameLocalsPlus / frameCode / codeNlocals / codeCellvars / codeFreevars /
      frameValueStack                                       3.6-3.10
  FrameTraversalLayout.frameStackTop    3.6-3.9   FrameTraversalLayout.frameStackDepth   3.10
  FrameTraversalLayout.frameInterpreterFrame / interpreterFrameOwner / ownedByFrameObject /
      interpreterFrameLocalsPlus / interpreterFrameStackTop / generatorFrameState /
      generatorFrameCleared / generatorInterpreterFrame     3.11+
  CodeLayout.qualname / localsPlusNames / nlocalsPlus / codeAdaptive / interpreterFrameInstruction /
      interpreterFrameCode                                  3.11+
  CodeLayout.varnames / cellvars / freevars / frameLastInstruction   3.6-3.10
  CodeLayout.lnotab   3.6-3.9        CodeLayout.linetable   3.10+
  CodeLayout.frameObjectDataOffset / interpreterFrameLocalsPlusOffset / generatorFrameOffset   3.11+
  CodeLayout.frameSize   3.12+ (`co_framesize`; 3.11 has none)
  (CodeLayout.stackSize and frameObjectSize = sizeof(PyFrameObject): every series)
  (interpreterFrameInstruction is `prev_instr` in 3.11-3.12 and `instr_ptr` in 3.13, interpreterFrameCode
  `f_code` then `f_executable` (q_alt): the alternative for another series must be absent too. The CodeLayout
  members' C types are checked (q_typed).)

Names: every emitted offset list also gets the C names of its members, in the same order
(TraversalLayout.pointerFieldNames, FrameTraversalLayout.fieldNames; see c_name and attach_field_names).

Known values from docs/cpython-gc-internals.md are compared at the end and printed as OK/MISMATCH;
a mismatch is a warning (a different patch release may legitimately differ) unless --strict-check.

Usage:
  scripts/gen-layouts.py                      # every pyenv build of 3.6-3.13 (newest patch per series)
  scripts/gen-layouts.py --python PATH ...    # PATH: a python executable or a libpythonX.Y.so.1.0
  scripts/gen-layouts.py --out FILE           # default: Sources/CPythonLayouts/Generated/GeneratedLayouts.swift
  scripts/gen-layouts.py --dry-run            # resolve and print the table, write nothing
  scripts/gen-layouts.py --strict-check       # fact-sheet mismatches are errors
  scripts/gen-layouts.py --gdb /usr/bin/gdb   # gdb to use (needs its Python extension)
  scripts/gen-layouts.py --no-disasm-check    # do not check TRAVERSE against the compiled code (non-x86-64)

Needs only the Python 3 standard library and gdb (run twice per build: libpython, then _asyncio); the ELF
relocations are read with the standard library. Writes only the output file (and a temporary
helper under the system temp directory, removed afterwards).
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "Sources", "CPythonLayouts", "Generated", "GeneratedLayouts.swift")
PROBED_OUT = os.path.join(REPO, "Sources", "CPythonLayouts", "Generated", "ProbedLayouts.swift")
SUPPORTED = [(2, 7)] + [(3, minor) for minor in range(6, 14)]

# ---------------------------------------------------------------------------------------------
# What to resolve
# ---------------------------------------------------------------------------------------------

# Logical structure -> C type names to try. Every name that resolves must have the same size.
TYPES = {
    "runtime": ["_PyRuntimeState", "struct pyruntimestate"],
    "debugoffsets": ["_Py_DebugOffsets", "struct _Py_DebugOffsets"],                # 3.13+ only
    "interp": ["PyInterpreterState", "struct _is"],
    "tstate": ["PyThreadState", "struct _ts"],
    "gcstate": ["struct _gc_runtime_state", "GCState"],
    "gen": ["struct gc_generation"],
    "stats": ["struct gc_generation_stats"],
    "gcstats": ["struct gc_stats"],                    # 3.15: the statistics' ring buffers
    "oldstatsbuf": ["struct gc_old_stats_buffer"],
    "gchead": ["PyGC_Head"],
    "object": ["PyObject", "struct _object"],
    "varobject": ["PyVarObject"],
    "type": ["PyTypeObject", "struct _typeobject"],
    "heaptype": ["PyHeapTypeObject", "struct _heaptypeobject"],
    "list": ["PyListObject"],
    "ascii": ["PyASCIIObject"],
    "unicode": ["PyUnicodeObject"],       # 2.7's str-of-characters; 3.3+ names the legacy (non-compact) form so
    "bytes": ["PyBytesObject", "PyStringObject"],   # 2.7's str is PyStringObject (PyBytesObject is a macro there)
    "compact": ["PyCompactUnicodeObject"],
    "dict": ["PyDictObject"],
    "keys": ["PyDictKeysObject", "struct _dictkeysobject"],
    "entry": ["PyDictKeyEntry", "PyDictEntry"],      # 2.7: PyDictEntry
    "instance": ["PyInstanceObject"],                 # 2.7 classic classes
    "classobj": ["PyClassObject"],
    "tryblock": ["PyTryBlock"],
    "uentry": ["PyDictUnicodeEntry"],
    # TraversalLayout
    "member": ["PyMemberDef", "struct PyMemberDef"],
    "tuple": ["PyTupleObject"],
    "set": ["PySetObject"],
    "setentry": ["setentry"],
    "dictvalues": ["PyDictValues", "struct _dictvalues"],   # 3.11+ only
    # structures whose tp_traverse visits a fixed set of fields (TRAVERSE below)
    "cell": ["PyCellObject"],
    "method": ["PyMethodObject"],
    "function": ["PyFunctionObject"],
    "classmethod": ["classmethod"],
    "staticmethod": ["staticmethod"],
    "property": ["propertyobject"],
    "traceback": ["PyTracebackObject", "struct _traceback"],
    "weakref": ["PyWeakReference", "struct _PyWeakReference"],
    "module": ["PyModuleObject"],
    "baseexc": ["PyBaseExceptionObject"],
    # FrameTraversalLayout (FRAMES below)
    "frame": ["PyFrameObject", "struct _frame"],
    "iframe": ["struct _PyInterpreterFrame", "_PyInterpreterFrame"],   # 3.11+ only
    "code": ["PyCodeObject"],
    "genobj": ["PyGenObject"],
    "coro": ["PyCoroObject"],
    "asyncgen": ["PyAsyncGenObject"],
    # contextvars (Python/context.c, Python/hamt.c), built-in functions (Objects/methodobject.c)
    "context": ["PyContext", "struct _pycontextobject"],
    "contextvar": ["PyContextVar", "struct _pycontextvarobject"],
    "contexttoken": ["PyContextToken", "struct _pycontexttokenobject"],
    "cfunction": ["PyCFunctionObject"],
    # descriptors, mappingproxy, method-wrapper (Objects/descrobject.c)
    "methoddescr": ["PyMethodDescrObject"],
    "mappingproxy": ["mappingproxyobject", "proxyobject"],   # 2.7: proxyobject
    "methodwrapper": ["wrapperobject"],
    "cmethod": ["PyCMethodObject"],                                    # 3.9+ only
    "methoddef": ["PyMethodDef", "struct PyMethodDef"],
    "hamt": ["PyHamtObject"],
    "hamt_bitmap": ["PyHamtNode_Bitmap"],
    "hamt_array": ["PyHamtNode_Array"],
    "hamt_collision": ["PyHamtNode_Collision"],
    # moduleFields / dictSubtypeFields (MODULE_TYPES, DICT_SUBTYPES below)
    "partial": ["partialobject"],
    "odict": ["PyODictObject", "struct _odictobject"],
    "odictnode": ["_ODictNode", "struct _odictnode"],
    "defdict": ["defdictobject"],
    "deque": ["dequeobject"],
    "deque_block": ["struct BLOCK"],
}

# Structures of the _asyncio extension module (its own .so, read in a second gdb session).
ASYNCIO_TYPES = {
    "object": ["PyObject", "struct _object"],
    "future": ["FutureObj"],
    "task": ["TaskObj"],
    "futureiter": ["futureiterobject", "struct futureiterobject"],
    "stepwrapper": ["TaskStepMethWrapper"],
    "wakeupwrapper": ["TaskWakeupMethWrapper"],                        # 3.8-3.9 only
}

ALL = ((2, 7), (3, 13))
# Python 3 only (the compact str, the split dict, __qualname__, ...): 2.7 has other structures or none.
PY3 = ((3, 6), (3, 13))
# 2.7 only (its str is PyStringObject, its dict keeps its table, classic classes, the block stack).
PY2 = ((2, 7), (2, 7))
# From 3.7: `_PyRuntime` (with the gc state in `_PyRuntime.gc` in 3.7-3.8, `interp->gc` later), interpreter ids,
# the permanent generation, contextvars and the HAMT. 3.6 keeps the gc state in gcmodule.c statics (GC_STATICS).
R37 = ((3, 7), (3, 13))


def q_size(t):
    return {"kind": "size", "type": t}


def q_off(t, path):
    return {"kind": "offset", "type": t, "path": path}


def q_bit(t, path, member):
    """Bit position of bitfield `member` inside the (struct) field at `path`, relative to that field."""
    return {"kind": "bit", "type": t, "path": path, "member": member}


def q_count(t, path):
    return {"kind": "count", "type": t, "path": path}


def q_typed(query, accept):
    """`query` (an offset) whose member must have one of the stripped C types in `accept`."""
    return dict(query, accept=accept)


def q_alt(*alternatives):
    """One field that is a different C member per series: [(series range, query)]. In a series, exactly
    the alternative covering it must resolve; every other alternative must be absent from the DWARF."""
    return {"kind": "alt", "alts": [[list(map(list, rng)), q] for rng, q in alternatives]}


# Swift struct -> [(argument label, query, (first series, last series))], labels in initializer order.
LAYOUT = [
    ("runtime", "RuntimeLayout", [
        ("size", q_size("runtime"), R37),
        ("interpretersHead", q_off("runtime", "interpreters.head"), R37),
        ("interpretersMain", q_off("runtime", "interpreters.main"), R37),
        ("gc", q_off("runtime", "gc"), ((3, 7), (3, 8))),
        # PyThread_get_thread_ident() of the main thread: pthread_self(), on glibc/x86-64 its thread
        # pointer (fs_base), which the traverse emulator needs for thread-local storage.
        ("mainThread", q_off("runtime", "main_thread"), ((3, 8), (3, 13))),
    ]),
    ("interpreter", "InterpreterLayout", [
        ("next", q_off("interp", "next"), ALL),
        ("id", q_off("interp", "id"), R37),
        ("gc", q_off("interp", "gc"), ((3, 9), (3, 13))),
        ("sysdict", q_typed(q_off("interp", "sysdict"), ["PyObject *"]), ALL),
        # Series without `_PyRuntime.main_thread` find the main thread's pthread_self() (its thread pointer)
        # in the oldest thread state, the last of the interpreter's list (new ones are pushed at the head).
        ("threadStateHead", q_typed(q_off("interp", "tstate_head"), ["struct _ts *"]), ((2, 7), (3, 10))),
        ("threadStateNext", q_typed(q_off("tstate", "next"), ["struct _ts *", "PyThreadState *"]), ALL),
        ("threadStateThreadId", q_typed(q_off("tstate", "thread_id"), ["unsigned long", "long"]), ALL),
    ]),
    ("gc", "GCLayout", [
        ("headSize", q_size("gchead"), ALL),
        ("stateSize", q_size("gcstate"), R37),
        ("enabled", q_off("gcstate", "enabled"), R37),
        ("debug", q_off("gcstate", "debug"), R37),
        ("generations", q_off("gcstate", "generations"), R37),
        ("generationCount", q_alt((R37, q_count("gcstate", "generations")),
                                  (((2, 7), (3, 6)), {"kind": "filevarcount", "file": "gcmodule.c", "name": "generations"})),
         ALL),
        ("generationSize", q_size("gen"), ALL),
        ("generationThreshold", q_off("gen", "threshold"), ALL),
        ("generationCountField", q_off("gen", "count"), ALL),
        ("permanentGeneration", q_off("gcstate", "permanent_generation"), R37),
        ("generationStats", q_off("gcstate", "generation_stats"), R37),
        # `PyGC_Head *generation0` (= &generations[0].head): a check that the gc state is where the table says.
        ("generation0", q_typed(q_off("gcstate", "generation0"), ["PyGC_Head *"]), R37),
        # struct gc_generation_stats is 3.4+: 2.7 keeps no per-generation statistics.
        ("statsSize", q_size("stats"), PY3),
        ("statsCollections", q_off("stats", "collections"), PY3),
        ("statsCollected", q_off("stats", "collected"), PY3),
        ("statsUncollectable", q_off("stats", "uncollectable"), PY3),
        ("collecting", q_off("gcstate", "collecting"), R37),
        ("garbage", q_off("gcstate", "garbage"), R37),
    ]),
    ("object", "ObjectLayout", [
        ("refcount", q_off("object", "ob_refcnt"), ALL),
        ("type", q_off("object", "ob_type"), ALL),
        ("size", q_off("varobject", "ob_size"), ALL),
    ]),
    ("type", "TypeLayout", [
        ("name", q_off("type", "tp_name"), ALL),
        ("basicSize", q_off("type", "tp_basicsize"), ALL),
        ("itemSize", q_off("type", "tp_itemsize"), ALL),
        ("flags", q_off("type", "tp_flags"), ALL),
        ("base", q_off("type", "tp_base"), ALL),
        ("dict", q_off("type", "tp_dict"), ALL),
        ("heapName", q_off("heaptype", "ht_name"), ALL),
        ("heapQualname", q_off("heaptype", "ht_qualname"), PY3),
        # tp_del: a legacy finalizer; gcmodule.c's has_legacy_finalizer keeps objects of such types uncollectable.
        ("legacyFinalizer", q_typed(q_off("type", "tp_del"), ["void (*)(PyObject *)"]), ALL),
    ]),
    ("list", "ListLayout", [
        ("items", q_off("list", "ob_item"), ALL),
        ("allocated", q_off("list", "allocated"), ALL),
    ]),
    ("unicode", "UnicodeLayout", [
        ("length", q_alt((PY3, q_off("ascii", "length")), (PY2, q_off("unicode", "length"))), ALL),
        ("state", q_off("ascii", "state"), PY3),
        ("asciiSize", q_size("ascii"), PY3),
        ("compactSize", q_size("compact"), PY3),
        ("kindShift", q_bit("ascii", "state", "kind"), PY3),
        ("compactShift", q_bit("ascii", "state", "compact"), PY3),
        ("asciiShift", q_bit("ascii", "state", "ascii"), PY3),
        # 2.7: the characters are a separate array of Py_UNICODE (2 or 4 bytes, a build option).
        ("legacyData", q_typed(q_off("unicode", "str"), ["Py_UNICODE *"]), PY2),
        ("legacyUnitSize", {"kind": "pointee", "type": "unicode", "path": "str"}, PY2),
    ]),
    ("dict", "DictLayout", [
        ("used", q_off("dict", "ma_used"), ALL),
        ("keys", q_off("dict", "ma_keys"), PY3),
        ("values", q_off("dict", "ma_values"), PY3),
        ("keysSize", q_off("keys", "dk_size"), ((3, 6), (3, 10))),
        ("keysLookup", q_off("keys", "dk_lookup"), ((3, 6), (3, 10))),
        ("keysLog2Size", q_off("keys", "dk_log2_size"), ((3, 11), (3, 13))),
        ("keysLog2IndexBytes", q_off("keys", "dk_log2_index_bytes"), ((3, 11), (3, 13))),
        ("keysKind", q_off("keys", "dk_kind"), ((3, 11), (3, 13))),
        ("keysEntryCount", q_off("keys", "dk_nentries"), PY3),
        ("keysIndices", q_off("keys", "dk_indices"), PY3),
        ("entrySize", q_size("entry"), ALL),
        ("unicodeEntrySize", q_size("uentry"), ((3, 11), (3, 13))),
        # 2.7: the table hangs off the dict (ma_mask + 1 entries), inline in ma_smalltable while small.
        ("mask", q_typed(q_off("dict", "ma_mask"), ["Py_ssize_t", "long"]), PY2),
        ("table", q_typed(q_off("dict", "ma_table"), ["PyDictEntry *"]), PY2),
        ("smallTable", q_off("dict", "ma_smalltable"), PY2),
    ]),
    # `pointerFields` (the last initializer argument) is not in this list: see TRAVERSE.
    ("traversal", "TraversalLayout", [
        ("typeTraverse", q_off("type", "tp_traverse"), ALL),
        ("typeDictOffset", q_off("type", "tp_dictoffset"), ALL),
        ("typeMro", q_off("type", "tp_mro"), ALL),
        ("typeBases", q_off("type", "tp_bases"), ALL),
        # ht_cached_keys exists in every series (PEP 412 key-sharing dicts, 3.3+); it is *not* 3.11+ only.
        ("heapTypeCachedKeys", q_off("heaptype", "ht_cached_keys"), PY3),
        ("memberDefSize", q_size("member"), ALL),
        ("memberType", q_off("member", "type"), ALL),
        ("memberOffset", q_off("member", "offset"), ALL),
        ("tupleItems", q_off("tuple", "ob_item"), ALL),
        ("setMask", q_off("set", "mask"), ALL),
        ("setTable", q_off("set", "table"), ALL),
        ("setEntrySize", q_size("setentry"), ALL),
        ("setEntryKey", q_off("setentry", "key"), ALL),
        # PyDictValues (struct _dictvalues) first appears in 3.11 ({values[1]}); 3.13 adds capacity/size/embedded/valid.
        ("dictValuesItems", q_off("dictvalues", "values"), ((3, 11), (3, 13))),
        ("dictValuesValid", q_off("dictvalues", "valid"), ((3, 13), (3, 13))),
        # meth_traverse visits a PyCMethod's class only when m_ml->ml_flags has METH_METHOD (3.9+).
        ("cfunctionMethodDef", q_off("cfunction", "m_ml"), ALL),
        ("methodDefFlags", q_off("methoddef", "ml_flags"), ALL),
        ("cmethodClass", q_off("cmethod", "mm_class"), ((3, 9), (3, 13))),
    ]),
    # PythonLayout's last initializer argument `code:` (rendered after `frames:`, see LATE_GROUPS): code
    # objects, the frame's line number and the current instruction. Out-of-range fields are nil and must be
    # absent from the DWARF (checked like every LAYOUT field); every member's C type is checked too.
    ("code", "CodeLayout", [
        ("name", q_typed(q_off("code", "co_name"), ["PyObject *"]), ALL),
        ("qualname", q_typed(q_off("code", "co_qualname"), ["PyObject *"]), ((3, 11), (3, 13))),
        ("filename", q_typed(q_off("code", "co_filename"), ["PyObject *"]), ALL),
        ("firstLineNumber", q_typed(q_off("code", "co_firstlineno"), ["int"]), ALL),
        ("varnames", q_typed(q_off("code", "co_varnames"), ["PyObject *"]), ((2, 7), (3, 10))),
        ("cellvars", q_typed(q_off("code", "co_cellvars"), ["PyObject *"]), ((2, 7), (3, 10))),
        ("freevars", q_typed(q_off("code", "co_freevars"), ["PyObject *"]), ((2, 7), (3, 10))),
        ("localsPlusNames", q_typed(q_off("code", "co_localsplusnames"), ["PyObject *"]), ((3, 11), (3, 13))),
        ("nlocalsPlus", q_typed(q_off("code", "co_nlocalsplus"), ["int"]), ((3, 11), (3, 13))),
        ("codeAdaptive", q_typed(q_off("code", "co_code_adaptive"), ["char [1]"]), ((3, 11), (3, 13))),
        ("lnotab", q_typed(q_off("code", "co_lnotab"), ["PyObject *"]), ((2, 7), (3, 9))),
        ("linetable", q_typed(q_off("code", "co_linetable"), ["PyObject *"]), ((3, 10), (3, 13))),
        ("frameLineNumber", q_typed(q_off("frame", "f_lineno"), ["int"]), ALL),
        ("frameLastInstruction", q_typed(q_off("frame", "f_lasti"), ["int"]), ((2, 7), (3, 10))),
        ("interpreterFrameInstruction", q_alt(
            (((3, 11), (3, 12)), q_typed(q_off("iframe", "prev_instr"), ["_Py_CODEUNIT *"])),
            (((3, 13), (3, 13)), q_typed(q_off("iframe", "instr_ptr"), ["_Py_CODEUNIT *"]))), ((3, 11), (3, 13))),
        ("interpreterFrameCode", q_alt(
            (((3, 11), (3, 12)), q_typed(q_off("iframe", "f_code"), ["PyCodeObject *"])),
            (((3, 13), (3, 13)), q_typed(q_off("iframe", "f_executable"), ["PyObject *"]))), ((3, 11), (3, 13))),
        # sys.getsizeof of frames and generators/coroutines (frame_sizeof, gen_sizeof; see CodeLayout's doc).
        ("stackSize", q_typed(q_off("code", "co_stacksize"), ["int"]), ALL),
        ("frameSize", q_typed(q_off("code", "co_framesize"), ["int"]), ((3, 12), (3, 13))),   # 3.11 has no co_framesize
        ("frameObjectDataOffset", q_typed(q_off("frame", "_f_frame_data"), ["PyObject *[1]"]), ((3, 11), (3, 13))),
        ("interpreterFrameLocalsPlusOffset", q_typed(q_off("iframe", "localsplus"), ["PyObject *[1]"]),
         ((3, 11), (3, 13))),
        ("generatorFrameOffset", q_typed(q_off("genobj", "gi_iframe"), ["PyObject *[1]"]), ((3, 11), (3, 13))),
        ("frameObjectSize", q_size("frame"), ALL),
    ]),
]
# Where, inside the target's own `_Py_DebugOffsets` (3.13+), each entry pyinspect takes from it is: the
# table's shape changes between series (3.14 adds entries in the middle), so its offsets are layout too.
DEBUG_OFFSETS = ((3, 13), (3, 13))
LAYOUT.append(("debugOffsets", "DebugOffsetsLayout", [
        ("runtimeStateSize", q_off("debugoffsets", "runtime_state.size"), DEBUG_OFFSETS),
        ("interpretersHead", q_off("debugoffsets", "runtime_state.interpreters_head"), DEBUG_OFFSETS),
        ("interpreterId", q_off("debugoffsets", "interpreter_state.id"), DEBUG_OFFSETS),
        ("interpreterNext", q_off("debugoffsets", "interpreter_state.next"), DEBUG_OFFSETS),
        ("interpreterGC", q_off("debugoffsets", "interpreter_state.gc"), DEBUG_OFFSETS),
        ("interpreterSysdict", q_off("debugoffsets", "interpreter_state.sysdict"), DEBUG_OFFSETS),
        ("objectType", q_off("debugoffsets", "pyobject.ob_type"), DEBUG_OFFSETS),
        ("typeName", q_off("debugoffsets", "type_object.tp_name"), DEBUG_OFFSETS),
        ("typeFlags", q_off("debugoffsets", "type_object.tp_flags"), DEBUG_OFFSETS),
        ("listItems", q_off("debugoffsets", "list_object.ob_item"), DEBUG_OFFSETS),
        ("listSize", q_off("debugoffsets", "list_object.ob_size"), DEBUG_OFFSETS),
        ("dictKeys", q_off("debugoffsets", "dict_object.ma_keys"), DEBUG_OFFSETS),
        ("dictValues", q_off("debugoffsets", "dict_object.ma_values"), DEBUG_OFFSETS),
        ("unicodeState", q_off("debugoffsets", "unicode_object.state"), DEBUG_OFFSETS),
        ("unicodeLength", q_off("debugoffsets", "unicode_object.length"), DEBUG_OFFSETS),
        ("unicodeAsciiSize", q_off("debugoffsets", "unicode_object.asciiobject_size"), DEBUG_OFFSETS),
        ("gcSize", q_off("debugoffsets", "gc.size"), DEBUG_OFFSETS),
        ("gcCollecting", q_off("debugoffsets", "gc.collecting"), DEBUG_OFFSETS),
]))

# 3.15 keeps gc.get_stats() in ring buffers behind `struct gc_stats *generation_stats`: the young
# generation's and each old space's latest entry is `items[index]`. No DWARF build has them (probed only,
# scripts/layouts/probed.py's overrides); nil everywhere else.
R315 = ((3, 15), (3, 15))
LAYOUT.append(("statsRing", "GCStatsRingLayout", [
        ("youngItems", q_off("gcstats", "young.items"), R315),
        ("youngIndex", q_typed(q_off("gcstats", "young.index"), ["int8_t", "signed char"]), R315),
        ("youngCapacity", q_count("gcstats", "young.items"), R315),
        ("old", q_off("gcstats", "old"), R315),
        ("oldSize", q_size("oldstatsbuf"), R315),
        ("oldIndex", q_typed(q_off("oldstatsbuf", "index"), ["int8_t", "signed char"]), R315),
        ("oldCapacity", q_count("oldstatsbuf", "items"), R315),
]))
LAYOUT.append(("bytes", "BytesLayout", [
        ("data", q_typed(q_off("bytes", "ob_sval"), ["char [1]"]), ALL),
]))
# What only Python 2 has: classic classes (gcmodule.c's has_finalizer looks `__del__` up in an instance's
# dict and its class's bases), and the block stack (2.7-3.10) 2.7's PyGen_NeedsFinalizing reads.
LAYOUT.append(("classic", "ClassicLayout", [
        ("instanceClass", q_typed(q_off("instance", "in_class"), ["PyClassObject *"]), PY2),
        ("instanceDict", q_typed(q_off("instance", "in_dict"), ["PyObject *"]), PY2),
        ("classBases", q_typed(q_off("classobj", "cl_bases"), ["PyObject *"]), PY2),
        ("classDict", q_typed(q_off("classobj", "cl_dict"), ["PyObject *"]), PY2),
        ("className", q_typed(q_off("classobj", "cl_name"), ["PyObject *"]), PY2),
        ("frameBlockCount", q_typed(q_off("frame", "f_iblock"), ["int"]), ((2, 7), (3, 10))),   # the block stack ends with 3.10
        ("frameBlockStack", q_off("frame", "f_blockstack"), ((2, 7), (3, 10))),
        ("blockSize", q_size("tryblock"), ((2, 7), (3, 10))),
        ("blockType", q_typed(q_off("tryblock", "b_type"), ["int"]), ((2, 7), (3, 10))),
]))

# Variables of one source file (statics, found in an unstripped library's .symtab) that stand in for a
# LAYOUT group's structure in the series before `_PyRuntime` (3.6): (group, role, file, variable, accepted C
# types, series range). Each must exist with that type exactly in its range and be absent outside it; the
# group's Swift struct gets `statics: [role: "file:variable"]` (empty outside the range).
#   gcmodule.c: `generations[NUM_GENERATIONS]` (whose first head `_PyGC_generation0`, an exported pointer,
#     points at), `enabled`, `debug`, `collecting`, `garbage`, `generation_stats[3]`.
#   pystate.c: `interp_head`, the interpreter list (PyInterpreterState_Head() returns it).
R36 = ((2, 7), (3, 6))
STATICS = [
    ("gc", "generations", "gcmodule.c", "generations", ["struct gc_generation [3]"], R36),
    ("gc", "generation0", "gcmodule.c", "_PyGC_generation0", ["PyGC_Head *"], R36),
    ("gc", "enabled", "gcmodule.c", "enabled", ["int"], R36),
    ("gc", "debug", "gcmodule.c", "debug", ["int"], R36),
    ("gc", "collecting", "gcmodule.c", "collecting", ["int"], R36),
    ("gc", "garbage", "gcmodule.c", "garbage", ["PyObject *"], R36),
    ("gc", "generationStats", "gcmodule.c", "generation_stats", ["struct gc_generation_stats [3]"], ((3, 6), (3, 6))),
    ("interpreter", "head", "pystate.c", "interp_head", ["PyInterpreterState *"], R36),
]
STATIC_GROUPS = ["gc", "interpreter"]

# LAYOUT groups rendered after `frames:` (PythonLayout's initializer order).
LATE_GROUPS = ["code", "debugOffsets", "statsRing", "bytes", "classic"]

# TraversalLayout.pointerFields: for each builtin type (keyed by the exported symbol of its type object;
# `PyExc_BaseException` is a `PyObject *` variable holding the type) the struct its objects are, the
# name of its tp_traverse function, and -- per series -- the fields that function Py_VISITs, in visit
# order, as DWARF member paths. The lists follow the CPython sources (file and function named per entry;
# the version differences noted there) and were confirmed against the compiled code of 3.8.18, 3.9.18,
# 3.10.13, 3.11.7, 3.12.1 and 3.13.0 (pyenv builds). They are *not* trusted blindly on each run either:
#
#   * each path must resolve in the DWARF (twice, like every other offset) to a pointer-typed member;
#   * the type object symbol is read from the library's data: its tp_traverse must be the named
#     function and its tp_basicsize must equal sizeof(struct) (so key -> struct -> function is right);
#   * the compiled traverse function is disassembled (x86-64) and every `visit(obj->field, arg)` call
#     is recovered; the set of field offsets passed to `visit` must equal the listed offsets exactly,
#     and the function may hand `visit` to nothing else (except where `delegates` says so).
#
# Anything a traverse function visits that is not a plain field of the object (module state through
# m_traverse, inline arrays, flag-dependent extras) is left out and noted here.
# An entry's "fields" is [((first series, last series), [member paths])], covering 3.8-3.13 once.
TRAVERSE = {
    # Objects/cellobject.c cell_traverse (3.8-3.13): Py_VISIT(op->ob_ref).
    "PyCell_Type": {"struct": "cell", "function": "cell_traverse", "fields": [
        (ALL, ["ob_ref"]),
    ]},
    # Objects/classobject.c method_traverse (3.8-3.13): im_func, im_self (not im_weakreflist).
    "PyMethod_Type": {"struct": "method", "function": [(PY2, "instancemethod_traverse"), (PY3, "method_traverse")],
                      "fields": [
        (PY2, ["im_func", "im_self", "im_class"]),     # 2.7's unbound and bound methods keep their class
        (PY3, ["im_func", "im_self"]),
    ]},
    # Objects/funcobject.c func_traverse. Every PyObject* field but func_weakreflist:
    #   3.8, 3.9: code, globals, module, defaults, kwdefaults, doc, name, dict, closure, annotations, qualname
    #   3.10, 3.11: + func_builtins (new in 3.10, visited after func_globals)
    #   3.12, 3.13: + func_typeparams (new in 3.12, visited before func_qualname)
    "PyFunction_Type": {"struct": "function", "function": "func_traverse", "fields": [
        (PY2, ["func_code", "func_globals", "func_module", "func_defaults", "func_doc", "func_name", "func_dict",
               "func_closure"]),
        (((3, 6), (3, 9)), ["func_code", "func_globals", "func_module", "func_defaults", "func_kwdefaults",
                            "func_doc", "func_name", "func_dict", "func_closure", "func_annotations",
                            "func_qualname"]),
        (((3, 10), (3, 11)), ["func_code", "func_globals", "func_builtins", "func_module", "func_defaults",
                              "func_kwdefaults", "func_doc", "func_name", "func_dict", "func_closure",
                              "func_annotations", "func_qualname"]),
        (((3, 12), (3, 13)), ["func_code", "func_globals", "func_builtins", "func_module", "func_defaults",
                              "func_kwdefaults", "func_doc", "func_name", "func_dict", "func_closure",
                              "func_annotations", "func_typeparams", "func_qualname"]),
    ]},
    # Objects/funcobject.c cm_traverse (3.8-3.13): cm_callable, cm_dict.
    "PyClassMethod_Type": {"struct": "classmethod", "function": "cm_traverse", "fields": [
        (PY2, ["cm_callable"]),       # 2.7's classmethod and staticmethod have no __dict__
        (PY3, ["cm_callable", "cm_dict"]),
    ]},
    # Objects/funcobject.c sm_traverse (3.8-3.13): sm_callable, sm_dict.
    "PyStaticMethod_Type": {"struct": "staticmethod", "function": "sm_traverse", "fields": [
        (PY2, ["sm_callable"]),
        (PY3, ["sm_callable", "sm_dict"]),
    ]},
    # Objects/descrobject.c property_traverse: get, set, del, doc; 3.10 added prop_name (and visits it).
    "PyProperty_Type": {"struct": "property", "function": "property_traverse", "fields": [
        (((2, 7), (3, 9)), ["prop_get", "prop_set", "prop_del", "prop_doc"]),
        (((3, 10), (3, 13)), ["prop_get", "prop_set", "prop_del", "prop_doc", "prop_name"]),
    ]},
    # Python/traceback.c tb_traverse (3.8-3.13): tb_next, tb_frame.
    "PyTraceBack_Type": {"struct": "traceback", "function": "tb_traverse", "fields": [
        (ALL, ["tb_next", "tb_frame"]),
    ]},
    # Objects/weakrefobject.c gc_traverse (3.8-3.13): only wr_callback (wr_object is the weak referent).
    "_PyWeakref_RefType": {"struct": "weakref", "function": "gc_traverse", "fields": [
        (ALL, ["wr_callback"]),
    ]},
    # Objects/moduleobject.c module_traverse (3.8-3.13): Py_VISIT(m->md_dict) only (md_name is not
    # visited). Before that it calls md_def->m_traverse(m, visit, arg) (3.9+: only when m_size <= 0 or
    # md_state != NULL): that visits the extension module's state, which is not a field -- left out.
    "PyModule_Type": {"struct": "module", "function": "module_traverse", "delegates": "m_traverse", "fields": [
        (ALL, ["md_dict"]),
    ]},
    # Objects/typeobject.c type_traverse (only ever called for heap types: type_is_gc): tp_dict,
    # tp_cache, tp_mro, tp_bases, tp_base; 3.9 added ht_module. Not visited: tp_subclasses (weak
    # references), ht_slots, ht_name/ht_qualname (strings), ht_cached_keys (not an object).
    "PyType_Type": {"struct": "heaptype", "function": "type_traverse", "fields": [
        (((2, 7), (3, 8)), ["ht_type.tp_dict", "ht_type.tp_cache", "ht_type.tp_mro", "ht_type.tp_bases",
                            "ht_type.tp_base"]),
        (((3, 9), (3, 13)), ["ht_type.tp_dict", "ht_type.tp_cache", "ht_type.tp_mro", "ht_type.tp_bases",
                             "ht_type.tp_base", "ht_module"]),
    ]},
    # Objects/exceptions.c BaseException_traverse: dict, args, traceback, cause, context; 3.11 added
    # `notes` (visited after args). Subclasses with their own traverse (OSError, SyntaxError, ImportError,
    # StopIteration, ...) call it and visit more: they are not covered by this entry.
    "PyExc_BaseException": {"struct": "baseexc", "function": "BaseException_traverse", "fields": [
        (PY2, ["dict", "args", "message"]),            # 2.7: no traceback, cause or context
        (((3, 6), (3, 10)), ["dict", "args", "traceback", "cause", "context"]),
        (((3, 11), (3, 13)), ["dict", "args", "notes", "traceback", "cause", "context"]),
    ]},
    # Python/context.c context_tp_traverse (3.8-3.13): ctx_prev, ctx_vars (not ctx_weakreflist).
    "PyContext_Type": {"struct": "context", "function": "context_tp_traverse", "exists": R37, "fields": [
        (R37, ["ctx_prev", "ctx_vars"]),
    ]},
    # Python/context.c contextvar_tp_traverse (3.8-3.13): var_name, var_default only. var_cached is NOT
    # visited (only cleared by tp_clear); the compiled code confirms it.
    "PyContextVar_Type": {"struct": "contextvar", "function": "contextvar_tp_traverse", "exists": R37, "fields": [
        (R37, ["var_name", "var_default"]),
    ]},
    # Python/context.c token_tp_traverse (3.8-3.13): tok_ctx, tok_var, tok_oldval.
    "PyContextToken_Type": {"struct": "contexttoken", "function": "token_tp_traverse", "exists": R37, "fields": [
        (R37, ["tok_ctx", "tok_var", "tok_oldval"]),
    ]},
    # Objects/methodobject.c meth_traverse: m_self, m_module (not m_ml, m_weakreflist). 3.9+ first visits
    # PyCFunction_GET_CLASS(m), i.e. ((PyCMethodObject *)m)->mm_class, only when m_ml->ml_flags has
    # METH_METHOD; that field lies past the end of a PyCFunctionObject (it exists only in the larger
    # PyCMethodObject), so it is left out ("left_out": the compiled function must visit exactly that
    # offset besides the listed ones). PyCMethod_Type (3.9+) has no tp_traverse of its own in the
    # library's data (NULL: PyType_Ready inherits meth_traverse from PyCFunction_Type, checked in
    # EXTRA_CHECKS), so a reader that keys traversals by tp_traverse address gives its objects this list:
    # right without mm_class, since a PyCMethodObject starts with its PyCFunctionObject (checked).
    "PyCFunction_Type": {"struct": "cfunction", "function": "meth_traverse", "fields": [
        (ALL, ["m_self", "m_module"]),
    ], "left_out": [(((3, 9), (3, 13)), "cmethod", ["mm_class"])]},
    # Objects/descrobject.c descr_traverse (3.8-3.13): d_type only. Every descriptor type shares it
    # (method, classmethod, member, getset, wrapper descriptors), so this one entry plans them all.
    "PyMethodDescr_Type": {"struct": "methoddescr", "function": "descr_traverse", "fields": [
        (PY2, ["d_type"]),                             # 2.7's PyDescr_COMMON is a macro of fields, not a struct
        (PY3, ["d_common.d_type"]),
    ]},
    # Objects/descrobject.c mappingproxy_traverse (3.8-3.13): mapping.
    "PyDictProxy_Type": {"struct": "mappingproxy", "function": [(PY2, "proxy_traverse"), (PY3, "mappingproxy_traverse")],
                         "fields": [
        (PY2, ["dict"]),                               # 2.7's dictproxy (proxyobject)
        (PY3, ["mapping"]),
    ]},
    # Objects/descrobject.c wrapper_traverse (3.8-3.13): descr, self (a bound slot wrapper: `x.__eq__`).
    # 2.7's is the file-local `wrappertype` (not exported, so not recognised): its objects are emulated.
    "_PyMethodWrapper_Type": {"struct": "methodwrapper", "function": "wrapper_traverse", "exists": PY3, "fields": [
        (PY3, ["descr", "self"]),
    ]},
    # Python/hamt.c hamt_tp_traverse (3.8-3.13): h_root (not h_weakreflist). The symbol is exported
    # (PyAPI_DATA) only in 3.8-3.10; 3.11+ declare it in an internal header: a local symbol, found only in
    # the .symtab of an unstripped libpython. The node types' variable arrays are in arrayFields (HAMT_ARRAYS).
    "_PyHamt_Type": {"struct": "hamt", "function": "hamt_tp_traverse", "exists": R37, "fields": [
        (R37, ["h_root"]),
    ]},
}


def traverse_exists(key, series):
    """Whether TRAVERSE[key]'s type exists in `series` (its "exists" range, else every series)."""
    return in_range(series, TRAVERSE[key].get("exists", ALL))


def traverse_paths(key, series):
    """The member paths TRAVERSE lists for `key` in `series` (exactly one range must cover it)."""
    if not traverse_exists(key, series):
        return []
    hits = [paths for rng, paths in TRAVERSE[key]["fields"] if in_range(series, rng)]
    if len(hits) != 1:
        raise GenError("TRAVERSE[%s]: %d field lists cover %s" % (key, len(hits), series_str(series)))
    if len(set(hits[0])) != len(hits[0]):
        raise GenError("TRAVERSE[%s]: duplicate fields for %s" % (key, series_str(series)))
    return hits[0]

# FrameTraversalLayout (the `frames:` argument): what frame_traverse, _PyFrame_Traverse, gen_traverse,
# async_gen_traverse and the _asyncio FutureObj_traverse / TaskObj_traverse visit. These functions walk
# arrays sized at run time, follow a pointer to a second structure, or test a state byte first, so the
# plain field check above cannot verify them. Each is instead run through `trace_function` (a small
# symbolic x86-64 evaluator: loads, adds, loop induction variables, compares and conditional jumps) and
# what it hands to `visit` must equal, as a set, what the resolved offsets describe:
#
#   frame_traverse (Objects/frameobject.c), PyFrame_Type:
#     3.8-3.9   Py_VISIT each of FRAME_FIELDS; the fast locals f_localsplus[0 .. co_nlocals + len(co_cellvars)
#               + len(co_freevars)); then, if f_stacktop != NULL, every p in [f_valuestack, f_stacktop).
#     3.10      the same, but the stack is f_valuestack[0 .. f_stackdepth) (int).
#     3.11+     Py_VISIT f_back, f_trace (3.13: + f_extra_locals, f_locals_cache); then
#               `if (f->f_frame->owner == FRAME_OWNED_BY_FRAME_OBJECT) _PyFrame_Traverse(f->f_frame)`.
#   _PyFrame_Traverse (Python/frame.c), 3.11+: frame_obj, f_locals, f_func/f_funcobj, f_code/f_executable
#               (3.13 visits f_executable through _PyFrame_GetCode), then localsplus[0 .. stacktop).
#               3.13.0 still has the int `stacktop` (the `stackpointer` pointer is 3.14); checked below.
#   gen_traverse (Objects/genobject.c), PyGen_Type and PyCoro_Type (the same function; cr_origin /
#               cr_origin_or_finalizer is never visited): 3.8-3.10 gi_frame, gi_code, gi_name, gi_qualname
#               and exc_state {exc_type, exc_value, exc_traceback}; 3.11 gi_code, gi_name, gi_qualname,
#               exc_state.exc_value and, if gi_frame_state < FRAME_CLEARED, _PyFrame_Traverse(gi_iframe);
#               3.12+ the same without gi_code (the code is the frame's f_code/f_executable).
#               3.13 compiles the state test as `!= FRAME_CLEARED`; FRAME_CLEARED is the largest
#               PyFrameState value (checked from the DWARF enum), so `<` is the same for valid states.
#   async_gen_traverse, PyAsyncGen_Type: ag_finalizer (3.11+: ag_origin_or_finalizer), then gen_traverse's.
#   _asyncio FutureObj_traverse / TaskObj_traverse (Modules/_asynciomodule.c), keyed by tp_name:
#     Task lists are flattened: 3.8-3.11 TaskObj_traverse calls FutureObj_traverse(task) unconditionally
#     (checked); 3.12+ inline the Future part. 3.12+ visit Py_TYPE(self) (heap types): offset 8.
#     Left out: 3.13 calls PyObject_VisitManagedDict(self) (the instance __dict__); not expressible here.
#   Not GC types in any series (tp_traverse NULL, no Py_TPFLAGS_HAVE_GC): PyCode_Type -- checked.
#
# Wrapper types (coro_wrapper, async_gen_asend/athrow/wrapped_value) are not covered here. The other _asyncio
# types (FutureIter, TaskStepMethWrapper, TaskWakeupMethWrapper) are in ASYNCIO_MORE.

R_OLD = ((2, 7), (3, 10))
R_NEW = ((3, 11), (3, 13))

# (label, query, range, accepted stripped C types of the member (None: any), nil-checked out of range?)
FRAME_SCALARS = [
    ("frameLocalsPlus", q_off("frame", "f_localsplus"), R_OLD, ["PyObject *[1]"], True),
    ("frameCode", q_off("frame", "f_code"), R_OLD, ["PyCodeObject *"], False),
    ("codeNlocals", q_off("code", "co_nlocals"), R_OLD, ["int"], False),
    ("codeCellvars", q_off("code", "co_cellvars"), R_OLD, ["PyObject *"], False),
    ("codeFreevars", q_off("code", "co_freevars"), R_OLD, ["PyObject *"], False),
    ("frameValueStack", q_off("frame", "f_valuestack"), R_OLD, ["PyObject **"], True),
    ("frameStackTop", q_off("frame", "f_stacktop"), ((2, 7), (3, 9)), ["PyObject **"], True),
    ("frameStackDepth", q_off("frame", "f_stackdepth"), ((3, 10), (3, 10)), ["int"], True),
    ("frameInterpreterFrame", q_off("frame", "f_frame"), R_NEW, ["struct _PyInterpreterFrame *"], True),
    ("interpreterFrameOwner", q_off("iframe", "owner"), R_NEW, ["char"], True),
    ("ownedByFrameObject", {"kind": "enumval", "name": "FRAME_OWNED_BY_FRAME_OBJECT"}, R_NEW, None, False),
    ("interpreterFrameLocalsPlus", q_off("iframe", "localsplus"), R_NEW, ["PyObject *[1]"], True),
    ("interpreterFrameStackTop", q_off("iframe", "stacktop"), R_NEW, ["int"], True),
    ("generatorFrameState", q_off("genobj", "gi_frame_state"), R_NEW, ["signed char"], True),
    ("generatorFrameCleared", {"kind": "enumval", "name": "FRAME_CLEARED"}, R_NEW, None, False),
    ("generatorInterpreterFrame", q_off("genobj", "gi_iframe"), R_NEW, ["PyObject *[1]"], True),
]
FRAME_LABELS = ["frameFields", "frameLocalsPlus", "frameCode", "codeNlocals", "codeCellvars", "codeFreevars",
                "frameValueStack", "frameStackTop", "frameStackDepth", "frameInterpreterFrame",
                "interpreterFrameOwner", "ownedByFrameObject", "interpreterFrameFields",
                "interpreterFrameLocalsPlus", "interpreterFrameStackTop", "generatorFields",
                "generatorFrameState", "generatorFrameCleared", "generatorInterpreterFrame", "asyncioFields",
                "arrayFields", "moduleFields", "dictSubtypeFields", "fieldNames", "deque"]
# Members that must *not* exist (a stale assumption would otherwise go unnoticed).
FRAME_ABSENT = [
    (q_off("iframe", "stackpointer"), R_NEW),     # 3.14's replacement for stacktop
]

# Fixed fields, per struct and series (member paths), in source order.
FRAME_FIELD_LISTS = {
    "frameFields": ("frame", [
        # 3.6 (and 2.7) frames also hold the exception being handled (3.7 moved it to the thread state).
        (((2, 7), (3, 6)), ["f_back", "f_code", "f_builtins", "f_globals", "f_locals", "f_trace", "f_exc_type",
                            "f_exc_value", "f_exc_traceback"]),
        (((3, 7), (3, 10)), ["f_back", "f_code", "f_builtins", "f_globals", "f_locals", "f_trace"]),
        (((3, 11), (3, 12)), ["f_back", "f_trace"]),
        (((3, 13), (3, 13)), ["f_back", "f_trace", "f_extra_locals", "f_locals_cache"]),
    ]),
    "interpreterFrameFields": ("iframe", [
        (R_OLD, []),
        (((3, 11), (3, 11)), ["frame_obj", "f_locals", "f_func", "f_code"]),
        (((3, 12), (3, 12)), ["frame_obj", "f_locals", "f_funcobj", "f_code"]),
        (((3, 13), (3, 13)), ["frame_obj", "f_locals", "f_funcobj", "f_executable"]),
    ]),
}


def _gen_fields(p, finalizer=None):
    v36 = ["%s_frame" % p, "%s_code" % p, "%s_name" % p, "%s_qualname" % p]   # no exc_state before 3.7
    old = ["%s_frame" % p, "%s_code" % p, "%s_name" % p, "%s_qualname" % p, "%s_exc_state.exc_type" % p,
           "%s_exc_state.exc_value" % p, "%s_exc_state.exc_traceback" % p]
    v311 = ["%s_code" % p, "%s_name" % p, "%s_qualname" % p, "%s_exc_state.exc_value" % p]
    v312 = ["%s_name" % p, "%s_qualname" % p, "%s_exc_state.exc_value" % p]
    pre_old = [finalizer[0]] if finalizer else []
    pre_new = [finalizer[1]] if finalizer else []
    # 2.7: gen_traverse visits gi_frame and gi_code only (no names; no coroutines or async generators).
    return [(PY2, ["%s_frame" % p, "%s_code" % p]), (((3, 6), (3, 6)), pre_old + v36), (((3, 7), (3, 10)), pre_old + old), (((3, 11), (3, 11)), pre_new + v311),
            (((3, 12), (3, 13)), pre_new + v312)]


# Generator types: struct, traverse function, fields; 3.11+ also the frame-state byte and embedded frame.
GENERATORS = {
    "PyGen_Type": {"struct": "genobj", "function": "gen_traverse", "prefix": "gi", "fields": _gen_fields("gi")},
    "PyCoro_Type": {"struct": "coro", "function": "gen_traverse", "prefix": "cr", "fields": _gen_fields("cr"),
                    "exists": PY3},
    "PyAsyncGen_Type": {"struct": "asyncgen", "function": "async_gen_traverse", "prefix": "ag", "exists": PY3,
                        "fields": _gen_fields("ag", ("ag_finalizer", "ag_origin_or_finalizer"))},
}

def generators(s):
    """The GENERATORS entries whose type exists in series s."""
    return [(k, e) for k, e in GENERATORS.items() if in_range(s, e.get("exists", ALL))]


_FUT_36 = ["fut_loop", "fut_callbacks", "fut_result", "fut_exception", "fut_source_tb", "dict"]  # no contexts
_FUT_38 = ["fut_loop", "fut_callback0", "fut_context0", "fut_callbacks", "fut_result", "fut_exception",
           "fut_source_tb", "dict"]
_FUT_39 = ["fut_loop", "fut_callback0", "fut_context0", "fut_callbacks", "fut_result", "fut_exception",
           "fut_source_tb", "fut_cancel_msg", "dict", "fut_cancelled_exc_state.exc_type",
           "fut_cancelled_exc_state.exc_value", "fut_cancelled_exc_state.exc_traceback"]
_FUT_310 = ["fut_loop", "fut_callback0", "fut_context0", "fut_callbacks", "fut_result", "fut_exception",
            "fut_exception_tb", "fut_source_tb", "fut_cancel_msg", "dict", "fut_cancelled_exc_state.exc_type",
            "fut_cancelled_exc_state.exc_value", "fut_cancelled_exc_state.exc_traceback"]
_FUT_311 = ["fut_loop", "fut_callback0", "fut_context0", "fut_callbacks", "fut_result", "fut_exception",
            "fut_exception_tb", "fut_source_tb", "fut_cancel_msg", "fut_cancelled_exc", "dict"]
_FUT_313 = ["ob_base.ob_type", "fut_loop", "fut_callback0", "fut_context0", "fut_callbacks", "fut_result",
            "fut_exception", "fut_exception_tb", "fut_source_tb", "fut_cancel_msg", "fut_cancelled_exc"]
_TASK_OWN = ["task_context", "task_coro", "task_name", "task_fut_waiter"]

# _asyncio types by tp_name. "future": how TaskObj_traverse covers the Future part ("call": a call to the
# Future's traverse function with the task itself, "inline": visited by the Task function). "delegates":
# other calls handed `visit` that are expected and left out of the data.
ASYNCIO = {
    "_asyncio.Future": {"struct": "future", "function": "FutureObj_traverse", "static": "FutureType",
                        "spec": "Future_spec", "fields": [
                            (((3, 6), (3, 6)), _FUT_36), (((3, 7), (3, 8)), _FUT_38), (((3, 9), (3, 9)), _FUT_39), (((3, 10), (3, 10)), _FUT_310),
                            (((3, 11), (3, 11)), _FUT_311), (((3, 12), (3, 12)), ["ob_base.ob_type"] + _FUT_311),
                            (((3, 13), (3, 13)), _FUT_313)],
                        "delegates": [(((3, 13), (3, 13)), ["PyObject_VisitManagedDict"])]},
    "_asyncio.Task": {"struct": "task", "function": "TaskObj_traverse", "static": "TaskType",
                      "spec": "Task_spec", "fields": [
                          (((3, 6), (3, 6)), ["task_coro", "task_fut_waiter"]),
                          (((3, 7), (3, 7)), ["task_context", "task_coro", "task_fut_waiter"]),
                          (((3, 8), (3, 11)), _TASK_OWN), (((3, 12), (3, 13)), ["ob_base.ob_type"] + _TASK_OWN)],
                      "future": [(((3, 6), (3, 11)), "call"), (((3, 12), (3, 13)), "inline")],
                      "delegates": [(((3, 13), (3, 13)), ["PyObject_VisitManagedDict"])]},
}


# More _asyncio types, each with a plain-field traverse function (checked like the Future: tp_name, function,
# basicsize, and the traced visits). "names": the tp_name per series (the output key); "exists": the series
# that have the type (ASYNCIO_ABSENT checks the others do not).
#   FutureIter_traverse: future; 3.12+ (heap type) also Py_TYPE(it).
#   TaskStepMethWrapper_traverse: sw_task, sw_arg; 3.12+ also Py_TYPE. tp_name "TaskStepMethWrapper" before
#     3.12, "_asyncio.TaskStepMethWrapper" from 3.12.
#   TaskWakeupMethWrapper_traverse (3.8-3.9; 3.10 replaced it by a PyCFunction bound to the task): ww_task.
#   _RunningLoopHolder (3.8-3.11; gone in 3.12) is no GC type: tp_traverse NULL, no Py_TPFLAGS_HAVE_GC (checked).
ASYNCIO_MORE = {
    "_asyncio.FutureIter": {"struct": "futureiter", "function": "FutureIter_traverse", "static": "FutureIterType",
                            "spec": "FutureIter_spec", "exists": ALL,
                            "names": [(ALL, "_asyncio.FutureIter")],
                            "fields": [(((3, 6), (3, 11)), ["future"]),
                                       (((3, 12), (3, 13)), ["ob_base.ob_type", "future"])]},
    "TaskStepMethWrapper": {"struct": "stepwrapper", "function": "TaskStepMethWrapper_traverse",
                            "static": "TaskStepMethWrapper_Type", "spec": "TaskStepMethWrapper_spec", "exists": ALL,
                            "names": [(((3, 6), (3, 11)), "TaskStepMethWrapper"),
                                      (((3, 12), (3, 13)), "_asyncio.TaskStepMethWrapper")],
                            "fields": [(((3, 6), (3, 11)), ["sw_task", "sw_arg"]),
                                       (((3, 12), (3, 13)), ["ob_base.ob_type", "sw_task", "sw_arg"])]},
    "TaskWakeupMethWrapper": {"struct": "wakeupwrapper", "function": "TaskWakeupMethWrapper_traverse",
                              "static": "TaskWakeupMethWrapper_Type", "exists": ((3, 6), (3, 9)),
                              "names": [(((3, 6), (3, 9)), "TaskWakeupMethWrapper")],
                              "fields": [(((3, 6), (3, 9)), ["ww_task"])]},
}
# Symbols that must not exist in the _asyncio extension of these series (a type appearing would go unnoticed).
ASYNCIO_ABSENT = [("TaskWakeupMethWrapper_Type", ((3, 10), (3, 13))), ("PyRunningLoopHolder_Type", ((3, 12), (3, 13))),
                  ("PyRunningLoopHolder_Type", ((3, 6), (3, 6)))]   # _RunningLoopHolder is new in 3.7

# FrameTraversalLayout.arrayFields: traverse functions that visit one inline array of pointers, keyed by the
# exported symbol of the type object (Python/hamt.c; like _PyHamt_Type, exported only in 3.8-3.10 and a
# .symtab-only local symbol in 3.11+). "count": "size" -- Py_SIZE(self) elements (the function counts down:
# `for (i = Py_SIZE(self); --i >= 0;) Py_VISIT(self->X[i])`; tp_basicsize must be the array's offset and
# tp_itemsize a pointer), or "fixed" -- every element of a fixed array (count from the DWARF array type;
# tp_basicsize == sizeof). The trace must show exactly that one array visit, the right bound, and nothing else.
HAMT_ARRAYS = {
    "_PyHamt_BitmapNode_Type": {"struct": "hamt_bitmap", "function": "hamt_node_bitmap_traverse",
                                "array": "b_array", "count": "size", "ctype": "PyObject *[1]"},
    "_PyHamt_CollisionNode_Type": {"struct": "hamt_collision", "function": "hamt_node_collision_traverse",
                                   "array": "c_array", "count": "size", "ctype": "PyObject *[1]"},
    "_PyHamt_ArrayNode_Type": {"struct": "hamt_array", "function": "hamt_node_array_traverse",
                               "array": "a_array", "count": "fixed", "ctype": "PyHamtNode *[32]"},
}

# FrameTraversalLayout.moduleFields: C types of modules compiled into libpython (not exported), keyed by
# tp_name; "static": the PyTypeObject, or "spec": the PyType_Spec (heap types), per series.
#   Modules/_functoolsmodule.c partial_traverse: fn, args, kw, dict (not weakreflist); 3.10+ the type is a
#   heap type (partial_type_spec) and the function also visits Py_TYPE(pto) -- already in 3.10 (checked).
MODULE_TYPES = {
    "functools.partial": {"struct": "partial", "function": "partial_traverse",
                          "type": [(((3, 6), (3, 9)), ("static", "partial_type")),
                                   (((3, 10), (3, 13)), ("spec", "partial_type_spec"))],
                          "fields": [(((3, 6), (3, 9)), ["fn", "args", "kw", "dict"]),
                                     (((3, 10), (3, 13)), ["ob_base.ob_type", "fn", "args", "kw", "dict"])]},
}

# FrameTraversalLayout.dictSubtypeFields: dict subclasses in C whose traverse visits some fields and then
# returns PyDict_Type.tp_traverse(self, visit, arg) (dict_traverse, checked: the tail call goes through the
# GOT slot the dynamic linker fills with &PyDict_Type, at tp_traverse's offset). Keyed by the exported
# symbol (PyODict_Type) or, for a module type with none, by tp_name (collections.defaultdict).
#   Objects/odictobject.c odict_traverse: od_inst_dict; then every node's key along the od_first linked
#     list ("left_out": the trace sees it as od_first->key; the same key objects are the dict's keys, which
#     dict_traverse reaches anyway); not od_weakreflist.
#   Modules/_collectionsmodule.c defdict_traverse: default_factory; 3.12+ (heap type, defdict_spec) first
#     Py_TYPE(self).
DICT_SUBTYPES = {
    "PyODict_Type": {"struct": "odict", "function": "odict_traverse", "tp_name": "collections.OrderedDict",
                     "type": [(ALL, ("static", "PyODict_Type"))],
                     "fields": [(((3, 6), (3, 6)), ["od_inst_dict", "od_weakreflist"]), (R37, ["od_inst_dict"])],
                     "left_out": [(ALL, [("odict", "od_first"), ("odictnode", "key")])]},
    "collections.defaultdict": {"struct": "defdict", "function": "defdict_traverse",
                                "type": [(((3, 6), (3, 11)), ("static", "defdict_type")),
                                         (((3, 12), (3, 13)), ("spec", "defdict_spec"))],
                                "fields": [(((3, 6), (3, 11)), ["default_factory"]),
                                           (((3, 12), (3, 13)), ["dict.ob_base.ob_type", "default_factory"])]},
}
# FrameTraversalLayout.deque (DequeLayout): Modules/_collectionsmodule.c deque_traverse walks the linked list
# of BLOCKLEN-slot blocks: for b = leftblock while b != rightblock, data[indexlo..BLOCKLEN) (indexlo =
# leftindex, then 0), b = b->rightlink; then data[indexlo..rightindex] of the last block. 3.12+ (heap type,
# deque_spec) it first visits Py_TYPE(deque). Checked: the offsets and BLOCKLEN from the DWARF (dequeobject,
# struct BLOCK); the trace must visit exactly leftblock->data[leftindex + i] (the first block; the tracer
# merges the later blocks and the last loop into one unknown '?' visit, accepted only here), plus ob_type iff
# visitsType; it must compare leftblock with rightblock, leftindex with BLOCKLEN-1 (or the index with
# BLOCKLEN), rightblock with leftblock->rightlink, read rightindex; and the disassembly must index the block
# data at the DWARF `data` offset (`data(%b,%i,8)`) in both loops.
# 2.7 builds the module as lib-dynload/_collections.so (read in a gdb session of its own); its blocks hold
# 62 items before their links (data, rightlink, leftlink) and the deque counts its items in `len`, not
# ob_size. Its deque_traverse walks the blocks while b != NULL, to rightindex in the right block.
DEQUE = {"struct": "deque", "block": "deque_block", "function": "deque_traverse",
         "tp_name": "collections.deque",
         "type": [(((2, 7), (3, 11)), ("static", "deque_type")), (((3, 12), (3, 13)), ("spec", "deque_spec"))],
         "visits_type": [(((2, 7), (3, 11)), False), (((3, 12), (3, 13)), True)]}
# Not covered (left out; safe, they only hide references):
#   PyCMethod_Type: no tp_traverse of its own (see PyCFunction_Type in TRAVERSE; EXTRA_CHECKS);
#   the HAMT iterators (_PyHamtItems_Type, ...), which visit a node stack.
EXTRA_CHECKS = [
    # (description, gdb expression, expected value, series range)
    ("PyCMethod_Type has no tp_traverse of its own (inherits meth_traverse)", "(long)PyCMethod_Type.tp_traverse",
     0, ((3, 9), (3, 13))),
    ("PyCMethodObject starts with its PyCFunctionObject", "(long)&((PyCMethodObject *)0)->func", 0, ((3, 9), (3, 13))),
    ("PyCMethodObject.mm_class lies past a PyCFunctionObject",
     "(long)&((PyCMethodObject *)0)->mm_class >= sizeof(PyCFunctionObject)", 1, ((3, 9), (3, 13))),
]


def per_series(table, series, what):
    hits = [v for rng, v in table if in_range(series, rng)]
    if len(hits) != 1:
        raise GenError("%s: %d entries cover %s" % (what, len(hits), series_str(series)))
    return hits[0]

# Structural checks: (query for the stripped type name of a field, accepted type names, series range).
TYPE_CHECKS = [
    ({"kind": "ftype", "type": "runtime", "path": "gc"}, ["struct _gc_runtime_state"], ((3, 7), (3, 8))),
    ({"kind": "ftype", "type": "interp", "path": "gc"}, ["struct _gc_runtime_state"], ((3, 9), (3, 13))),
    ({"kind": "ftype", "type": "gcstate", "path": "generations"}, ["struct gc_generation [3]"], R37),
    ({"kind": "ftype", "type": "gcstate", "path": "permanent_generation"}, ["struct gc_generation"], R37),
    ({"kind": "ftype", "type": "gcstate", "path": "generation_stats"}, ["struct gc_generation_stats [3]"], R37),
]

# A few values from docs/cpython-gc-internals.md (DWARF+live verified there) to compare against.
FACTS = {
    # 2.7: gcmodule.c's statics like 3.6; PyGC_Head is a 32-byte union with a double (8-aligned), so a
    # generation is 40 bytes; no generation statistics; the dict keeps its table (ma_mask, ma_table).
    "2.7": {"gc.headSize": 32, "gc.stateSize": None, "gc.enabled": None, "gc.debug": None, "gc.generations": None,
            "gc.generationSize": 40, "gc.generationThreshold": 32, "gc.generationCountField": 36,
            "gc.permanentGeneration": None, "gc.generationStats": None, "gc.collecting": None, "gc.garbage": None,
            "gc.statsSize": None, "gc.statsCollections": None, "gc.statsCollected": None,
            "gc.statsUncollectable": None, "runtime.size": None, "interpreter.id": None,
            "interpreter.threadStateThreadId": 144, "dict.used": 24, "dict.keys": None, "dict.values": None,
            "unicode.state": None, "unicode.kindShift": None, "unicode.compactShift": None, "unicode.asciiShift": None},
    # 3.6: no _PyRuntime; the gc state is gcmodule.c's statics (no struct, no permanent generation).
    "3.6": {"gc.headSize": 32, "gc.stateSize": None, "gc.enabled": None, "gc.debug": None, "gc.generations": None,
            "gc.generationSize": 48, "gc.generationThreshold": 32, "gc.generationCountField": 36,
            "gc.permanentGeneration": None, "gc.generationStats": None, "gc.collecting": None, "gc.garbage": None,
            "runtime.size": None, "interpreter.id": None, "interpreter.threadStateThreadId": 152},
    # 3.6/3.7 PyGC_Head is a 32-byte union (long double aligned), so a generation is 48 bytes.
    "3.7": {"runtime.size": 1520, "runtime.interpretersHead": 24, "runtime.interpretersMain": 32, "runtime.gc": 320,
            "gc.headSize": 32, "gc.stateSize": 352, "gc.generations": 32, "gc.generationSize": 48,
            "gc.generationThreshold": 32, "gc.generationCountField": 36, "gc.permanentGeneration": 192,
            "gc.generationStats": 240, "gc.collecting": 312, "gc.garbage": 320, "interpreter.id": 16,
            "interpreter.threadStateThreadId": 176},
    "3.8": {"runtime.size": 1464, "runtime.interpretersHead": 32, "runtime.interpretersMain": 40, "runtime.gc": 344,
            "type.heapName": 848, "type.heapQualname": 864, "dict.keysSize": 8, "dict.keysIndices": 40},
    "3.9": {"runtime.size": 656, "runtime.interpretersHead": 32, "interpreter.gc": 616, "interpreter.id": 24,
            "type.heapName": 840, "type.heapQualname": 856},
    "3.10": {"runtime.size": 672, "runtime.interpretersHead": 32, "interpreter.gc": 616, "interpreter.id": 24,
             "type.heapName": 848, "type.heapQualname": 864},
    "3.11": {"runtime.size": 166688, "runtime.interpretersHead": 40, "runtime.interpretersMain": 48,
             "interpreter.gc": 648, "interpreter.id": 48, "unicode.asciiSize": 48, "unicode.compactSize": 72,
             "dict.keysLog2Size": 8, "dict.keysKind": 10, "dict.keysEntryCount": 24, "dict.keysIndices": 32},
    "3.12": {"runtime.size": 459944, "runtime.interpretersHead": 40, "interpreter.gc": 112, "interpreter.id": 8,
             "type.heapName": 856, "type.heapQualname": 872, "unicode.asciiSize": 40, "unicode.compactSize": 56},
    "3.13": {"runtime.size": 283320, "runtime.interpretersHead": 632, "runtime.interpretersMain": 640,
             "interpreter.gc": 7400, "interpreter.next": 7264, "interpreter.id": 7272, "unicode.asciiSize": 40},
}
FACTS_ALL = {"gc.headSize": 16, "gc.stateSize": 240, "gc.enabled": 12, "gc.debug": 16, "gc.generations": 24,
             "gc.generationCount": 3, "gc.generationSize": 24, "gc.generationThreshold": 16,
             "gc.generationCountField": 20, "gc.permanentGeneration": 104, "gc.generationStats": 128,
             "gc.statsSize": 24, "gc.statsCollections": 0, "gc.statsCollected": 8, "gc.statsUncollectable": 16,
             "gc.collecting": 200, "gc.garbage": 208, "object.refcount": 0, "object.type": 8, "object.size": 16,
             "type.name": 24, "type.basicSize": 32, "type.itemSize": 40, "type.flags": 168, "type.base": 256,
             "type.dict": 264, "list.items": 24, "list.allocated": 32, "unicode.length": 16, "unicode.state": 32,
             "unicode.kindShift": 2, "unicode.compactShift": 5, "unicode.asciiShift": 6, "dict.used": 16,
             "dict.keys": 32, "dict.values": 40}

# ---------------------------------------------------------------------------------------------
# The part that runs inside gdb
# ---------------------------------------------------------------------------------------------

GDB_HELPER = r'''
import gdb, json, os, traceback

spec = json.load(open(os.environ["GEN_LAYOUTS_SPEC"]))
out = {"types": {}, "results": {}}


def resolve(names):
    """Return (name, gdb.Type) of the first complete type among names; all complete ones must agree."""
    found = []
    errors = []
    for n in names:
        try:
            t = gdb.parse_and_eval("(%s *)0" % n).type.target()
            size = t.strip_typedefs().sizeof
            if size <= 0 or not t.strip_typedefs().fields():
                errors.append("%s: incomplete" % n)
                continue
            found.append((n, t, size))
        except Exception as e:
            errors.append("%s: %s" % (n, e))
    if not found:
        raise LookupError("no complete type among %s (%s)" % (names, "; ".join(errors)))
    sizes = set(s for _, _, s in found)
    if len(sizes) != 1:
        raise LookupError("names disagree on size: %s" % [(n, s) for n, _, s in found])
    return found[0][0], found[0][1], [n for n, _, _ in found]


def walk(t, path):
    """Offset in bits and type of a dotted member path, descending through anonymous members."""
    bits = 0
    for name in path.split("."):
        st = t.strip_typedefs()
        hit = find_member(st, name)
        if hit is None:
            raise LookupError("%s has no member %s" % (st, name))
        b, f = hit
        bits += b
        t = f.type
        last = f
    return bits, last


def find_member(st, name):
    if st.code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        return None
    for f in st.fields():
        if f.name == name:
            return f.bitpos, f
    for f in st.fields():
        if not f.name:
            sub = find_member(f.type.strip_typedefs(), name)
            if sub is not None:
                return f.bitpos + sub[0], sub[1]
    return None


types = {}
for key, names in spec["types"].items():
    try:
        n, t, ok = resolve(names)
        types[key] = (n, t)
        out["types"][key] = {"name": n, "resolved": ok, "size": t.strip_typedefs().sizeof}
    except Exception as e:
        out["types"][key] = {"error": str(e)}

for qid, q in spec["queries"].items():
    try:
        k = q["kind"]
        if k == "symsize":
            sym = gdb.lookup_global_symbol(q["symbol"]) or gdb.lookup_static_symbol(q["symbol"])
            if sym is None:
                raise LookupError("no symbol %s" % q["symbol"])
            out["results"][qid] = {"value": sym.type.strip_typedefs().sizeof, "how": "symbol type size"}
            continue
        if k in ("filevar", "filevarcount"):
            # A variable of one source file, static or not: 'gcmodule.c'::generations. Its C type (or the
            # element count of an array).
            v = gdb.parse_and_eval("'%s'::%s" % (q["file"], q["name"]))
            t = v.type
            if k == "filevar":
                out["results"][qid] = {"value": str(t), "how": "'%s'::%s : %s" % (q["file"], q["name"], t)}
            else:
                at = t.strip_typedefs()
                if at.code != gdb.TYPE_CODE_ARRAY:
                    raise ValueError("'%s'::%s is not an array" % (q["file"], q["name"]))
                lo, hi = at.range()
                out["results"][qid] = {"value": hi - lo + 1, "how": "elements of '%s'::%s (%s)" % (q["file"], q["name"], t)}
            continue
        if k == "pyversion":
            out["results"][qid] = {"value": int(gdb.parse_and_eval("Py_Version")), "how": "Py_Version"}
            continue
        if k == "typeobj":
            # A static type object as initialised in the library's data: its tp_traverse function (name,
            # and its disassembly) and tp_basicsize. The symbol may also be a pointer to the type
            # (PyExc_BaseException is a `PyObject *` variable).
            sym = gdb.lookup_global_symbol(q["symbol"]) or gdb.lookup_static_symbol(q["symbol"])
            if sym is None:
                raise LookupError("no symbol %s" % q["symbol"])
            tp = gdb.lookup_type("PyTypeObject")
            v = sym.value()
            if v.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
                if int(v) == 0:
                    raise ValueError("%s is NULL in the library's data" % q["symbol"])
                v = v.cast(tp.pointer()).dereference()
            elif v.type.strip_typedefs() != tp.strip_typedefs():
                raise ValueError("%s is a %s, not a PyTypeObject" % (q["symbol"], v.type))
            fn = int(v["tp_traverse"])
            if fn == 0:
                raise ValueError("%s.tp_traverse is NULL in the library's data" % q["symbol"])
            block = gdb.block_for_pc(fn)
            while block is not None and block.function is None:
                block = block.superblock
            if block is None:
                raise LookupError("%s.tp_traverse = 0x%x is in no function" % (q["symbol"], fn))
            if block.start != fn:
                raise ValueError("%s.tp_traverse = 0x%x is not the start of %s (0x%x)" % (
                    q["symbol"], fn, block.function.name, block.start))
            gdb.execute("set disassembly-flavor att")
            text = gdb.execute("disassemble 0x%x" % fn, to_string=True)
            arch = gdb.execute("show architecture", to_string=True).strip()
            out["results"][qid] = {"value": {"function": block.function.name, "address": fn,
                                             "basicsize": int(v["tp_basicsize"]), "disassembly": text,
                                             "itemsize": int(v["tp_itemsize"]),
                                             "arch": arch, "name": v["tp_name"].string()},
                                   "how": "%s.tp_traverse" % q["symbol"]}
            continue
        if k == "typespec":
            # A PyType_Spec (heap types, e.g. _asyncio 3.12+): name, basicsize and its Py_tp_traverse slot.
            sym = gdb.lookup_global_symbol(q["symbol"]) or gdb.lookup_static_symbol(q["symbol"])
            if sym is None:
                raise LookupError("no symbol %s" % q["symbol"])
            v = sym.value()
            slots = v["slots"]
            fn, i = None, 0
            while True:
                slot = int(slots[i]["slot"])
                if slot == 0:
                    break
                if slot == 71:      # Py_tp_traverse (Include/typeslots.h, the same in every series)
                    if fn is not None:
                        raise ValueError("%s has two Py_tp_traverse slots" % q["symbol"])
                    fn = int(slots[i]["pfunc"])
                i += 1
                if i > 200:
                    raise ValueError("%s: no end of slots" % q["symbol"])
            if not fn:
                raise ValueError("%s has no Py_tp_traverse slot" % q["symbol"])
            block = gdb.block_for_pc(fn)
            while block is not None and block.function is None:
                block = block.superblock
            if block is None or block.start != fn:
                raise ValueError("%s: traverse 0x%x is not the start of a function" % (q["symbol"], fn))
            gdb.execute("set disassembly-flavor att")
            text = gdb.execute("disassemble 0x%x" % fn, to_string=True)
            arch = gdb.execute("show architecture", to_string=True).strip()
            out["results"][qid] = {"value": {"function": block.function.name, "address": fn,
                                             "basicsize": int(v["basicsize"]), "disassembly": text,
                                             "itemsize": int(v["itemsize"]),
                                             "arch": arch, "name": v["name"].string()},
                                   "how": "%s Py_tp_traverse slot" % q["symbol"]}
            continue
        if k == "disasm":
            # A function by name (e.g. _PyFrame_Traverse, which no type object points at).
            sym = gdb.lookup_global_symbol(q["function"]) or gdb.lookup_static_symbol(q["function"])
            if sym is None or sym.type.strip_typedefs().code != gdb.TYPE_CODE_FUNC:
                raise LookupError("no function %s" % q["function"])
            fn = int(sym.value().address)
            gdb.execute("set disassembly-flavor att")
            text = gdb.execute("disassemble 0x%x" % fn, to_string=True)
            arch = gdb.execute("show architecture", to_string=True).strip()
            out["results"][qid] = {"value": {"function": q["function"], "address": fn, "disassembly": text,
                                             "arch": arch}, "how": "function %s" % q["function"]}
            continue
        if k == "eval":
            out["results"][qid] = {"value": int(gdb.parse_and_eval(q["expr"])), "how": q["expr"]}
            continue
        if k == "enumval":
            # An enumerator: its value, and the largest value of its enum type.
            val = gdb.parse_and_eval(q["name"])
            et = val.type.strip_typedefs()
            if et.code != gdb.TYPE_CODE_ENUM:
                raise ValueError("%s is a %s, not an enumerator" % (q["name"], val.type))
            values = [int(f.enumval) for f in et.fields()]
            out["results"][qid] = {"value": int(val), "max": max(values),
                                   "how": "enumerator %s of %s (values %s)" % (q["name"], et, values)}
            continue
        if q["type"] not in types:
            raise LookupError("type %s unresolved: %s" % (q["type"], out["types"][q["type"]].get("error")))
        name, t = types[q["type"]]
        if k == "size":
            v = int(gdb.parse_and_eval("sizeof(%s)" % name))
            w = t.strip_typedefs().sizeof
            if v != w:
                raise ValueError("sizeof(%s) %d != type size %d" % (name, v, w))
            out["results"][qid] = {"value": v, "how": "sizeof(%s)" % name}
        elif k == "offset":
            bits, f = walk(t, q["path"])
            if bits % 8 or f.bitsize:
                raise ValueError("%s.%s is not byte aligned / is a bitfield" % (name, q["path"]))
            v = int(gdb.parse_and_eval("(long)&((%s *)0)->%s" % (name, q["path"])))
            if v != bits // 8:
                raise ValueError("offsetof %s.%s: expression %d != fields() %d" % (name, q["path"], v, bits // 8))
            out["results"][qid] = {"value": v, "how": "offsetof(%s, %s)" % (name, q["path"])}
        elif k == "bit":
            _, f = walk(t, q["path"])
            hit = find_member(f.type.strip_typedefs(), q["member"])
            if hit is None:
                raise LookupError("%s.%s has no member %s" % (name, q["path"], q["member"]))
            if not hit[1].bitsize:
                raise ValueError("%s.%s.%s is not a bitfield" % (name, q["path"], q["member"]))
            out["results"][qid] = {"value": hit[0], "how": "bitpos(%s.%s.%s) width %d" % (
                name, q["path"], q["member"], hit[1].bitsize)}
        elif k == "count":
            _, f = walk(t, q["path"])
            at = f.type.strip_typedefs()
            if at.code != gdb.TYPE_CODE_ARRAY:
                raise ValueError("%s.%s is not an array" % (name, q["path"]))
            lo, hi = at.range()
            n = hi - lo + 1
            if n * at.target().strip_typedefs().sizeof != at.sizeof:
                raise ValueError("array size mismatch for %s.%s" % (name, q["path"]))
            out["results"][qid] = {"value": n, "how": "elements of %s.%s (%s)" % (name, q["path"], at)}
        elif k == "ftype":
            _, f = walk(t, q["path"])
            out["results"][qid] = {"value": str(f.type.strip_typedefs()), "how": "type of %s.%s" % (name, q["path"])}
        elif k == "pointee":
            _, f = walk(t, q["path"])
            pt = f.type.strip_typedefs()
            if pt.code != gdb.TYPE_CODE_PTR:
                raise ValueError("%s.%s is not a pointer" % (name, q["path"]))
            out["results"][qid] = {"value": pt.target().strip_typedefs().sizeof,
                                   "how": "sizeof(*%s.%s) (%s)" % (name, q["path"], pt.target())}
        else:
            raise ValueError("unknown query kind %s" % k)
    except Exception as e:
        out["results"][qid] = {"error": "%s: %s" % (type(e).__name__, e)}

print("@@GEN-LAYOUTS-JSON@@" + json.dumps(out))
'''

# ---------------------------------------------------------------------------------------------
# Host side
# ---------------------------------------------------------------------------------------------


class GenError(Exception):
    pass


def series_str(s):
    return "%d.%d" % s


def in_range(s, r):
    return r[0] <= s <= r[1]


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
    with tempfile.TemporaryDirectory(prefix="gen-layouts.") as tmp:
        helper = os.path.join(tmp, "helper.py")
        spec = os.path.join(tmp, "spec.json")
        with open(helper, "w") as f:
            f.write(GDB_HELPER)
        with open(spec, "w") as f:
            json.dump({"types": TYPES if types is None else types, "queries": queries}, f)
        env = dict(os.environ, GEN_LAYOUTS_SPEC=spec)
        cmd = [gdb, "-q", "-batch", "-nx", "-iex", "set debuginfod enabled off", "-iex", "set auto-load off",
               "-iex", "set pagination off", lib, "-x", helper]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    for line in r.stdout.splitlines():
        if line.startswith("@@GEN-LAYOUTS-JSON@@"):
            return json.loads(line[len("@@GEN-LAYOUTS-JSON@@"):])
    raise GenError("gdb on %s produced no result (exit %d):\n%s\n%s" % (lib, r.returncode, r.stdout, r.stderr))


def layout_subqueries(qid, q):
    """[(query id, query)] for one LAYOUT field: itself, or one per alternative of a q_alt."""
    if q["kind"] == "alt":
        return [("%s#%d" % (qid, i), sq) for i, (_, sq) in enumerate(q["alts"])]
    return [(qid, q)]


def extract(build, gdb, disasm_check=True):
    """Resolve every field for one build. Returns {struct: {label: int|None}} and the provenance."""
    s = build["series"]
    build["gdb"] = gdb      # for the extension modules' own sessions (2.7's _collections)
    queries = {}
    for group, _, fields in LAYOUT:
        for label, q, _ in fields:
            for qid, sq in layout_subqueries("%s.%s" % (group, label), q):
                queries[qid] = sq
                if "accept" in sq:
                    queries[qid + ".ftype"] = dict(sq, kind="ftype")
    for key, entry in TRAVERSE.items():
        queries["trav.%s" % key] = {"kind": "typeobj", "symbol": key}
        queries["trav.%s.sizeof" % key] = q_size(entry["struct"])
        for path in traverse_paths(key, s):
            queries["trav.%s.%s" % (key, path)] = q_off(entry["struct"], path)
            queries["trav.%s.%s.ftype" % (key, path)] = {"kind": "ftype", "type": entry["struct"], "path": path}
        for rng, struct, lpaths in entry.get("left_out", []):
            if in_range(s, rng):
                for path in lpaths:
                    queries["trav.%s.left_out.%s" % (key, path)] = q_off(struct, path)
    for i, (q, _, _) in enumerate(TYPE_CHECKS):
        queries["check.type%d" % i] = q
    for group, role, file, name, _, _ in STATICS:
        queries["static.%s.%s" % (group, role)] = {"kind": "filevar", "file": file, "name": name}
    queries["check.symsize"] = {"kind": "symsize", "symbol": "_PyRuntime"}
    if s >= (3, 11):
        queries["check.pyversion"] = {"kind": "pyversion"}
    queries.update(frame_queries(s))
    queries.update(extra_queries(s))
    res = run_gdb(gdb, build["lib"], queries)
    R = res["results"]
    errors = []
    values = {}
    how = {}
    for group, _, fields in LAYOUT:
        values[group] = {}
        for label, q, rng in fields:
            qid = "%s.%s" % (group, label)
            # the query that must resolve in this series (None: the field is nil here); the others must not
            subs = layout_subqueries(qid, q)
            if q["kind"] == "alt":
                covering = [(sid, sq) for (sid, sq), (arng, _) in zip(subs, q["alts"]) if in_range(s, tuple(map(tuple, arng)))]
                if len(covering) != (1 if in_range(s, rng) else 0):
                    errors.append("%s: LAYOUT %s: %d alternatives cover this series" % (series_str(s), qid, len(covering)))
                    continue
            else:
                covering = subs if in_range(s, rng) else []
            bad_absent = False
            for sid, sq in subs:
                if (sid, sq) in covering:
                    continue
                r = R[sid]
                if "error" not in r:
                    errors.append("%s: %s is declared absent for this series but the DWARF has it (%s = %s); "
                                  "update LAYOUT" % (series_str(s), qid, r["how"], r["value"]))
                    bad_absent = True
            if bad_absent:
                continue
            if covering:
                sid, sq = covering[0]
                r = R[sid]
                if "error" in r:
                    errors.append("%s: cannot resolve %s: %s" % (series_str(s), qid, r["error"]))
                    continue
                if not isinstance(r["value"], int) or r["value"] < 0:
                    errors.append("%s: %s resolved to %r" % (series_str(s), qid, r["value"]))
                    continue
                if "accept" in sq:
                    rt = R[sid + ".ftype"]
                    if "error" in rt or rt["value"] not in sq["accept"]:
                        errors.append("%s: %s (%s) has type %r, expected one of %s" % (
                            series_str(s), qid, r["how"], rt.get("value", rt.get("error")), sq["accept"]))
                        continue
                values[group][label] = r["value"]
                how[qid] = r["how"] + (" : %s" % R[sid + ".ftype"]["value"] if "accept" in sq else "")
            else:
                values[group][label] = None
                how[qid] = "absent (%s)" % "; ".join(R[sid]["error"].split(": ", 1)[-1] for sid, _ in subs)
    # statics standing in for a structure (3.6)
    for group in STATIC_GROUPS:
        values[group]["statics"] = {}
    for group, role, file, name, accepted, rng in STATICS:
        r = R["static.%s.%s" % (group, role)]
        if not in_range(s, rng):
            if "error" not in r:
                errors.append("%s: %s exists (%s): STATICS is stale" % (series_str(s), name, r["how"]))
            continue
        if "error" in r:
            errors.append("%s: cannot resolve '%s'::%s: %s" % (series_str(s), file, name, r["error"]))
        elif r["value"] not in accepted:
            errors.append("%s: '%s'::%s is a %s, expected one of %s" % (series_str(s), file, name, r["value"], accepted))
        else:
            values[group]["statics"][role] = "%s:%s" % (file, name)
            how["static.%s.%s" % (group, role)] = r["how"]
    # structural checks
    for i, (q, accepted, rng) in enumerate(TYPE_CHECKS):
        if not in_range(s, rng):
            continue
        r = R["check.type%d" % i]
        if "error" in r:
            errors.append("%s: check %s.%s: %s" % (series_str(s), q["type"], q["path"], r["error"]))
        elif r["value"] not in accepted:
            errors.append("%s: %s.%s has type %r, expected one of %s" % (series_str(s), q["type"], q["path"],
                                                                         r["value"], accepted))
    r = R["check.symsize"]
    if s < (3, 7):
        if "error" not in r:
            errors.append("%s: _PyRuntime exists: LAYOUT's runtime group is stale" % series_str(s))
    elif "error" in r:
        errors.append("%s: _PyRuntime symbol: %s" % (series_str(s), r["error"]))
    elif values["runtime"].get("size") is not None and r["value"] != values["runtime"]["size"]:
        errors.append("%s: sizeof(_PyRuntimeState) %d != size of _PyRuntime %d" % (
            series_str(s), values["runtime"]["size"], r["value"]))
    if "check.pyversion" in R:
        r = R["check.pyversion"]
        want = tuple(int(x) for x in build["version"].split("."))
        if "error" in r:
            errors.append("%s: Py_Version: %s" % (series_str(s), r["error"]))
        elif (r["value"] >> 24, (r["value"] >> 16) & 0xff, (r["value"] >> 8) & 0xff) != want:
            errors.append("%s: Py_Version 0x%08x in %s but its interpreter says %s" % (
                series_str(s), r["value"], build["lib"], build["version"]))
    # pointerFields: DWARF offsets of the listed members, checked against the compiled traverse function
    pointer_fields, pointer_names = {}, {}
    for key, entry in sorted(TRAVERSE.items()):
        if not traverse_exists(key, s):
            if "error" not in R["trav.%s" % key]:
                errors.append("%s: %s exists: its TRAVERSE \"exists\" range is stale" % (series_str(s), key))
            continue
        paths = traverse_paths(key, s)
        offsets, failed = [], False
        for path in paths:
            r, rt = R["trav.%s.%s" % (key, path)], R["trav.%s.%s.ftype" % (key, path)]
            if "error" in r or "error" in rt:
                errors.append("%s: %s: cannot resolve %s.%s: %s" % (series_str(s), key, entry["struct"], path,
                                                                   r.get("error") or rt.get("error")))
                failed = True
                continue
            if not rt["value"].endswith("*"):
                errors.append("%s: %s: %s.%s is a %s, not a pointer" % (series_str(s), key, entry["struct"], path,
                                                                       rt["value"]))
                failed = True
            offsets.append(r["value"])
            how["trav.%s.%s" % (key, path)] = r["how"]
        if failed:
            continue
        if len(set(offsets)) != len(offsets):
            errors.append("%s: %s: two listed fields share an offset: %s" % (series_str(s), key, offsets))
            continue
        t, size = R["trav.%s" % key], R["trav.%s.sizeof" % key]
        if "error" in t or "error" in size:
            errors.append("%s: %s: %s" % (series_str(s), key, t.get("error") or size.get("error")))
            continue
        info = t["value"]
        function = entry["function"] if isinstance(entry["function"], str) else \
            per_series(entry["function"], s, key + " function")
        if info["function"] != function:
            errors.append("%s: %s.tp_traverse is %s, TRAVERSE says %s" % (series_str(s), key, info["function"],
                                                                         function))
            continue
        if info["basicsize"] != size["value"]:
            errors.append("%s: %s.tp_basicsize %d != %s %d: wrong struct for this type" % (
                series_str(s), key, info["basicsize"], size["how"], size["value"]))
            continue
        left_out = []
        for rng, struct, lpaths in entry.get("left_out", []):
            if in_range(s, rng):
                for path in lpaths:
                    r = R["trav.%s.left_out.%s" % (key, path)]
                    if "error" in r:
                        errors.append("%s: %s: cannot resolve left-out %s.%s: %s" % (series_str(s), key, struct,
                                                                                    path, r["error"]))
                        failed = True
                    else:
                        left_out.append(r["value"])
                        how["trav.%s.left_out.%s" % (key, path)] = r["how"] + " (visited, deliberately left out)"
        if failed:
            continue
        if set(left_out) & set(offsets):
            errors.append("%s: %s: a left-out offset is also listed: %s" % (series_str(s), key, left_out))
            continue
        if disasm_check:
            if "x86-64" not in info["arch"]:
                errors.append("%s: cannot check traverse functions on %s (x86-64 only); pass --no-disasm-check "
                              "to trust TRAVERSE unchecked" % (series_str(s), info["arch"]))
                continue
            seen, problems, delegations = visited_offsets(info["disassembly"], info["function"])
            missing_left_out = sorted(set(left_out) - set(seen))
            if missing_left_out:
                errors.append("%s: %s: the compiled %s does not visit the left-out offsets %s: TRAVERSE is stale" % (
                    series_str(s), key, info["function"], missing_left_out))
            seen = [o for o in seen if o not in left_out]
            if problems:
                errors.append("%s: %s: %s" % (series_str(s), info["function"], "; ".join(problems)))
            if delegations and not (entry.get("delegates") and all(d.startswith("indirect") for d in delegations)):
                errors.append("%s: %s hands visit to other functions (%s): it visits more than fields" % (
                    series_str(s), info["function"], "; ".join(delegations)))
            if len(set(seen)) != len(seen):
                errors.append("%s: %s visits an offset twice: %s" % (series_str(s), info["function"], seen))
            missing = [p for p, o in zip(paths, offsets) if o not in seen]
            extra = sorted(set(seen) - set(offsets))
            if missing:
                errors.append("%s: %s: TRAVERSE lists %s but the compiled %s does not visit %s" % (
                    series_str(s), key, ", ".join(missing), info["function"],
                    "them" if len(missing) > 1 else "it"))
            if extra:
                errors.append("%s: %s: the compiled %s also visits offsets %s, missing from TRAVERSE" % (
                    series_str(s), key, info["function"], extra))
            order = "" if seen == offsets else " (compiled order %s)" % seen
            how["trav.%s" % key] = "%s at 0x%x: visits %s%s" % (info["function"], info["address"], offsets, order)
        else:
            how["trav.%s" % key] = "%s at 0x%x: NOT checked against its code" % (info["function"], info["address"])
        pointer_fields[key] = offsets
        pointer_names[key] = list(zip(paths, offsets))
    values["traversal"]["pointerFields"] = pointer_fields
    build["pointer_names"] = pointer_names
    # FrameTraversalLayout: libpython facts from this session, asyncioFields from the _asyncio extension
    frames, fhow, fnames, ferrors = frame_values(build, R, gdb, disasm_check)
    errors += ferrors
    how.update(fhow)
    try:
        aio, ahow, anames, aerrors = asyncio_values(build, gdb, disasm_check)
    except GenError as e:
        aio, ahow, anames, aerrors = {}, {}, {}, [str(e)]
    errors += aerrors
    how.update(ahow)
    frames["asyncioFields"] = aio
    fnames.update(anames)
    ext, ehow, enames, eerrors = extra_values(build, R, values, disasm_check)
    errors += eerrors
    how.update(ehow)
    frames.update(ext)
    fnames.update(enames)
    values["frames"] = frames
    build["frame_names"] = fnames
    # derived consistency
    g = values["gc"]
    if not errors:
        if g["generationThreshold"] < g["headSize"] or g["generationCountField"] < g["headSize"]:
            errors.append("%s: gc_generation fields overlap its head" % series_str(s))
        if g["permanentGeneration"] is not None and \
                g["permanentGeneration"] < g["generations"] + g["generationCount"] * g["generationSize"]:
            errors.append("%s: permanent_generation overlaps generations[]" % series_str(s))
    if errors:
        raise GenError("\n".join(errors))
    return values, how, res["types"]


# ---------------------------------------------------------------------------------------------
# FrameTraversalLayout: queries, resolution and the check against the compiled traverse functions
# ---------------------------------------------------------------------------------------------


def frame_queries(s):
    """gdb queries (libpython session) for FrameTraversalLayout in series s."""
    q = {}
    for label, query, rng, _, _ in FRAME_SCALARS:
        if query["kind"] == "enumval" and not in_range(s, rng):
            continue                                    # e.g. 3.10 has FRAME_CLEARED, but no gi_frame_state
        q["frames.%s" % label] = query
        if query["kind"] == "offset":
            q["frames.%s.ftype" % label] = dict(query, kind="ftype")
    for i, (query, _) in enumerate(FRAME_ABSENT):
        q["frames.absent%d" % i] = query
    for label, (struct, table) in FRAME_FIELD_LISTS.items():
        for path in per_series(table, s, label):
            q["frames.%s.%s" % (label, path)] = q_off(struct, path)
            q["frames.%s.%s.ftype" % (label, path)] = {"kind": "ftype", "type": struct, "path": path}
    q["frames.type.PyFrame_Type"] = {"kind": "typeobj", "symbol": "PyFrame_Type"}
    q["frames.sizeof.frame"] = q_size("frame")
    if s >= (3, 11):
        q["frames.frame_data"] = q_off("frame", "_f_frame_data")
        q["frames.disasm._PyFrame_Traverse"] = {"kind": "disasm", "function": "_PyFrame_Traverse"}
    for key, entry in generators(s):
        q["frames.type.%s" % key] = {"kind": "typeobj", "symbol": key}
        q["frames.sizeof.%s" % key] = q_size(entry["struct"])
        if s >= (3, 11):
            q["frames.%s.iframe" % key] = q_off(entry["struct"], "%s_iframe" % entry["prefix"])
            q["frames.%s.state" % key] = q_off(entry["struct"], "%s_frame_state" % entry["prefix"])
        for path in per_series(entry["fields"], s, key):
            q["frames.%s.%s" % (key, path)] = q_off(entry["struct"], path)
            q["frames.%s.%s.ftype" % (key, path)] = {"kind": "ftype", "type": entry["struct"], "path": path}
    # code objects: not a GC type (tp_traverse NULL, no Py_TPFLAGS_HAVE_GC = 1 << 14) in any series
    q["frames.code.traverse"] = {"kind": "eval", "expr": "(long)PyCode_Type.tp_traverse"}
    q["frames.code.flags"] = {"kind": "eval", "expr": "(long)PyCode_Type.tp_flags"}
    return q


def asyncio_so(build):
    series = build["series"]
    pattern = os.path.join(os.path.dirname(build["lib"]), "python%d.%d" % series, "lib-dynload",
                           "_asyncio.cpython-%d%d*.so" % series)
    hits = sorted(glob.glob(pattern))
    if len(hits) != 1:
        raise GenError("%s: expected one _asyncio extension at %s, found %s" % (series_str(series), pattern, hits))
    return hits[0]


def _resolve(R, qid, errors, s, accepted=None):
    r = R.get(qid, {"error": "not queried"})
    if "error" in r:
        errors.append("%s: cannot resolve %s: %s" % (series_str(s), qid, r["error"]))
        return None
    if accepted is not None:
        rt = R.get(qid + ".ftype", {"error": "not queried"})
        if "error" in rt:
            errors.append("%s: type of %s: %s" % (series_str(s), qid, rt["error"]))
            return None
        if rt["value"] not in accepted and not (accepted == ["*"] and rt["value"].endswith("*")):
            errors.append("%s: %s has type %r, expected %s" % (series_str(s), qid, rt["value"], accepted))
            return None
    return r["value"]


def _check_trace(s, what, info, expected_visits, errors, how, delegates=(), reads=(), compares=()):
    """Trace a traverse function: visits must equal expected_visits (rendered expressions, as a set),
    the calls handed `visit` must be exactly `delegates` ([(name, rendered rdi, required guard or None)];
    guard: a list of accepted (compare, condition) pairs; None: the call must be unconditional), and
    every listed read / compare must occur."""
    if "x86-64" not in info["arch"]:
        errors.append("%s: cannot check %s on %s (x86-64 only); pass --no-disasm-check" % (
            series_str(s), what, info["arch"]))
        return None
    tr = trace_function(info["disassembly"], info["function"])
    bad = []
    if tr["problems"]:
        bad.append("; ".join(tr["problems"]))
    if len(set(tr["visits"])) != len(tr["visits"]):
        bad.append("visits something twice: %s" % tr["visits"])
    want = set(e_render(e) for e in expected_visits)
    if set(tr["visits"]) != want:
        bad.append("visits %s, expected %s (missing %s, unexpected %s)" % (
            sorted(tr["visits"]), sorted(want), sorted(want - set(tr["visits"])), sorted(set(tr["visits"]) - want)))
    got_del = [(d["target"], d["rdi"]) for d in tr["delegates"]]
    want_del = [(name, e_render(rdi)) for name, rdi, _ in delegates]
    # a delegate's name may be a set of equivalent renderings (e.g. PyDict_Type.tp_traverse via either GOT slot)
    if len(got_del) == len(want_del) and all(isinstance(w[0], (set, frozenset)) and g[0] in w[0] and g[1] == w[1]
                                             for g, w in zip(got_del, want_del) if isinstance(w[0], (set, frozenset))):
        want_del = [(g[0], w[1]) if isinstance(w[0], (set, frozenset)) else w for g, w in zip(got_del, want_del)]
    if got_del != want_del:
        bad.append("hands visit to %s, expected %s" % (got_del, want_del))
    else:
        for d, (name, _, guard) in zip(tr["delegates"], delegates):
            if not d["ok_args"]:
                bad.append("%s is not called as (x, visit, arg): %s" % (name, d["text"]))
            if guard is None:
                if not unconditional(tr, d):
                    bad.append("the call to %s is conditional; it cannot be flattened" % name)
            else:
                g = guards(tr, d)
                if len(g) != 1 or g[0] not in guard:
                    bad.append("the call to %s is guarded by %s, expected one of %s" % (name, g, guard))
                else:
                    how["%s.guard" % what] = "%s when %s %s %s" % (name, g[0][0][0], g[0][1], g[0][0][1])
    for r in reads:
        if e_render(r) not in tr["reads"]:
            bad.append("does not read %s" % e_render(r))
    for left, right in compares:
        if (e_render(left), e_render(right)) not in tr["compares"]:
            bad.append("does not compare %s with %s (compares: %s)" % (e_render(left), e_render(right),
                                                                       tr["compares"]))
    if bad:
        errors.append("%s: %s (%s at 0x%x): %s" % (series_str(s), what, info["function"], info["address"],
                                                   "; ".join(bad)))
        return None
    how[what] = "%s at 0x%x: visits %s%s" % (info["function"], info["address"], tr["visits"],
                                             "; calls %s" % got_del if got_del else "")
    return tr


def frame_values(build, R, gdb, disasm_check):
    """Resolve and check FrameTraversalLayout for one build. Returns (values, how, pairs, errors)."""
    s = build["series"]
    errors, how, v, names = [], {}, {}, {}
    # scalars
    for label, query, rng, accepted, nil_checked in FRAME_SCALARS:
        qid = "frames.%s" % label
        if in_range(s, rng):
            val = _resolve(R, qid, errors, s, accepted if query["kind"] == "offset" else None)
            v[label] = val
            if val is not None:
                how[qid] = R[qid]["how"]
        else:
            v[label] = None
            if nil_checked and "error" not in R.get(qid, {"error": "-"}):
                errors.append("%s: %s is declared absent for this series but the DWARF has it (%s)" % (
                    series_str(s), qid, R[qid]["how"]))
    for i, (query, rng) in enumerate(FRAME_ABSENT):
        if in_range(s, rng) and "error" not in R["frames.absent%d" % i]:
            errors.append("%s: %s.%s exists: FRAMES is stale" % (series_str(s), query["type"], query["path"]))
    if v.get("generatorFrameCleared") is not None:
        r = R["frames.generatorFrameCleared"]
        if r["max"] != r["value"]:
            errors.append("%s: FRAME_CLEARED (%d) is not the largest PyFrameState (%d)" % (
                series_str(s), r["value"], r["max"]))
    # fixed field lists
    for label, (struct, table) in FRAME_FIELD_LISTS.items():
        offs, pairs = [], []
        for path in per_series(table, s, label):
            o = _resolve(R, "frames.%s.%s" % (label, path), errors, s, ["*"])
            offs.append(o)
            pairs.append((path, o))
        v[label], names[label] = offs, pairs
    gen_fields = {}
    for key, entry in generators(s):
        offs, pairs = [], []
        for path in per_series(entry["fields"], s, key):
            o = _resolve(R, "frames.%s.%s" % (key, path), errors, s, ["*"])
            offs.append(o)
            pairs.append((path, o))
        gen_fields[key], names[key] = offs, pairs
        if s >= (3, 11):
            for part, label in (("iframe", "generatorInterpreterFrame"), ("state", "generatorFrameState")):
                o = _resolve(R, "frames.%s.%s" % (key, part), errors, s)
                if o is not None and o != v.get(label):
                    errors.append("%s: %s: %s_%s at %s, gi_ at %s" % (series_str(s), key, entry["prefix"], part,
                                                                      o, v.get(label)))
    v["generatorFields"] = gen_fields
    # code objects are no GC type
    ct, cf = R["frames.code.traverse"], R["frames.code.flags"]
    if "error" in ct or "error" in cf or ct["value"] != 0 or cf["value"] & (1 << 14):
        errors.append("%s: PyCode_Type is a GC type here (tp_traverse %s, flags %s): not handled" % (
            series_str(s), ct.get("value", ct.get("error")), cf.get("value", cf.get("error"))))
    else:
        how["frames.PyCode_Type"] = "tp_traverse NULL, no Py_TPFLAGS_HAVE_GC: not a GC type"
    if errors:
        return v, how, names, errors

    # type objects -> functions and struct sizes
    def typeinfo(key, function, basicsize):
        r = R["frames.type.%s" % key]
        if "error" in r:
            errors.append("%s: %s: %s" % (series_str(s), key, r["error"]))
            return None
        info = r["value"]
        if info["function"] != function:
            errors.append("%s: %s.tp_traverse is %s, expected %s" % (series_str(s), key, info["function"], function))
            return None
        if info["basicsize"] != basicsize:
            errors.append("%s: %s.tp_basicsize %d, expected %d" % (series_str(s), key, info["basicsize"], basicsize))
            return None
        return info

    if s < (3, 11):
        frame_info = typeinfo("PyFrame_Type", "frame_traverse", R["frames.sizeof.frame"]["value"])
    else:   # variable-size: the embedded _PyInterpreterFrame's localsplus start the items
        frame_info = typeinfo("PyFrame_Type", "frame_traverse",
                              R["frames.frame_data"]["value"] + v["interpreterFrameLocalsPlus"])
    gen_infos = {}
    for key, entry in generators(s):
        size = R["frames.sizeof.%s" % key]["value"] if s < (3, 11) else \
            v["generatorInterpreterFrame"] + v["interpreterFrameLocalsPlus"]
        gen_infos[key] = typeinfo(key, entry["function"], size)
    if errors or not disasm_check:
        if not disasm_check:
            how["frames"] = "NOT checked against the compiled code (--no-disasm-check)"
        return v, how, names, errors

    # the compiled code
    f = lambda d, base=OBJ, width=8: e_field(d, base, width)     # noqa: E731
    fields = [f(d) for d in v["frameFields"]]
    if s < (3, 11):
        code = f(v["frameCode"])
        nlocals = e_field(v["codeNlocals"], code, 4)
        # Py_SIZE of the tuples: ob_size (2.7 adds them into an int, so the compiled code reads 4 bytes)
        width = 8 if in_range(s, PY3) else 4
        cells = e_field(16, f(v["codeCellvars"], code), width)
        frees = e_field(16, f(v["codeFreevars"], code), width)
        visits = fields + [e_load(("iter", e_add(OBJ, v["frameLocalsPlus"]), 8))]
        if s < (3, 10):
            stack = ("iter", f(v["frameValueStack"]), 8)
            visits.append(e_load(stack))
            compares = [(stack, f(v["frameStackTop"]))]
        else:
            i = ("iter", ("const", 0), 1)
            visits.append(e_load(("index", f(v["frameValueStack"]), i, 8)))
            compares = [(i, f(v["frameStackDepth"], OBJ, 4))]
        _check_trace(s, "frame_traverse", frame_info, visits, errors, how, reads=[nlocals, cells, frees],
                     compares=compares)
    else:
        iframe = f(v["frameInterpreterFrame"])
        owner = (e_render(e_field(v["interpreterFrameOwner"], iframe, 1)), str(v["ownedByFrameObject"]))
        _check_trace(s, "frame_traverse", frame_info, fields, errors, how,
                     delegates=[("_PyFrame_Traverse", iframe, [(owner, "je")])])
        r = R["frames.disasm._PyFrame_Traverse"]
        if "error" in r:
            errors.append("%s: _PyFrame_Traverse: %s" % (series_str(s), r["error"]))
        else:
            i = ("iter", ("const", 0), 1)
            visits = [f(d) for d in v["interpreterFrameFields"]] + \
                [e_load(("index", e_add(OBJ, v["interpreterFrameLocalsPlus"]), i, 8))]
            _check_trace(s, "_PyFrame_Traverse", r["value"], visits, errors, how,
                         compares=[(i, f(v["interpreterFrameStackTop"], OBJ, 4))])
    for key, entry in generators(s):
        delegates = []
        if s >= (3, 11):
            state = e_render(e_field(v["generatorFrameState"], OBJ, 1))
            cleared = v["generatorFrameCleared"]
            # gi_frame_state < FRAME_CLEARED; `!=` is the same only because FRAME_CLEARED is the largest state
            accepted = [((state, str(cleared - 1)), "jle"), ((state, str(cleared)), "jl"),
                        ((state, str(cleared)), "jne")]
            delegates = [("_PyFrame_Traverse", e_add(OBJ, v["generatorInterpreterFrame"]), accepted)]
        _check_trace(s, "frames.%s" % key, gen_infos[key], [f(d) for d in gen_fields[key]], errors, how,
                     delegates=delegates)
    return v, how, names, errors


def asyncio_values(build, gdb, disasm_check):
    """asyncioFields for one build, from its _asyncio extension. Returns (fields, how, names, errors)."""
    s = build["series"]
    if not in_range(s, PY3):
        return {}, {}, {}, []       # no _asyncio before 3.4
    so = asyncio_so(build)
    q = {}
    for key, entry in ASYNCIO.items():
        if s < (3, 12):
            q["aio.type.%s" % key] = {"kind": "typeobj", "symbol": entry["static"]}
        else:
            q["aio.type.%s" % key] = {"kind": "typespec", "symbol": entry["spec"]}
        q["aio.sizeof.%s" % key] = q_size(entry["struct"])
        for path in per_series(entry["fields"], s, key):
            q["aio.%s.%s" % (key, path)] = q_off(entry["struct"], path)
            q["aio.%s.%s.ftype" % (key, path)] = {"kind": "ftype", "type": entry["struct"], "path": path}
    # the Task starts with the Future's fields (FutureObj_HEAD): each Future path at the same offset
    for path in per_series(ASYNCIO["_asyncio.Future"]["fields"], s, "_asyncio.Future"):
        tpath = re.sub(r"^fut_", "task_", path)
        q["aio.prefix.%s" % path] = q_off("task", tpath)
    for key, entry in ASYNCIO_MORE.items():
        if in_range(s, entry["exists"]):
            q.update(_plain_queries("aio.more.%s" % key, entry, s,
                                    ("static", entry["static"]) if s < (3, 12) else ("spec", entry["spec"])))
    for sym, _ in ASYNCIO_ABSENT:
        q["aio.absent.%s" % sym] = {"kind": "eval", "expr": "(long)&%s" % sym}
    if (3, 7) <= s < (3, 12):
        q["aio.holder.traverse"] = {"kind": "eval", "expr": "(long)PyRunningLoopHolder_Type.tp_traverse"}
        q["aio.holder.flags"] = {"kind": "eval", "expr": "(long)PyRunningLoopHolder_Type.tp_flags"}
    R = run_gdb(gdb, so, q, types=ASYNCIO_TYPES)["results"]
    errors, how, out, names, infos = [], {"aio.so": so}, {}, {}, {}
    # the other _asyncio types (plain fields, keyed by their per-series tp_name)
    for key, entry in ASYNCIO_MORE.items():
        if not in_range(s, entry["exists"]):
            continue
        name = per_series(entry["names"], s, key)
        offs, pairs = _plain_check(s, "aio.more.%s" % key, R, entry, name, errors, how, disasm_check)
        if offs is not None:
            out[name], names[name] = offs, pairs
    for sym, rng in ASYNCIO_ABSENT:
        if in_range(s, rng) and "error" not in R["aio.absent.%s" % sym]:
            errors.append("%s: %s exists in %s: ASYNCIO_MORE is stale" % (series_str(s), sym, os.path.basename(so)))
    if (3, 7) <= s < (3, 12):
        t, fl = R["aio.holder.traverse"], R["aio.holder.flags"]
        if "error" in t or "error" in fl or t["value"] != 0 or fl["value"] & (1 << 14):
            errors.append("%s: _RunningLoopHolder is a GC type here (tp_traverse %s, flags %s): not handled" % (
                series_str(s), t.get("value", t.get("error")), fl.get("value", fl.get("error"))))
        else:
            how["aio._RunningLoopHolder"] = "tp_traverse NULL, no Py_TPFLAGS_HAVE_GC: not a GC type"
    for key, entry in ASYNCIO.items():
        offs, pairs = [], []
        for path in per_series(entry["fields"], s, key):
            o = _resolve(R, "aio.%s.%s" % (key, path), errors, s, ["*"])
            offs.append(o)
            pairs.append((path, o))
        out[key], names[key] = offs, pairs
        t, size = R["aio.type.%s" % key], R["aio.sizeof.%s" % key]
        if "error" in t or "error" in size:
            errors.append("%s: %s: %s" % (series_str(s), key, t.get("error") or size.get("error")))
            continue
        info = t["value"]
        if info["name"] != key or info["function"] != entry["function"] or info["basicsize"] != size["value"]:
            errors.append("%s: %s: type %r traverse %s basicsize %d; expected %s, %s, %d" % (
                series_str(s), key, info["name"], info["function"], info["basicsize"], key, entry["function"],
                size["value"]))
            continue
        infos[key] = info
        how["aio.%s" % key] = "%s (%s)" % (t["how"], os.path.basename(so))
    fut = out["_asyncio.Future"]
    for path, o in names["_asyncio.Future"]:
        p = R["aio.prefix.%s" % path]
        if "error" in p or p["value"] != o:
            errors.append("%s: TaskObj does not start with FutureObj: %s at %s in the Future, %s in the Task" % (
                series_str(s), path, o, p.get("value", p.get("error"))))
    if errors:
        return out, how, names, errors
    task_own = out["_asyncio.Task"]
    mode = per_series(ASYNCIO["_asyncio.Task"]["future"], s, "Task future part")
    flat = task_own + [o for o in fut if o not in task_own]
    if disasm_check:
        for key, entry in ASYNCIO.items():
            extra = [(name, OBJ, None) for name in per_series(entry.get("delegates", [(ALL, [])]), s, key)] \
                if any(in_range(s, rng) for rng, _ in entry.get("delegates", [])) else []
            if key == "_asyncio.Future":
                visits = fut
            elif mode == "call":
                visits, extra = task_own, [("FutureObj_traverse", OBJ, None)] + extra
            else:
                visits = flat
            _check_trace(s, "aio.%s" % key, infos[key], [e_field(d) for d in visits], errors, how, delegates=extra)
    else:
        how["aio"] = "NOT checked against the compiled code (--no-disasm-check)"
    out["_asyncio.Task"] = flat
    # the Future part under TaskObj's own member names (FutureObj_HEAD(task): task_loop, ...; checked above)
    names["_asyncio.Task"] = names["_asyncio.Task"] + [(re.sub(r"^fut_", "task_", p), o)
                                                       for p, o in names["_asyncio.Future"] if o not in task_own]
    return out, how, names, errors


def _plain_queries(prefix, entry, s, typeref):
    """gdb queries for a type whose traverse visits plain fields: its type object or spec, sizeof, fields."""
    kind, symbol = typeref
    q = {"%s.type" % prefix: {"kind": "typeobj" if kind == "static" else "typespec", "symbol": symbol},
         "%s.sizeof" % prefix: q_size(entry["struct"])}
    for path in per_series(entry["fields"], s, prefix):
        q["%s.%s" % (prefix, path)] = q_off(entry["struct"], path)
        q["%s.%s.ftype" % (prefix, path)] = {"kind": "ftype", "type": entry["struct"], "path": path}
    return q


def _plain_check(s, prefix, R, entry, name, errors, how, disasm_check, delegates=(), left_out=()):
    """Resolve and check one _plain_queries entry: the type's tp_name must be `name`, its traverse function
    entry["function"], its basicsize sizeof(struct); the traced visits must be exactly the fields plus the
    `left_out` expressions (visited, deliberately not listed); calls handed visit exactly `delegates`.
    Returns (offsets, [(path, offset)]) or (None, None)."""
    n = len(errors)
    offs, pairs = [], []
    for path in per_series(entry["fields"], s, prefix):
        o = _resolve(R, "%s.%s" % (prefix, path), errors, s, ["*"])
        offs.append(o)
        pairs.append((path, o))
    t, size = R["%s.type" % prefix], R["%s.sizeof" % prefix]
    if "error" in t or "error" in size:
        errors.append("%s: %s: %s" % (series_str(s), prefix, t.get("error") or size.get("error")))
        return None, None
    info = t["value"]
    if info["name"] != name or info["function"] != entry["function"] or info["basicsize"] != size["value"]:
        errors.append("%s: %s: type %r traverse %s basicsize %d; expected %r, %s, %d" % (
            series_str(s), prefix, info["name"], info["function"], info["basicsize"], name, entry["function"],
            size["value"]))
        return None, None
    if len(errors) > n:
        return None, None
    if len(set(offs)) != len(offs):
        errors.append("%s: %s: two listed fields share an offset: %s" % (series_str(s), prefix, offs))
        return None, None
    if disasm_check:
        if _check_trace(s, prefix, info, [e_field(o) for o in offs] + list(left_out), errors, how,
                        delegates=delegates) is None:
            return None, None
        how[prefix] = "%s (%s)" % (how[prefix], t["how"])
    else:
        how[prefix] = "%s: NOT checked against its code" % t["how"]
    return offs, pairs


def got_slots(path, symbol):
    """GOT slots the dynamic linker fills with &symbol (R_X86_64_GLOB_DAT relocations) in an
    ELF64 little-endian file: where compiled code loads the address of an exported object from."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise GenError("%s: not an ELF64 little-endian file" % path)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + k * shentsize) for k in range(shnum)]
    slots = []
    for sec in secs:
        if sec[1] != 4:                                 # SHT_RELA
            continue
        symtab = secs[sec[6]]
        strtab = secs[symtab[6]]
        for off in range(sec[4], sec[4] + sec[5], 24):
            r_offset, r_info, r_addend = struct.unpack_from("<QQq", data, off)
            rtype, symi = r_info & 0xffffffff, r_info >> 32
            if rtype != 6 or symi == 0:                  # R_X86_64_GLOB_DAT only
                continue
            st_name, = struct.unpack_from("<I", data, symtab[4] + symi * 24)
            start = strtab[4] + st_name
            if data[start:data.index(b"\0", start)].decode() == symbol:
                slots.append(r_offset)
    return slots


def extra_queries(s):
    """gdb queries (libpython session) for arrayFields, moduleFields, dictSubtypeFields and EXTRA_CHECKS."""
    q = {}
    for key, entry in HAMT_ARRAYS.items():
        if s < (3, 7):
            continue   # the HAMT (contextvars) is new in 3.7
        q["arr.%s.type" % key] = {"kind": "typeobj", "symbol": key}
        q["arr.%s.sizeof" % key] = q_size(entry["struct"])
        q["arr.%s.offset" % key] = q_off(entry["struct"], entry["array"])
        q["arr.%s.ftype" % key] = {"kind": "ftype", "type": entry["struct"], "path": entry["array"]}
        q["arr.%s.count" % key] = q_count(entry["struct"], entry["array"])
    if not in_range(s, PY3):
        # 2.7 builds _functools and _collections as extension modules and has no C OrderedDict: their
        # objects are traversed by their own code in the emulator (the deque is read from its module).
        return q
    for key, entry in MODULE_TYPES.items():
        q.update(_plain_queries("mod.%s" % key, entry, s, per_series(entry["type"], s, key)))
    for key, entry in DICT_SUBTYPES.items():
        q.update(_plain_queries("dsub.%s" % key, entry, s, per_series(entry["type"], s, key)))
        for rng, chain in entry.get("left_out", []):
            if in_range(s, rng):
                for struct, path in chain:
                    q["dsub.%s.left_out.%s.%s" % (key, struct, path)] = q_off(struct, path)
    q["dsub.PyDict_Type"] = {"kind": "typeobj", "symbol": "PyDict_Type"}
    q.update(deque_queries(s))
    q["dsub.PyDict_Type.address"] = {"kind": "eval", "expr": "(long)&PyDict_Type"}
    for i, (_, expr, _, rng) in enumerate(EXTRA_CHECKS):
        if in_range(s, rng):
            q["extra.check%d" % i] = {"kind": "eval", "expr": expr}
    return q


def extra_values(build, R, values, disasm_check):
    """arrayFields, moduleFields, dictSubtypeFields for one build. Returns (values, how, names, errors)."""
    s = build["series"]
    errors, how, names = [], {}, {}
    v = {"arrayFields": {}, "moduleFields": {}, "dictSubtypeFields": {}, "deque": None}
    for i, (what, _, want, rng) in enumerate(EXTRA_CHECKS):
        if in_range(s, rng):
            r = R["extra.check%d" % i]
            if "error" in r or r["value"] != want:
                errors.append("%s: check failed: %s (%s)" % (series_str(s), what, r.get("error", r.get("value"))))
            else:
                how["extra.check%d" % i] = what
    size_field = values["object"]["size"]
    if not in_range(s, PY3):
        dq = deque_value(s, collections_results(build), errors, how, disasm_check)
        if dq is not None:
            v["deque"] = dq
        return v, how, names, errors
    # arrayFields
    for key, entry in HAMT_ARRAYS.items():
        if s < (3, 7):
            continue
        prefix = "arr.%s" % key
        t, size, off, ft, cnt = (R["%s.%s" % (prefix, k)] for k in ("type", "sizeof", "offset", "ftype", "count"))
        bad = [r["error"] for r in (t, size, off, ft, cnt) if "error" in r]
        if bad:
            errors.append("%s: %s: %s" % (series_str(s), key, "; ".join(bad)))
            continue
        info, off, n = t["value"], off["value"], cnt["value"]
        if ft["value"] != entry["ctype"] or info["function"] != entry["function"]:
            errors.append("%s: %s: %s.%s is %r, traverse %s; expected %r, %s" % (
                series_str(s), key, entry["struct"], entry["array"], ft["value"], info["function"], entry["ctype"],
                entry["function"]))
            continue
        if entry["count"] == "size":
            if info["basicsize"] != off or info["itemsize"] != 8:
                errors.append("%s: %s: tp_basicsize %d / tp_itemsize %d; expected the array offset %d / 8" % (
                    series_str(s), key, info["basicsize"], info["itemsize"], off))
                continue
            index = ("iter", e_add(e_field(size_field), -1), -1)
            visits, compares = [e_load(("index", e_add(OBJ, off), index, 8))], []
            rule = SwiftLiteral("ArrayFieldRule(offset: %d, count: .objectSize)" % off)
        else:
            if info["basicsize"] != size["value"] or info["itemsize"] != 0:
                errors.append("%s: %s: tp_basicsize %d / tp_itemsize %d; expected sizeof %d / 0" % (
                    series_str(s), key, info["basicsize"], info["itemsize"], size["value"]))
                continue
            it = ("iter", e_add(OBJ, off), 8)
            visits, compares = [e_load(it)], [(it, e_add(OBJ, off + 8 * n))]
            rule = SwiftLiteral("ArrayFieldRule(offset: %d, count: .fixed(%d))" % (off, n))
        if disasm_check:
            tr = _check_trace(s, prefix, info, visits, errors, how, compares=compares)
            if tr is None:
                continue
            if entry["count"] == "size" and not _counts_down_to_zero(tr):
                errors.append("%s: %s: %s does not count Py_SIZE(self)-1 down to 0 as expected" % (
                    series_str(s), key, info["function"]))
                continue
        else:
            how[prefix] = "NOT checked against the compiled code (--no-disasm-check)"
        v["arrayFields"][key] = rule
        names[key] = [(entry["array"] + ("[Py_SIZE]" if entry["count"] == "size" else "[%d]" % n), off)]
    # moduleFields
    for key, entry in MODULE_TYPES.items():
        offs, pairs = _plain_check(s, "mod.%s" % key, R, entry, key, errors, how, disasm_check)
        if offs is not None:
            v["moduleFields"][key], names[key] = offs, pairs
    # deque
    dq = deque_value(s, R, errors, how, disasm_check)
    if dq is not None:
        v["deque"] = dq
    # dictSubtypeFields: fields, then a tail call of PyDict_Type.tp_traverse (dict_traverse)
    d, da = R["dsub.PyDict_Type"], R["dsub.PyDict_Type.address"]
    if "error" in d or "error" in da or d["value"]["function"] != "dict_traverse":
        errors.append("%s: PyDict_Type.tp_traverse is not dict_traverse: %s" % (
            series_str(s), d.get("error") or da.get("error") or d["value"]["function"]))
        return v, how, names, errors
    tt = values["traversal"]["typeTraverse"]
    slots = got_slots(build["lib"], "PyDict_Type")
    dict_traverse = frozenset(["*" + e_render(e_field(tt, e_load(("const", g)))) for g in slots] +
                              ["*" + e_render(e_field(tt, ("const", da["value"])))])
    how["dsub.PyDict_Type"] = "dict_traverse, reached through %s" % sorted(dict_traverse)
    for key, entry in DICT_SUBTYPES.items():
        prefix = "dsub.%s" % key
        left_out = []
        for rng, chain in entry.get("left_out", []):
            if in_range(s, rng):
                e = OBJ
                for struct, path in chain:
                    r = R["%s.left_out.%s.%s" % (prefix, struct, path)]
                    if "error" in r:
                        errors.append("%s: %s: left-out %s.%s: %s" % (series_str(s), key, struct, path, r["error"]))
                        e = None
                        break
                    e = e_field(r["value"], e)
                if e is not None:
                    left_out.append(e)
        offs, pairs = _plain_check(s, prefix, R, entry, entry.get("tp_name", key), errors, how,
                                   disasm_check, delegates=[(dict_traverse, OBJ, None)], left_out=left_out)
        if offs is not None:
            v["dictSubtypeFields"][key], names[key] = offs, pairs
            if left_out:
                how[prefix] += "; left out %s" % [e_render(e) for e in left_out]
    return v, how, names, errors


def deque_queries(s):
    """The queries deque_value needs, in the session of the library that defines the deque."""
    q = {}
    kind, symbol = per_series(DEQUE["type"], s, "deque")
    q["deque.type"] = {"kind": "typeobj" if kind == "static" else "typespec", "symbol": symbol}
    q["deque.sizeof"] = q_size(DEQUE["struct"])
    for path in ("leftblock", "rightblock", "leftindex", "rightindex"):
        q["deque.%s" % path] = q_off(DEQUE["struct"], path)
        q["deque.%s.ftype" % path] = {"kind": "ftype", "type": DEQUE["struct"], "path": path}
    for path in ("data", "rightlink"):
        q["deque.block.%s" % path] = q_off(DEQUE["block"], path)
        q["deque.block.%s.ftype" % path] = {"kind": "ftype", "type": DEQUE["block"], "path": path}
    q["deque.block.count"] = q_count(DEQUE["block"], "data")
    q["deque.block.size"] = q_size(DEQUE["block"])
    q["deque.len"] = q_off(DEQUE["struct"], "len")            # 2.7 only: 3.x counts in ob_size
    return q


def collections_results(build):
    """2.7: the deque queries answered by the build's lib-dynload/_collections.so."""
    so = os.path.join(os.path.dirname(build["lib"]), "python%d.%d" % build["series"], "lib-dynload", "_collections.so")
    if not os.path.exists(so):
        raise GenError("%s: no %s" % (series_str(build["series"]), so))
    types = {"object": TYPES["object"], "deque": TYPES["deque"], "deque_block": TYPES["deque_block"]}
    return run_gdb(build["gdb"], so, deque_queries(build["series"]), types=types)["results"]


def deque_value(s, R, errors, how, disasm_check):
    """FrameTraversalLayout.deque (DequeLayout) for one build, checked as DEQUE describes; None on error."""
    import re
    n = len(errors)
    want_types = {"leftblock": "struct BLOCK *", "rightblock": "struct BLOCK *", "leftindex": "long",
                  "rightindex": "long", "block.data": "PyObject *[%d]" % (64 if in_range(s, PY3) else 62),
                  "block.rightlink": "struct BLOCK *"}
    o = {}
    for key, ctype in want_types.items():
        r, ft = R["deque.%s" % key], R["deque.%s.ftype" % key]
        if "error" in r or "error" in ft:
            errors.append("%s: deque %s: %s" % (series_str(s), key, r.get("error") or ft.get("error")))
            continue
        if ft["value"] != ctype and not (ctype == "struct BLOCK *" and ft["value"] == "block *"):
            errors.append("%s: deque %s is %r, expected %r" % (series_str(s), key, ft["value"], ctype))
            continue
        o[key] = r["value"]
    t, size, cnt = R["deque.type"], R["deque.sizeof"], R["deque.block.count"]
    bad = [r["error"] for r in (t, size, cnt) if "error" in r]
    if bad:
        errors.append("%s: deque: %s" % (series_str(s), "; ".join(bad)))
    if len(errors) > n:
        return None
    info, blocklen = t["value"], cnt["value"]
    bsize, length = R["deque.block.size"], R["deque.len"]
    if "error" in bsize:
        errors.append("%s: deque: sizeof(struct BLOCK): %s" % (series_str(s), bsize["error"]))
        return None
    if ("error" in length) == (not in_range(s, PY3)):
        errors.append("%s: deque: its `len` member is %s; DEQUE says 2.7 only" % (
            series_str(s), "absent" if "error" in length else "present"))
        return None
    length = None if "error" in length else length["value"]
    if info["name"] != DEQUE["tp_name"] or info["function"] != DEQUE["function"] or \
            info["basicsize"] != size["value"]:
        errors.append("%s: deque: type %r traverse %s basicsize %d; expected %r, %s, %d" % (
            series_str(s), info["name"], info["function"], info["basicsize"], DEQUE["tp_name"], DEQUE["function"],
            size["value"]))
        return None
    visits_type = per_series(DEQUE["visits_type"], s, "deque.visitsType")
    lb, rb, li, ri = (o[k] for k in ("leftblock", "rightblock", "leftindex", "rightindex"))
    data, rlink = o["block.data"], o["block.rightlink"]
    if rlink != data + 8 * blocklen:
        errors.append("%s: deque: rightlink %d does not follow data[%d] at %d" % (series_str(s), rlink, blocklen, data))
        return None
    if disasm_check:
        first = e_field(lb)
        it = ("iter", e_field(li), 1)
        visits = [e_load(("index", e_add(first, data), it, 8))] + ([e_field(8)] if visits_type else [])
        if "x86-64" not in info["arch"]:
            errors.append("%s: cannot check deque_traverse on %s; pass --no-disasm-check" % (series_str(s), info["arch"]))
            return None
        tr = trace_function(info["disassembly"], info["function"])
        problems = list(tr["problems"])
        # 3.x: two loops (the first block, then the others: merged into one unknown '?' visit); 2.7: one
        # loop over every block, which the tracer sees as the first block's visit only.
        py2 = not in_range(s, PY3)
        want = set(e_render(e) for e in visits) | (set() if py2 else {"?"})
        if set(tr["visits"]) != want or len(tr["visits"]) != len(set(tr["visits"])):
            problems.append("visits %s, expected %s" % (sorted(tr["visits"]), sorted(want)))
        if tr["delegates"]:
            problems.append("hands visit to %s" % tr["delegates"])
        need = [(first, e_field(rb)), (e_field(rb), e_field(rlink, first))]
        for left, right in need:
            if (e_render(left), e_render(right)) not in tr["compares"] and (e_render(right), e_render(left)) not in tr["compares"]:
                problems.append("does not compare %s with %s" % (e_render(left), e_render(right)))
        if (e_render(e_field(li)), str(blocklen - 1)) not in tr["compares"] and \
                (e_render(it), str(blocklen)) not in tr["compares"] and \
                (e_render(it), str(blocklen - 1)) not in tr["compares"]:       # 2.7: index <= BLOCKLEN - 1
            problems.append("does not compare leftindex / the index with BLOCKLEN %d" % blocklen)
        if e_render(e_field(ri)) not in tr["reads"]:
            problems.append("does not read rightindex %s" % e_render(e_field(ri)))
        # both loops load b->data[index] into %rdi (the visit argument) at the DWARF data offset
        idx = re.findall(r"\bmov\s+(-?0x[0-9a-f]+|\d*)\(%r\w+,%r\w+,8\),%rdi", info["disassembly"])
        if len(idx) != (1 if py2 else 2) or any(int(x, 0) != data for x in idx):
            problems.append("indexed loads into %%rdi at %s, expected %s at data offset %d" % (idx, "one" if py2 else "two", data))
        if problems:
            errors.append("%s: deque (%s at 0x%x): %s" % (series_str(s), info["function"], info["address"],
                                                         "; ".join(problems)))
            return None
        how["deque"] = "%s at 0x%x (%s): visits %s; compares %s" % (
            info["function"], info["address"], t["how"], sorted(tr["visits"]), tr["compares"])
    else:
        how["deque"] = "%s: NOT checked against its code" % t["how"]
    return SwiftLiteral(
        "DequeLayout(tpName: %s, leftBlock: %d, rightBlock: %d, leftIndex: %d, rightIndex: %d, blockData: %d, "
        "blockRightLink: %d, blockLength: %d, visitsType: %s, blockSize: %d, length: %s)" % (
            swift_string(DEQUE["tp_name"]), lb, rb, li, ri, data, rlink, blocklen, "true" if visits_type else "false",
            bsize["value"], "nil" if length is None else length))


def _counts_down_to_zero(tr):
    """The loop shape of `for (i = Py_SIZE(self); --i >= 0;)`: the first conditional jump is `js` right after
    `sub $1, R` (skip when Py_SIZE - 1 < 0) and the one backward jump is `jae` right after `sub $1, R` (go on
    while R was >= 1 before the decrement, i.e. down to and including 0), with the same register R."""
    insns = tr["insns"]

    def prev(k):
        k -= 1
        while k >= 0 and (not insns[k][1] or insns[k][1].startswith("nop") or insns[k][1] == "xchg"):
            k -= 1
        return k

    def dec_reg(k):
        if k < 0:
            return None
        mn, ops = insns[k][1], insns[k][2]
        if len(ops) == 2 and ((mn.rstrip("lq") == "sub" and ops[0] == "$0x1") or
                              (mn.rstrip("lq") == "add" and ops[0] in ("$0xffffffffffffffff", "$-1"))):
            return _reg(ops[1])
        return None

    jccs = tr["jccs"]
    back = [j for j in jccs if j["target"] is not None and j["target"] <= insns[j["index"]][0]]
    if not jccs or len(back) != 1 or back[0]["mn"] not in ("jae", "jnb", "jnc") or jccs[0]["mn"] != "js":
        return False
    r1, r2 = dec_reg(prev(jccs[0]["index"])), dec_reg(prev(back[0]["index"]))
    return r1 is not None and r1 == r2


class SwiftLiteral(str):
    """A value written into the Swift file as is."""


# ---------------------------------------------------------------------------------------------
# Which fields does a compiled tp_traverse function visit? (x86-64, AT&T syntax as gdb prints it)
# ---------------------------------------------------------------------------------------------

_REG64 = {}
for _r in ("ax", "bx", "cx", "dx", "si", "di", "bp", "sp"):
    _REG64["r" + _r] = _REG64["e" + _r] = _REG64[_r] = "r" + _r
_REG64.update({"al": "rax", "ah": "rax", "bl": "rbx", "bh": "rbx", "cl": "rcx", "ch": "rcx", "dl": "rdx",
               "dh": "rdx", "sil": "rsi", "dil": "rdi", "bpl": "rbp", "spl": "rsp"})
for _n in range(8, 16):
    for _suffix in ("", "d", "w", "b"):
        _REG64["r%d%s" % (_n, _suffix)] = "r%d" % _n
_CALLER_SAVED = ("rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11")
_ARG_REGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")
_PREFIXES = ("cs", "ds", "es", "ss", "rep", "repz", "repnz", "notrack", "bnd", "lock", "data16")
_INSN = re.compile(r"^\s*(?:=>\s*)?0x[0-9a-f]+\s+<\+\d+>:\s+(.*)$")
_MEM = re.compile(r"^(-?0x[0-9a-f]+|-?\d+)?\(%(\w+)(,%\w+)?(,\d+)?\)$")


def _operands(text):
    ops, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            ops.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur.strip():
        ops.append(cur.strip())
    return ops


def _reg(op):
    return _REG64.get(op[1:]) if op.startswith("%") else None


def visited_offsets(disassembly, function):
    """Recover `visit(*(PyObject **)((char *)self + d), arg)` calls from a traverse function.

    A straight-line register dataflow over the instructions in address order: %rdi starts as the
    object, %rsi as `visit`. Loads from object+d are tracked through register moves; a call or tail
    jump through a register holding `visit` records the d in %rdi. Returns (offsets in visit order,
    problems, delegations): problems are visit calls whose argument is not a field of the object;
    delegations are other calls that are handed `visit` (they may visit things we cannot see).
    """
    state = {"rdi": ("obj", 0), "rsi": ("visit",)}
    offsets, problems, delegations = [], [], []
    for line in disassembly.splitlines():
        m = _INSN.match(line)
        if not m:
            continue
        text = m.group(1).split("#")[0].strip()
        words = text.split(None, 1)
        while words and words[0] in _PREFIXES:
            words = words[1].split(None, 1) if len(words) > 1 else []
        if not words:
            continue
        mn = words[0]
        ops = _operands(words[1]) if len(words) > 1 else []
        if mn.startswith("nop") or mn in ("endbr64", "ret", "retq", "hlt", "ud2", "int3", "push", "pushq"):
            continue
        if mn.startswith("test") or mn.startswith("cmp") or mn.startswith("bt"):
            continue
        if mn.startswith("j") and mn not in ("jmp", "jmpq"):
            continue                                  # conditional branch: no register is written
        if mn in ("call", "callq", "jmp", "jmpq"):
            target = ops[0] if ops else ""
            if target.startswith("*"):
                r = _reg(target[1:])
                if r is not None and state.get(r) == ("visit",):
                    arg = state.get("rdi")
                    if arg is not None and arg[0] == "val":
                        offsets.append(arg[1])
                    else:
                        problems.append("visit called with %s: %s" % (arg, text))
                elif any(state.get(a) == ("visit",) for a in _ARG_REGS):
                    delegations.append("indirect: %s" % text)
            else:
                local = re.search(r"<%s(\+\d+)?>" % re.escape(function), target)
                if not local and any(state.get(a) == ("visit",) for a in _ARG_REGS):
                    delegations.append("direct: %s" % text)
            if mn in ("call", "callq"):
                for r in _CALLER_SAVED:
                    state.pop(r, None)
            continue
        if mn == "leave":
            state.pop("rbp", None)
            state.pop("rsp", None)
            continue
        dst = _reg(ops[-1]) if ops else None
        if mn in ("mov", "movq") and len(ops) == 2 and dst is not None:
            src = ops[0]
            if _reg(src) is not None:
                if state.get(_reg(src)) is not None:
                    state[dst] = state[_reg(src)]
                else:
                    state.pop(dst, None)
                continue
            mm = _MEM.match(src)
            base = state.get(_REG64.get(mm.group(2))) if mm else None
            if mm and not mm.group(3) and base is not None and base[0] == "obj":
                state[dst] = ("val", base[1] + int(mm.group(1) or "0", 0))
            else:
                state.pop(dst, None)
            continue
        if mn in ("lea", "leaq") and len(ops) == 2 and dst is not None:
            mm = _MEM.match(ops[0])
            base = state.get(_REG64.get(mm.group(2))) if mm else None
            if mm and not mm.group(3) and base is not None and base[0] == "obj":
                state[dst] = ("obj", base[1] + int(mm.group(1) or "0", 0))
            else:
                state.pop(dst, None)
            continue
        if mn.startswith("xchg") and len(ops) == 2:
            a, b = _reg(ops[0]), _reg(ops[1])
            sa, sb = state.pop(a, None), state.pop(b, None)
            if a and sb is not None:
                state[a] = sb
            if b and sa is not None:
                state[b] = sa
            continue
        if dst is not None:                             # anything else that writes a register
            state.pop(dst, None)
    return offsets, problems, delegations


# ---------------------------------------------------------------------------------------------
# A symbolic trace of a traverse function (x86-64, AT&T syntax): used for FrameTraversalLayout
# ---------------------------------------------------------------------------------------------
#
# Values are tuples: ("arg", 0|1|2) the incoming obj / visit / arg; ("const", k); ("add", e, k) = e + k;
# ("load", address, width); ("iter", start, stride) a loop induction variable (its value on every
# iteration: start, start+stride, ...); ("index", base, i, scale) = base + scale*i. Control flow: states
# are merged (kept where equal) at jump targets, taken from the jumps alone after an unconditional
# transfer, and at a loop head every register the loop only changes by `add/sub $k` becomes an "iter".

OBJ, VISIT, ARG = ("arg", 0), ("arg", 1), ("arg", 2)
_JCC_NEGATE = {"je": "jne", "jne": "je", "jz": "jnz", "jnz": "jz", "jl": "jge", "jge": "jl", "jle": "jg",
               "jg": "jle", "jb": "jae", "jae": "jb", "jbe": "ja", "ja": "jbe", "js": "jns", "jns": "js"}
_FLAG_NEUTRAL = ("mov", "lea", "push", "pop", "nop", "endbr64", "xchg")
_INSN_ADDR = re.compile(r"^\s*(?:=>\s*)?(0x[0-9a-f]+)\s+<\+\d+>:\s+(.*)$")
_TARGET = re.compile(r"^(0x[0-9a-f]+)\s+<([^>+]+)(\+\d+)?>$")


def e_add(e, k):
    if e is None:
        return None
    if k == 0:
        return e
    if e[0] == "const":
        return ("const", e[1] + k)
    if e[0] == "add":
        return e_add(e[1], e[2] + k)
    if e[0] == "iter" and e[2] == k:
        return e                                        # still a value of the same induction sequence
    return ("add", e, k)


def e_load(address, width=8):
    return None if address is None else ("load", address, width)


def e_field(d, base=OBJ, width=8):
    return e_load(e_add(base, d), width)


def e_render(e):
    if e is None:
        return "?"
    k = e[0]
    if k == "arg":
        return ("obj", "visit", "arg")[e[1]]
    if k == "const":
        return str(e[1])
    if k == "add":
        return "%s%s%d" % (e_render(e[1]), "+" if e[2] >= 0 else "-", abs(e[2]))
    if k == "load":
        return "*%s(%s)" % ("" if e[2] == 8 else e[2], e_render(e[1]))
    if k == "iter":
        return "iter(%s,%d)" % (e_render(e[1]), e[2])
    if k == "index":
        return "%s+%d*%s" % (e_render(e[1]), e[3], e_render(e[2]))
    return repr(e)


def _reg_width(op):
    name = op[1:] if op.startswith("%") else op
    if name in ("al", "ah", "bl", "bh", "cl", "ch", "dl", "dh", "sil", "dil", "bpl", "spl") or \
            re.match(r"^r\d+b$", name):
        return 1
    if name in ("ax", "bx", "cx", "dx", "si", "di", "bp", "sp") or re.match(r"^r\d+w$", name):
        return 2
    if name.startswith("e") or re.match(r"^r\d+d$", name):
        return 4
    return 8


def _load_width(mn, dst):
    for prefix, w in (("movzb", 1), ("movsb", 1), ("movzw", 2), ("movsw", 2), ("movsl", 4), ("movslq", 4)):
        if mn.startswith(prefix):
            return w
    if mn.startswith("cmp") and mn[-1:] in "bwlq" and len(mn) == 4:
        return {"b": 1, "w": 2, "l": 4, "q": 8}[mn[-1]]
    return _reg_width(dst) if dst and dst.startswith("%") else 8


def trace_function(disassembly, function):
    insns = []
    rip_targets = {}                                    # instruction index -> absolute address of its %rip operand
    for line in disassembly.splitlines():
        m = _INSN_ADDR.match(line)
        if not m:
            continue
        text, _, comment = m.group(2).partition("#")
        text = text.strip()
        words = text.split(None, 1)
        while words and words[0] in _PREFIXES:
            words = words[1].split(None, 1) if len(words) > 1 else []
        mn = words[0] if words else ""
        ops = _operands(words[1]) if len(words) > 1 else []
        insns.append((int(m.group(1), 16), mn, ops, text))
        cm = re.match(r"^\s*(0x[0-9a-f]+)", comment)
        if cm and "(%rip)" in text:
            rip_targets[len(insns) - 1] = int(cm.group(1), 16)      # the effective address of the %rip operand

    def direct_target(ops):
        mm = _TARGET.match(ops[0]) if ops else None
        if not mm:
            return None, None
        return int(mm.group(1), 16), mm.group(2)

    def is_local(ops):
        addr, name = direct_target(ops)
        return addr is not None and name == function

    # loops: backward local jumps; induction registers change only by add/sub $k inside the loop
    loops, loop_info = {}, {}
    for i, (addr, mn, ops, _) in enumerate(insns):
        if mn.startswith("j") and is_local(ops):
            t, _ = direct_target(ops)
            if t <= addr:
                strides, other, mods = {}, set(), {}
                for a2, mn2, ops2, _ in insns:
                    if not (t <= a2 <= addr) or not ops2:
                        continue
                    dst = _REG64.get(ops2[-1][1:]) if ops2[-1].startswith("%") else None
                    if dst is None or mn2.startswith(("cmp", "test", "j", "push", "call")):
                        continue
                    if mn2.rstrip("lq") in ("add", "sub") and ops2[0].startswith("$") and len(ops2) == 2:
                        k = int(ops2[0][1:], 0) * (1 if mn2.startswith("add") else -1)
                        if dst in strides:
                            other.add(dst)
                        strides[dst] = k
                        mods.setdefault(dst, []).append(a2)
                    else:
                        other.add(dst)
                loops.setdefault(t, {}).update({r: k for r, k in strides.items() if r not in other})
                ends = loop_info.get(t, {}).get("end", t)
                loop_info[t] = {"end": max(ends, addr), "written": loop_info.get(t, {}).get("written", set())
                                | other | set(strides), "mods": mods}
    # rotated loops (`jmp entry; head: add $k,%r; cmp; jcc exit; entry: ... jcc head`): the head is reached
    # only by the back edges, which this single forward pass sees too late. An unconditional jump from
    # before the head to an entry inside the loop seeds the head instead (see the main loop).
    rotated = {}
    for i, (addr, mn, ops, _) in enumerate(insns):
        if mn in ("jmp", "jmpq") and is_local(ops):
            e, _ = direct_target(ops)
            for t, li in loop_info.items():
                if addr < t < e <= li["end"]:
                    rotated.setdefault(t, set()).add(e)

    def merge(states):
        states = [st for st in states if st is not None]
        if not states:
            return {}
        out = dict(states[0])
        for st in states[1:]:
            for r in list(out):
                a, b = out[r], st.get(r)
                if a == b or (b is not None and a[0] == "iter" and a[1] == b):
                    continue
                if b is not None and b[0] == "iter" and b[1] == a:
                    out[r] = b
                    continue
                del out[r]
        return out

    def mem(op, state):
        mm = _MEM.match(op)
        if not mm:
            return None
        if mm.group(2) == "rip" and not mm.group(3):
            return ("const", rip_targets[cur[0]]) if cur[0] in rip_targets else None
        base = state.get(_REG64.get(mm.group(2)))
        disp = int(mm.group(1) or "0", 0)
        if mm.group(3):
            idx = state.get(_REG64.get(mm.group(3)[2:]))
            scale = int(mm.group(4)[1:]) if mm.group(4) else 1
            if base is None or idx is None:
                return None
            return ("index", e_add(base, disp), idx, scale)
        return e_add(base, disp)

    def value(op, state, width):
        if op.startswith("$"):
            return ("const", int(op[1:], 0))
        if op.startswith("%"):
            return state.get(_REG64.get(op[1:]))
        return e_load(mem(op, state), width)

    state = {"rdi": OBJ, "rsi": VISIT, "rdx": ARG}
    pending = {}
    out = {"visits": [], "reads": set(), "compares": [], "jccs": [], "delegates": [], "problems": [],
           "insns": insns}
    last_cmp, fallthrough = None, True
    cur = [0]
    for i, (addr, mn, ops, text) in enumerate(insns):
        cur[0] = i
        incoming = pending.get(addr, [])
        reached = fallthrough or bool(incoming)
        if incoming or not fallthrough:
            state = merge(([state] if fallthrough else []) + incoming)
            last_cmp = None
        if not reached and addr in rotated and len(rotated[addr]) == 1:
            # the head of a rotated loop: seed it from the one jump into the loop. A register stepped by
            # add/sub $k only between the head and the entry takes the same values here as at the entry.
            e = next(iter(rotated[addr]))
            entry = pending.get(e, [])
            if len(entry) == 1:
                li = loop_info[addr]
                state, reached = {}, True
                for r, v in entry[0].items():
                    if r in loops[addr] and all(addr <= a < e for a in li["mods"].get(r, [])):
                        state[r] = ("iter", v, loops[addr][r])
                    elif r not in li["written"]:
                        state[r] = v
        elif addr in loops:
            for r, k in loops[addr].items():
                if state.get(r) is not None:
                    state[r] = ("iter", state[r], k)
        fallthrough = reached                           # padding after a jump/return stays unreachable
        if not mn or mn.startswith("nop") or mn in ("endbr64", "hlt", "int3") or \
                (mn.startswith("xchg") and len(ops) == 2 and ops[0] == ops[1]):
            continue
        fallthrough = True
        if mn in ("push", "pushq"):
            continue
        for op in ops[:-1] if mn.startswith(("mov", "lea")) else ops:
            if "(" in op and not mn.startswith("lea") and not mn.startswith("nop"):
                ld = e_load(mem(op, state), _load_width(mn, ops[-1] if ops else None))
                if ld is not None:
                    out["reads"].add(e_render(ld))
        if mn in ("ret", "retq", "ud2"):
            fallthrough = False
            continue
        if mn.startswith("cmp") and len(ops) == 2:
            regs = [o for o in ops if o.startswith("%")]
            width = _load_width(mn, regs[0] if regs else None)
            left, right = value(ops[1], state, width), value(ops[0], state, width)
            last_cmp = (e_render(left), e_render(right))
            out["compares"].append(last_cmp)
            continue
        if mn.startswith("test"):
            last_cmp = ("test", "%s %s" % (mn, ",".join(ops)))
            continue
        if mn.startswith("j") and mn not in ("jmp", "jmpq"):
            t, _ = direct_target(ops)
            out["jccs"].append({"index": i, "mn": mn, "target": t, "cmp": last_cmp})
            if t is not None:
                pending.setdefault(t, []).append(dict(state))
            continue
        if mn in ("call", "callq", "jmp", "jmpq"):
            tail = mn.startswith("jmp")
            target = ops[0] if ops else ""
            if target.startswith("*"):
                r = _REG64.get(target[2:]) if target.startswith("*%") else None
                if r is not None and state.get(r) == VISIT:
                    out["visits"].append(e_render(state.get("rdi")))
                    if state.get("rsi") != ARG:
                        out["problems"].append("visit called with %s as arg: %s" % (e_render(state.get("rsi")), text))
                elif r is not None and state.get(r) is not None and any(state.get(a) == VISIT for a in _ARG_REGS):
                    # e.g. `return PyDict_Type.tp_traverse(self, visit, arg)`: the target is rendered
                    out["delegates"].append({"index": i, "target": "*" + e_render(state.get(r)),
                                             "rdi": e_render(state.get("rdi")),
                                             "ok_args": state.get("rsi") == VISIT and state.get("rdx") == ARG,
                                             "text": text})
                elif any(state.get(a) == VISIT for a in _ARG_REGS):
                    out["problems"].append("visit handed to an indirect call: %s" % text)
            elif is_local(ops):
                t, _ = direct_target(ops)
                pending.setdefault(t, []).append(dict(state))
                fallthrough = False
                continue
            else:
                _, name = direct_target(ops)
                if any(state.get(a) == VISIT for a in _ARG_REGS):
                    out["delegates"].append({"index": i, "target": (name or target).split("@")[0],
                                             "rdi": e_render(state.get("rdi")),
                                             "ok_args": state.get("rsi") == VISIT and state.get("rdx") == ARG,
                                             "text": text})
            if tail:
                fallthrough = False
            else:
                for r in _CALLER_SAVED:
                    state.pop(r, None)
            last_cmp = None
            continue
        dst = _reg(ops[-1]) if ops else None
        if not mn.startswith(_FLAG_NEUTRAL):
            last_cmp = None
        if dst is None:
            continue
        if mn.startswith("xchg") and len(ops) == 2:
            a, b = _reg(ops[0]), _reg(ops[1])
            sa, sb = state.pop(a, None), state.pop(b, None)
            if a and sb is not None:
                state[a] = sb
            if b and sa is not None:
                state[b] = sa
            continue
        if mn.startswith("mov") and len(ops) == 2:
            v = value(ops[0], state, _load_width(mn, ops[-1]))
            if v is None:
                state.pop(dst, None)
            else:
                state[dst] = v
            continue
        if mn.startswith("lea") and len(ops) == 2:
            v = mem(ops[0], state)
            if v is None or v[0] == "index":
                state.pop(dst, None)
            else:
                state[dst] = v
            continue
        if mn.startswith("xor") and len(ops) == 2 and _reg(ops[0]) == dst:
            state[dst] = ("const", 0)
            continue
        if mn.rstrip("lq") in ("add", "sub") and len(ops) == 2 and ops[0].startswith("$"):
            k = int(ops[0][1:], 0) * (1 if mn.startswith("add") else -1)
            v = e_add(state.get(dst), k)
            if v is None:
                state.pop(dst, None)
            else:
                state[dst] = v
            continue
        state.pop(dst, None)                            # anything else that writes a register
    return out


def _straight(insns, lo, hi):
    """No jump, call or return among insns[lo:hi]."""
    return all(not (mn.startswith("j") or mn.startswith("call") or mn.startswith("ret")) for _, mn, _, _ in insns[lo:hi])


def _targeted(trace, lo, hi):
    """Whether a jump lands on any of insns[lo:hi]."""
    addrs = set(a for a, _, _, _ in trace["insns"][lo:hi])
    return any(j["target"] in addrs for j in trace["jccs"]) or any(
        mn.startswith("jmp") and _TARGET.match(ops[0] or "") and int(_TARGET.match(ops[0]).group(1), 16) in addrs
        for _, mn, ops, _ in trace["insns"] if ops)


def guards(trace, delegate):
    """(compare, condition under which the delegate call is reached) for the jumps that guard it."""
    insns, di, found = trace["insns"], delegate["index"], []
    index_of = {a: k for k, (a, _, _, _) in enumerate(insns)}

    def before(t):                                      # the last instruction before t that is not padding
        t -= 1
        while t >= 0 and (not insns[t][1] or insns[t][1].startswith("nop") or (insns[t][1] == "xchg" and insns[t][2][0] == insns[t][2][-1])):
            t -= 1
        return insns[t][1] if t >= 0 else ""

    for j in trace["jccs"]:
        t = index_of.get(j["target"])
        # taken: the target runs straight into the call, and nothing else reaches that run
        if t is not None and t <= di and _straight(insns, t, di) and t > 0 and \
                before(t).startswith(("jmp", "ret")) and \
                not _targeted(trace, t + 1, di + 1) and \
                [x for x in trace["jccs"] if x["target"] == j["target"]] == [j]:
            found.append((j["cmp"], j["mn"]))
        # not taken: the fall-through runs straight into the call
        if j["index"] < di and _straight(insns, j["index"] + 1, di) and not _targeted(trace, j["index"] + 1, di + 1):
            found.append((j["cmp"], _JCC_NEGATE.get(j["mn"], "!" + j["mn"])))
    return found


def unconditional(trace, delegate):
    """Every conditional jump before the call that skips it is an error exit after a visit call."""
    insns, di = trace["insns"], delegate["index"]
    call_addr = insns[di][0]
    if any(mn.startswith(("ret", "jmp")) for _, mn, _, _ in insns[:di]) or guards(trace, delegate):
        return False
    for j in trace["jccs"]:
        if j["index"] < di and (j["target"] is None or j["target"] > call_addr):
            if j["cmp"] != ("test", "test %eax,%eax") or not insns[j["index"] - 2][1].startswith(("call", "jmp")):
                return False
    return True


def c_name(path):
    """The C name of a visited member path: `ob_type` for the Py_TYPE(self) visit (`ob_base.ob_type`,
    `dict.ob_base.ob_type`), the member's own name for a member of an embedded base (`ht_type.tp_dict` ->
    `tp_dict`), otherwise the member path (`gi_exc_state.exc_value`)."""
    parts = path.split(".")
    if parts[-1] == "ob_type":
        return "ob_type"
    while len(parts) > 1 and parts[0] in ("ob_base", "ht_type"):
        parts.pop(0)
    return ".".join(parts)


# FrameTraversalLayout offset lists named in `fieldNames`: plain lists by label, keyed ones as "label:key".
FRAME_NAMED_LISTS = ["frameFields", "interpreterFrameFields"]
FRAME_NAMED_DICTS = ["generatorFields", "asyncioFields", "moduleFields", "dictSubtypeFields"]


def attach_field_names(b):
    """TraversalLayout.pointerFieldNames and FrameTraversalLayout.fieldNames for one build: the C name of
    every emitted offset, in the same order. The (path, offset) pairs recorded while resolving must give
    exactly the emitted offsets, else GenError."""
    ser, errors = series_str(b["series"]), []

    def names_for(what, offsets, pairs):
        if pairs is None or [o for _, o in pairs] != list(offsets):
            errors.append("%s: %s: offsets %s but recorded names %s" % (ser, what, offsets, pairs))
            return []
        names = [c_name(p) for p, _ in pairs]
        for (p, o), n in zip(pairs, names):
            if n == "ob_type" and o != b["values"]["object"]["type"]:
                errors.append("%s: %s: %s at %d is not Py_TYPE(self)" % (ser, what, p, o))
        return names

    pf = b["values"]["traversal"]["pointerFields"]
    b["values"]["traversal"]["pointerFieldNames"] = {
        k: names_for("pointerFields[%s]" % k, pf[k], b["pointer_names"].get(k)) for k in pf}
    frames, fn, out = b["values"]["frames"], b["frame_names"], {}
    for label in FRAME_NAMED_LISTS:
        out[label] = names_for(label, frames[label], fn.get(label))
    for label in FRAME_NAMED_DICTS:
        for k, offs in frames[label].items():
            out["%s:%s" % (label, k)] = names_for("%s[%s]" % (label, k), offs, fn.get(k))
    frames["fieldNames"] = out
    if errors:
        raise GenError("\n".join(errors))


def swift_value(v):
    return "nil" if v is None else str(v)


def swift_frame_value(v):
    if isinstance(v, SwiftLiteral):
        return str(v)
    if isinstance(v, dict):
        return "[%s]" % ", ".join("%s: %s" % (swift_string(k), swift_frame_value(v[k])) for k in sorted(v)) \
            if v else "[:]"
    if isinstance(v, list):
        return "[%s]" % ", ".join(swift_string(o) if isinstance(o, str) else str(o) for o in v)
    return swift_value(v)


def swift_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def render(builds, list_name="generated", what="the DWARF of", regenerate="[--python PATH ...] [--out FILE]"):
    stamp = ", ".join("%s (%s)" % (os.path.basename(b["lib"]), b["version"]) for b in builds)
    lines = ["// Generated by scripts/gen-layouts.py from %s %s. Do not edit." % (what, stamp),
             "// Regenerate: scripts/gen-layouts.py %s" % regenerate,
             "",
             "extension PythonLayout {"]
    names = []
    for b in builds:
        name = b.get("name") or "v%d_%d" % b["series"]
        names.append(name)
        source = b.get("source") or "DWARF of %s (%s)" % (os.path.basename(b["lib"]), b["version"])
        lines.append("    public static let %s = PythonLayout(" % name)
        lines.append("        series: %s," % swift_string(series_str(b["series"])))
        lines.append("        source: %s," % swift_string(source))
        lines.append("        version: %s," % swift_string(b["version"]))
        late = []
        for gi, (group, swift_type, fields) in enumerate(LAYOUT):
            args = ", ".join("%s: %s" % (label, swift_value(b["values"][group][label])) for label, _, _ in fields)
            if group in STATIC_GROUPS:
                st = b["values"][group].get("statics", {})
                args += ", statics: %s" % ("[%s]" % ", ".join("%s: %s" % (swift_string(k), swift_string(st[k]))
                                                             for k in sorted(st)) if st else "[:]")
            if group == "traversal":
                pf = b["values"]["traversal"]["pointerFields"]
                pn = b["values"]["traversal"]["pointerFieldNames"]
                args += ", pointerFields: [%s]" % ", ".join(
                    "%s: [%s]" % (swift_string(k), ", ".join(str(o) for o in pf[k])) for k in sorted(pf))
                args += ", pointerFieldNames: %s" % swift_frame_value(pn)
            (late if group in LATE_GROUPS else lines).append("        %s: %s(%s)," % (group, swift_type, args))
        lines.append("        frames: FrameTraversalLayout(%s)," % ", ".join(
            "%s: %s" % (label, swift_frame_value(b["values"]["frames"][label])) for label in FRAME_LABELS))
        lines.extend(late)
        lines[-1] = lines[-1].rstrip(",")
        lines.append("    )")
        lines.append("")
    lines.append("    /// Every table above, oldest first.")
    lines.append("    public static let %s: [PythonLayout] = [%s]" % (list_name, ", ".join("." + n for n in names)))
    lines.append("}")
    return "\n".join(lines) + "\n"


def summary(builds):
    cols = [series_str(b["series"]) for b in builds]
    rows = []
    for group, _, fields in LAYOUT:
        for label, _, _ in fields:
            rows.append(("%s.%s" % (group, label), [b["values"][group][label] for b in builds]))
    for group, role, _, _, _, _ in STATICS:
        rows.append(("%s.statics.%s" % (group, role), [b["values"][group]["statics"].get(role) for b in builds]))
    w0 = max(len(r[0]) for r in rows)
    cw = [max(len(c), max(len(swift_value(r[1][i])) for r in rows)) for i, c in enumerate(cols)]
    out = ["%-*s  %s" % (w0, "field", "  ".join(c.rjust(cw[i]) for i, c in enumerate(cols))),
           "%s  %s" % ("-" * w0, "  ".join("-" * w for w in cw))]
    for name, vals in rows:
        out.append("%-*s  %s" % (w0, name, "  ".join(("-" if v is None else str(v)).rjust(cw[i])
                                                      for i, v in enumerate(vals))))
    out.append("")
    out.append("traversal.pointerFields (fields each tp_traverse visits, in visit order: offset=member):")
    for key in sorted(TRAVERSE):
        entry = TRAVERSE[key]
        out.append("  %s  (%s, %s)" % (key, TYPES[entry["struct"]][0], entry["function"]))
        for b in builds:
            pairs = b["pointer_names"].get(key, [])
            out.append("    %-5s %s" % (series_str(b["series"]), " ".join("%d=%s" % (o, p) for p, o in pairs)))
    out.append("")
    out.append("frames (FrameTraversalLayout):")
    for label in FRAME_LABELS:
        vals = [b["values"]["frames"][label] for b in builds]
        if all(isinstance(x, (int, type(None))) for x in vals):
            out.append("  %-28s %s" % (label, "  ".join(("-" if x is None else str(x)).rjust(5) for x in vals)))
    more = sorted(set(k for b in builds for k in b["frame_names"]) - set(GENERATORS) - set(ASYNCIO) -
                  {"frameFields", "interpreterFrameFields"})
    for label in ["frameFields", "interpreterFrameFields"] + sorted(GENERATORS) + sorted(ASYNCIO) + more:
        out.append("  %s" % label)
        for b in builds:
            pairs = b["frame_names"].get(label, [])
            out.append("    %-5s %s" % (series_str(b["series"]), " ".join("%d=%s" % (o, p) for p, o in pairs) or "-"))
    return "\n".join(out)


def fact_check(builds):
    lines, bad = [], 0
    for b in builds:
        ser = series_str(b["series"])
        facts = dict(FACTS_ALL)
        facts.update(FACTS.get(ser, {}))
        ok = 0
        for key, want in sorted(facts.items()):
            group, label = key.split(".")
            got = b["values"][group][label]
            if got == want:
                ok += 1
            else:
                bad += 1
                lines.append("  MISMATCH %s %s: DWARF %s, fact sheet %s" % (ser, key, got, want))
        lines.append("  %s: %d/%d fact-sheet values agree" % (ser, ok, len(facts)))
    return lines, bad


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", action="append", metavar="PATH",
                    help="python executable or libpythonX.Y.so.1.0 with DWARF (repeatable; default: pyenv builds)")
    ap.add_argument("--out", default=DEFAULT_OUT, metavar="FILE", help="Swift file to write (default: %(default)s)")
    ap.add_argument("--gdb", default=shutil.which("gdb") or "/usr/bin/gdb", help="gdb with Python (default: %(default)s)")
    ap.add_argument("--dry-run", action="store_true", help="resolve and print, write nothing")
    ap.add_argument("--strict-check", action="store_true", help="treat fact-sheet mismatches as errors")
    ap.add_argument("--verbose", "-v", action="store_true", help="print how each field was resolved")
    ap.add_argument("--no-disasm-check", action="store_true",
                    help="do not check TRAVERSE against the compiled tp_traverse functions (needed off x86-64)")
    ap.add_argument("--root", action="append", metavar="DIR",
                    help="a Debian root (scripts/roots.sh): probe the headers of each of its python3.X instead of "
                         "DWARF, and write --probed-out (repeatable)")
    ap.add_argument("--probed-out", default=PROBED_OUT, metavar="FILE", help="default: %(default)s")
    args = ap.parse_args(argv)
    if args.root:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "layouts"))
        import probed
        return probed.run(sys.modules[__name__], args.root, args.probed_out, args.dry_run)

    try:
        builds = [build_from_arg(p) for p in args.python] if args.python else default_builds()
        seen = {}
        for b in builds:
            if b["series"] not in SUPPORTED:
                raise GenError("%s: series %s is outside 3.8-3.13" % (b["lib"], series_str(b["series"])))
            if b["series"] in seen:
                raise GenError("two builds of %s: %s and %s" % (series_str(b["series"]), seen[b["series"]], b["lib"]))
            seen[b["series"]] = b["lib"]
        builds.sort(key=lambda b: b["series"])
        failures = []
        for b in builds:
            print("reading DWARF of %s (%s)" % (b["lib"], b["version"]), file=sys.stderr)
            try:
                b["values"], b["how"], b["types"] = extract(b, args.gdb, disasm_check=not args.no_disasm_check)
                attach_field_names(b)
            except GenError as e:
                failures.append(str(e))
                continue
            if args.verbose:
                for k, t in sorted(b["types"].items()):
                    print("  type %-10s %s" % (k, t.get("resolved", t.get("error"))))
                for k, h in b["how"].items():
                    print("  %-36s %s" % (k, h))
        if failures:
            raise GenError("\n".join(failures))
    except GenError as e:
        print("gen-layouts: error:\n%s" % e, file=sys.stderr)
        print("gen-layouts: nothing written", file=sys.stderr)
        return 1

    print(summary(builds))
    print()
    lines, bad = fact_check(builds)
    print("cross-check against docs/cpython-gc-internals.md:")
    print("\n".join(lines))
    if bad and args.strict_check:
        print("gen-layouts: %d fact-sheet mismatches (--strict-check); nothing written" % bad, file=sys.stderr)
        return 1
    if bad:
        print("gen-layouts: warning: %d fact-sheet mismatches (see above)" % bad, file=sys.stderr)

    text = render(builds)
    if args.dry_run:
        print("\n(dry run: %s not written)" % args.out)
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.out)
    print("\nwrote %s (%s)" % (os.path.relpath(args.out), ", ".join("v%d_%d" % b["series"] for b in builds)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
