"""The layout spec of the thread-stack reader (Sources/PyHeapReader/ThreadStacks.swift): StackLayout (every
thread state of an interpreter, each one's current frame, how frames link, where a 3.11+ thread keeps its
frames) and LongLayout (the value of an int: `threading._active` is keyed by thread ids). Appended to
spec_layout's LAYOUT and TYPES; the fields follow its rules (a field outside its range is nil and must be
absent from the build; 3.14+ take the 3.13 query unless probed.py overrides it).

Optional fields and the series that have them:
  StackLayout.nativeThreadId   3.11+  (`tstate->native_thread_id`; 3.8-3.10 keep it in the Thread object only)
  StackLayout.frame            2.7-3.10   (`tstate->frame`, the innermost PyFrameObject; `f_back` links them)
  StackLayout.cframe   3.10-3.12 (3.10's holds no frame)   StackLayout.cframeCurrentFrame   3.11-3.12
      (`tstate->cframe->current_frame`; the _PyCFrame lives on the C stack while Python code runs,
      `tstate->root_cframe` otherwise)
  StackLayout.currentFrame     3.13+  (`tstate->current_frame`)
  StackLayout.previous / owner / ownedByThread / function / locals / frameObject / dataStackChunk /
      dataStackTop / chunkPrevious / chunkTop / chunkData / interpreterFrameSize   3.11+
  StackLayout.firstNonPythonOwner   3.12+: FRAME_OWNED_BY_CSTACK (3.12-3.13), FRAME_OWNED_BY_INTERPRETER
      (3.14+, probed.py): frames owned by it or a larger value are the C stack's entry frames (3.14 and
      3.15 also the thread's base frame), no Python function's. 3.11 marks entry frames `is_entry` instead.
  StackLayout.stackTop         3.11-3.13 (`stacktop`, an int index)   stackPointer   3.14+ (`stackpointer`)
  StackLayout.stackRefTagBits / stackRefIntTag   3.14+ (Py_TAG_BITS, Py_INT_TAG of `_PyStackRef`; probed)
  LongLayout.tag   3.12+ (`long_value.lv_tag`)   LongLayout.intValue   2.7 (`PyIntObject.ob_ival`)
"""

from common import ALL, PY2, q_alt, q_off, q_size, q_typed

R_OLD = ((2, 7), (3, 10))
R_NEW = ((3, 11), (3, 13))
R_PROBED = ((3, 14), (3, 15))       # newer than every DWARF build: only probed.py resolves these
FRAME = ["struct _frame *", "PyFrameObject *"]
IFRAME = ["struct _PyInterpreterFrame *", "_PyInterpreterFrame *"]

TYPES = {
    "cframe": ["_PyCFrame", "struct _PyCFrame"],          # 3.11-3.12
    "chunk": ["_PyStackChunk", "struct _stack_chunk"],      # 3.11+
    "long": ["PyLongObject", "struct _longobject"],
    "int": ["PyIntObject"],                                 # 2.7
}

