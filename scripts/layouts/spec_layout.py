"""The layout spec: which C structure and member each `PythonLayout` field is (LAYOUT, by Swift struct and
initializer label, with the series that have it), the C type names of each structure (TYPES), the statics that
stand in for a structure before `_PyRuntime` (STATICS) and structural type checks (TYPE_CHECKS). The query
constructors (q_*) are common.py's, re-exported here; the thread-stack and int groups are spec_stacks.py's.

A field outside its range is `nil` and must be *absent* from the build (the table would be stale otherwise).

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
"""

import spec_stacks
from common import ALL, PY2, PY3, R37, q_alt, q_bit, q_count, q_off, q_size, q_typed  # noqa: F401 (q_*: re-exported)

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

# The thread-stack reader's groups (StackLayout, LongLayout): spec_stacks.py.
TYPES.update(spec_stacks.TYPES)
LAYOUT.extend(spec_stacks.LAYOUT)
LATE_GROUPS += spec_stacks.LATE_GROUPS

# Structural checks: (query for the stripped type name of a field, accepted type names, series range).
TYPE_CHECKS = [
    ({"kind": "ftype", "type": "runtime", "path": "gc"}, ["struct _gc_runtime_state"], ((3, 7), (3, 8))),
    ({"kind": "ftype", "type": "interp", "path": "gc"}, ["struct _gc_runtime_state"], ((3, 9), (3, 13))),
    ({"kind": "ftype", "type": "gcstate", "path": "generations"}, ["struct gc_generation [3]"], R37),
    ({"kind": "ftype", "type": "gcstate", "path": "permanent_generation"}, ["struct gc_generation"], R37),
    ({"kind": "ftype", "type": "gcstate", "path": "generation_stats"}, ["struct gc_generation_stats [3]"], R37),
]
