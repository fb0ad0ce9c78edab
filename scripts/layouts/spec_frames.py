"""The traversal spec for FrameTraversalLayout (the `frames:` argument): frames and generators (FRAME_*,
GENERATORS), the _asyncio types (ASYNCIO, ASYNCIO_MORE, ASYNCIO_ABSENT, ASYNCIO_TYPES), inline arrays
(HAMT_ARRAYS), module types (MODULE_TYPES), dict subclasses (DICT_SUBTYPES), the deque (DEQUE) and
EXTRA_CHECKS. Resolved by frames.py, aio.py, extras.py and deque.py; their traces checked by verify.py."""

from common import ALL, PY2, PY3, R37, in_range
from spec_layout import q_off

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

# Structures of the _asyncio extension module (its own .so, read in a second gdb session).
ASYNCIO_TYPES = {
    "object": ["PyObject", "struct _object"],
    "future": ["FutureObj"],
    "task": ["TaskObj"],
    "futureiter": ["futureiterobject", "struct futureiterobject"],
    "stepwrapper": ["TaskStepMethWrapper"],
    "wakeupwrapper": ["TaskWakeupMethWrapper"],                        # 3.8-3.9 only
}

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