LAYOUT = [
    ("stacks", "StackLayout", [
        # The newest thread state of the interpreter; `next` (InterpreterLayout.threadStateNext) goes to older ones.
        ("threadsHead", q_alt((R_OLD, q_typed(q_off("interp", "tstate_head"), ["struct _ts *"])),
                              (R_NEW, q_typed(q_off("interp", "threads.head"), ["PyThreadState *", "struct _ts *"]))), ALL),
        ("nativeThreadId", q_typed(q_off("tstate", "native_thread_id"), ["unsigned long"]), R_NEW),
        ("frame", q_typed(q_off("tstate", "frame"), FRAME), R_OLD),
        ("frameBack", q_typed(q_off("frame", "f_back"), FRAME), ALL),
        ("cframe", q_typed(q_off("tstate", "cframe"), ["_PyCFrame *", "struct _PyCFrame *", "CFrame *"]), ((3, 10), (3, 12))),
        ("cframeCurrentFrame", q_typed(q_off("cframe", "current_frame"), IFRAME), ((3, 11), (3, 12))),
        ("currentFrame", q_typed(q_off("tstate", "current_frame"), IFRAME), ((3, 13), (3, 13))),
        ("previous", q_typed(q_off("iframe", "previous"), IFRAME), R_NEW),
        ("owner", q_typed(q_off("iframe", "owner"), ["char"]), R_NEW),
        ("ownedByThread", {"kind": "enumval", "name": "FRAME_OWNED_BY_THREAD"}, R_NEW),
        ("firstNonPythonOwner", {"kind": "enumval", "name": "FRAME_OWNED_BY_CSTACK"}, ((3, 12), (3, 13))),
        ("stackTop", q_typed(q_off("iframe", "stacktop"), ["int"]), R_NEW),
        ("stackPointer", q_typed(q_off("iframe", "stackpointer"), ["_PyStackRef *"]), R_PROBED),
        ("function", q_alt((((3, 11), (3, 11)), q_typed(q_off("iframe", "f_func"), ["PyFunctionObject *"])),
                           (((3, 12), (3, 13)), q_typed(q_off("iframe", "f_funcobj"), ["PyObject *"]))), R_NEW),
        ("locals", q_typed(q_off("iframe", "f_locals"), ["PyObject *"]), R_NEW),
        ("frameObject", q_typed(q_off("iframe", "frame_obj"), FRAME), R_NEW),
        ("stackRefTagBits", {"kind": "enumval", "name": "Py_TAG_BITS"}, R_PROBED),
        ("stackRefIntTag", {"kind": "enumval", "name": "Py_INT_TAG"}, R_PROBED),
        # The thread's frames (those it owns) are bump-allocated in chunks: `datastack_top` ends the newest.
        ("dataStackChunk", q_typed(q_off("tstate", "datastack_chunk"), ["_PyStackChunk *", "struct _stack_chunk *"]), R_NEW),
        ("dataStackTop", q_typed(q_off("tstate", "datastack_top"), ["PyObject **"]), R_NEW),
        ("chunkPrevious", q_typed(q_off("chunk", "previous"), ["struct _stack_chunk *"]), R_NEW),
        ("chunkTop", q_typed(q_off("chunk", "top"), ["size_t", "unsigned long"]), R_NEW),
        ("chunkData", q_typed(q_off("chunk", "data"), ["PyObject *[1]"]), R_NEW),
        # FRAME_SPECIALS_SIZE is (sizeof(_PyInterpreterFrame) - 1) / 8: 3.11 frames take that many words
        # before co_nlocalsplus + co_stacksize (3.12+ count it in co_framesize).
        ("interpreterFrameSize", q_size("iframe"), R_NEW),
    ]),
    ("long", "LongLayout", [
        ("digits", q_alt((((2, 7), (3, 11)), q_off("long", "ob_digit")), (((3, 12), (3, 13)), q_off("long", "long_value.ob_digit"))),
         ALL),
        ("digitSize", {"kind": "eval", "expr": "sizeof(digit)"}, ALL),
        ("tag", q_typed(q_off("long", "long_value.lv_tag"), ["uintptr_t", "unsigned long"]), ((3, 12), (3, 13))),
        ("intValue", q_typed(q_off("int", "ob_ival"), ["long"]), PY2),
    ]),
]
LATE_GROUPS = ["stacks", "long"]


def probe_overrides(q_off, q_typed):
    """probed.py's overrides for 3.14+ ((group, label) -> (first series, query or None))."""
    return {
        ("stacks", "stackTop"): ((3, 14), None),          # replaced by the `stackpointer` pointer
        ("stacks", "function"): ((3, 14), q_typed(q_off("iframe", "f_funcobj"), ["_PyStackRef"])),
        ("stacks", "firstNonPythonOwner"): ((3, 14), {"kind": "enumval", "name": "FRAME_OWNED_BY_INTERPRETER"}),
    }
