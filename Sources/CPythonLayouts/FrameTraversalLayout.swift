/// What the traverse functions of frames, generators and `_asyncio` futures/tasks visit: facts that do
/// not fit `TraversalLayout.pointerFields` because part of what they visit is an array sized at run
/// time or a second structure reached through a pointer.
///
/// Every offset is in bytes from the start of the object (or of the `_PyInterpreterFrame`, for the
/// `interpreterFrame*` fields). Each was read from the DWARF of the series' build and checked against
/// the x86-64 disassembly of the traverse function itself (scripts/gen-layouts.py: `FRAMES` in
/// scripts/layouts/spec_frames.py): the set of things the compiled function hands to `visit` must equal
/// what these fields describe.
///
/// How to apply them (`visit(p)` means "p is a reference, if not NULL"):
///
/// * `frame_traverse` (`PyFrame_Type`), 3.8–3.10: visit `frameFields`; then the fast locals:
///   `n = *(int32 *)(code + codeNlocals) + Py_SIZE(*(code + codeCellvars)) + Py_SIZE(*(code + codeFreevars))`
///   with `code = *(frame + frameCode)`, visit the `n` words at `frame + frameLocalsPlus`; then the value
///   stack: 3.8/3.9, when `top = *(frame + frameStackTop)` is not NULL, every word in
///   `[*(frame + frameValueStack), top)`; 3.10, the first `*(int32 *)(frame + frameStackDepth)` words at
///   `*(frame + frameValueStack)`.
/// * `frame_traverse`, 3.11+: visit `frameFields`; then, with `f = *(frame + frameInterpreterFrame)`, only when
///   the byte `*(f + interpreterFrameOwner) == ownedByFrameObject`, `_PyFrame_Traverse(f)`.
/// * `_PyFrame_Traverse(f)` (3.11+): visit `interpreterFrameFields` (offsets from `f`), then the first
///   `*(int32 *)(f + interpreterFrameStackTop)` words at `f + interpreterFrameLocalsPlus` (locals, cells and
///   the value stack).
/// * `gen_traverse` / `async_gen_traverse`: visit `generatorFields[symbol]`; 3.11+ also, only when the signed
///   byte `*(int8 *)(gen + generatorFrameState) < generatorFrameCleared`, `_PyFrame_Traverse(gen + generatorInterpreterFrame)`
///   (the frame is embedded in the generator, not pointed to).
/// * `FutureObj_traverse` / `TaskObj_traverse` and the other `_asyncio` traverse functions (the `_asyncio`
///   extension): visit `asyncioFields[tp_name]`.
/// * HAMT nodes (`hamt_node_*_traverse`, the maps behind `contextvars`): visit the array `arrayFields[symbol]`
///   describes (see `ArrayFieldRule`).
/// * `partial_traverse` (`functools.partial`, compiled into libpython): visit `moduleFields[tp_name]`.
/// * `deque_traverse` (`collections.deque`): walk the block list `deque` describes (see `DequeLayout`).
/// * `odict_traverse` / `defdict_traverse`: visit `dictSubtypeFields[key]`, then do what `dict_traverse`
///   does for the same object (both end with `return PyDict_Type.tp_traverse(self, visit, arg)`).
///
/// Left out (safe: only hides references): 3.13's `PyObject_VisitManagedDict` call in the `_asyncio`
/// traverse functions (the instance `__dict__` of a Future/Task is not described here); `cr_origin` and
/// a coroutine's `cr_origin_or_finalizer` are never visited by CPython either; `odict_traverse`'s walk
/// of its node list (each node's key, the same objects `dict_traverse` reaches as the dict's keys);
/// and the HAMT iterators.
public struct FrameTraversalLayout: Sendable, Equatable {
    // MARK: frame_traverse (PyFrame_Type)

    /// `PyFrameObject` fields `frame_traverse` always visits: 3.8–3.10 `f_back`, `f_code`, `f_builtins`,
    /// `f_globals`, `f_locals`, `f_trace`; 3.11–3.12 `f_back`, `f_trace`; 3.13 `f_back`, `f_trace`,
    /// `f_extra_locals`, `f_locals_cache`. In source order.
    public var frameFields: [Int]
    /// 3.8–3.10: `PyFrameObject.f_localsplus`, the inline array of fast locals, cells and free variables.
    public var frameLocalsPlus: Int?
    /// 3.8–3.10: `PyFrameObject.f_code`, the code object whose counts size `f_localsplus`.
    public var frameCode: Int?
    /// 3.8–3.10: `PyCodeObject.co_nlocals` (an `int32`).
    public var codeNlocals: Int?
    /// 3.8–3.10: `PyCodeObject.co_cellvars` (a tuple; its `ob_size` counts cell slots).
    public var codeCellvars: Int?
    /// 3.8–3.10: `PyCodeObject.co_freevars` (a tuple; its `ob_size` counts free-variable slots).
    public var codeFreevars: Int?
    /// 3.8–3.10: `PyFrameObject.f_valuestack`, a pointer to the bottom of the value stack.
    public var frameValueStack: Int?
    /// 3.8–3.9: `PyFrameObject.f_stacktop`, a pointer one past the top of the value stack; NULL while the
    /// frame executes, and then the stack is not visited at all.
    public var frameStackTop: Int?
    /// 3.10: `PyFrameObject.f_stackdepth` (an `int32`): how many value-stack words are visited.
    public var frameStackDepth: Int?
    /// 3.11+: `PyFrameObject.f_frame`, the pointer to the frame's `_PyInterpreterFrame`.
    public var frameInterpreterFrame: Int?
    /// 3.11+: `_PyInterpreterFrame.owner` (one byte).
    public var interpreterFrameOwner: Int?
    /// 3.11+: `FRAME_OWNED_BY_FRAME_OBJECT` (2 in 3.11–3.13): only then does the frame object traverse
    /// its interpreter frame (otherwise a generator or the thread owns it).
    public var ownedByFrameObject: Int?

    // MARK: _PyFrame_Traverse (3.11+)

    /// 3.11+: `_PyInterpreterFrame` fields `_PyFrame_Traverse` visits: `frame_obj`, `f_locals`, then
    /// `f_func` (3.11) / `f_funcobj` (3.12+), then `f_code` (3.11–3.12) / `f_executable` (3.13).
    /// Empty before 3.11.
    public var interpreterFrameFields: [Int]
    /// 3.11+: `_PyInterpreterFrame.localsplus`, the inline array of locals followed by the value stack.
    public var interpreterFrameLocalsPlus: Int?
    /// 3.11+: `_PyInterpreterFrame.stacktop` (an `int32` index into `localsplus`, still in 3.13; 3.14
    /// replaces it with the `stackpointer` pointer): how many `localsplus` words are visited.
    public var interpreterFrameStackTop: Int?

    // MARK: gen_traverse / async_gen_traverse

    /// Fields the generator traverse functions always visit, keyed by the exported type object:
    /// `PyGen_Type` and `PyCoro_Type` (both use `gen_traverse`), `PyAsyncGen_Type` (`async_gen_traverse`:
    /// `ag_finalizer` (3.8–3.10) / `ag_origin_or_finalizer` (3.11+) first, then what `gen_traverse` visits).
    /// 3.8–3.10: the frame object, the code object, name, qualname, and the exception state
    /// (`exc_type`, `exc_value`, `exc_traceback`); 3.11: code, name, qualname, `exc_state.exc_value`;
    /// 3.12+: name, qualname, `exc_state.exc_value`.
    public var generatorFields: [String: [Int]]
    /// 3.11+: `gi_frame_state` (a signed byte; same offset as `cr_frame_state` and `ag_frame_state`).
    public var generatorFrameState: Int?
    /// 3.11+: `FRAME_CLEARED` (4 in 3.11–3.13), the largest `PyFrameState` value. The embedded frame is
    /// traversed while `gi_frame_state < FRAME_CLEARED` (3.13 compiles the test as `!=`, the same for
    /// every valid state; a reader applying `<` can only visit less).
    public var generatorFrameCleared: Int?
    /// 3.11+: `gi_iframe` (same offset as `cr_iframe`, `ag_iframe`): the embedded `_PyInterpreterFrame`.
    public var generatorInterpreterFrame: Int?

    // MARK: _asyncio

    /// `_asyncio` C types, keyed by `tp_name` (`"_asyncio.Future"`, `"_asyncio.Task"`): every field
    /// `FutureObj_traverse` / `TaskObj_traverse` visits, with the Task list including what the Future
    /// traverse visits for it (3.8–3.11 `TaskObj_traverse` calls `FutureObj_traverse`; 3.12+ inlines it).
    /// 3.12+ lists offset 8 (`ob_type`): these are heap types and visit `Py_TYPE(self)`. 3.13's managed
    /// `__dict__` (`PyObject_VisitManagedDict`) is not included.
    /// Also `"_asyncio.FutureIter"` (`future`), the step wrapper (`sw_task`, `sw_arg`; its `tp_name` is
    /// `"TaskStepMethWrapper"` in 3.8–3.11 and `"_asyncio.TaskStepMethWrapper"` from 3.12) and, in 3.8–3.9
    /// only, `"TaskWakeupMethWrapper"` (`ww_task`); from 3.12 each also lists offset 8. (`_RunningLoopHolder`,
    /// 3.8–3.11, is not a GC type.)
    public var asyncioFields: [String: [Int]]

    // MARK: arrays, module types, dict subclasses

    /// Types whose traverse function visits one inline array of `PyObject *` and nothing else, keyed by the
    /// symbol of the type object: `_PyHamt_BitmapNode_Type`, `_PyHamt_CollisionNode_Type` (`Py_SIZE(self)`
    /// elements) and `_PyHamt_ArrayNode_Type` (32 elements, NULL ones skipped by `visit`). These symbols are
    /// exported (`.dynsym`) only in 3.8–3.10; from 3.11 they are local symbols, found only in the `.symtab`
    /// of an unstripped libpython (a stripped build such as Debian's `/usr/bin/python3.11` has neither).
    /// The same holds for `_PyHamt_Type` in `TraversalLayout.pointerFields`.
    public var arrayFields: [String: ArrayFieldRule]
    /// Types of modules compiled into libpython, which export no symbol for them, keyed by `tp_name`
    /// (recognised by name like `asyncioFields`): `"functools.partial"` → `fn`, `args`, `kw`, `dict`; from
    /// 3.10 (a heap type from then on) also offset 8, `Py_TYPE(self)`. Every field the traverse visits.
    public var moduleFields: [String: [Int]]
    /// C subclasses of dict whose traverse function visits these fields and then delegates to
    /// `dict_traverse` on the same object (`PyDict_Type.tp_traverse`): the reader must visit the fields
    /// *and* the dict part. Keyed by the exported symbol of the type object where there is one
    /// (`"PyODict_Type"` → `od_inst_dict`) and otherwise by `tp_name` (`"collections.defaultdict"` →
    /// `default_factory`; from 3.12, a heap type, also offset 8, `Py_TYPE(self)`). A key containing a dot
    /// is a `tp_name`; the others are symbols.
    public var dictSubtypeFields: [String: [Int]]

    // MARK: names

    /// The C name of every offset in the offset lists above, in the same order, keyed by the list:
    /// `"frameFields"`, `"interpreterFrameFields"` (empty before 3.11), and for the keyed tables
    /// `"generatorFields:<key>"`, `"asyncioFields:<key>"`, `"moduleFields:<key>"`, `"dictSubtypeFields:<key>"`
    /// (`"asyncioFields:_asyncio.Future"` → `["fut_loop", ...]`). A member of an inner struct is named by its
    /// member path (`"gi_exc_state.exc_value"`); the `Py_TYPE(self)` visit at offset 8 is `"ob_type"`.
    /// (`arrayFields` is not named here.)
    public var fieldNames: [String: [String]] = [:]

    // MARK: collections.deque

    /// `deque_traverse` (`collections.deque`): its block list walk (see `DequeLayout`). `nil` when not
    /// described.
    public var deque: DequeLayout? = nil

    public init(frameFields: [Int], frameLocalsPlus: Int?, frameCode: Int?, codeNlocals: Int?, codeCellvars: Int?,
                codeFreevars: Int?, frameValueStack: Int?, frameStackTop: Int?, frameStackDepth: Int?,
                frameInterpreterFrame: Int?, interpreterFrameOwner: Int?, ownedByFrameObject: Int?,
                interpreterFrameFields: [Int], interpreterFrameLocalsPlus: Int?, interpreterFrameStackTop: Int?,
                generatorFields: [String: [Int]], generatorFrameState: Int?, generatorFrameCleared: Int?,
                generatorInterpreterFrame: Int?, asyncioFields: [String: [Int]],
                arrayFields: [String: ArrayFieldRule] = [:], moduleFields: [String: [Int]] = [:],
                dictSubtypeFields: [String: [Int]] = [:], fieldNames: [String: [String]] = [:],
                deque: DequeLayout? = nil) {
        self.frameFields = frameFields
        self.frameLocalsPlus = frameLocalsPlus
        self.frameCode = frameCode
        self.codeNlocals = codeNlocals
        self.codeCellvars = codeCellvars
        self.codeFreevars = codeFreevars
        self.frameValueStack = frameValueStack
        self.frameStackTop = frameStackTop
        self.frameStackDepth = frameStackDepth
        self.frameInterpreterFrame = frameInterpreterFrame
        self.interpreterFrameOwner = interpreterFrameOwner
        self.ownedByFrameObject = ownedByFrameObject
        self.interpreterFrameFields = interpreterFrameFields
        self.interpreterFrameLocalsPlus = interpreterFrameLocalsPlus
        self.interpreterFrameStackTop = interpreterFrameStackTop
        self.generatorFields = generatorFields
        self.generatorFrameState = generatorFrameState
        self.generatorFrameCleared = generatorFrameCleared
        self.generatorInterpreterFrame = generatorInterpreterFrame
        self.asyncioFields = asyncioFields
        self.arrayFields = arrayFields
        self.moduleFields = moduleFields
        self.dictSubtypeFields = dictSubtypeFields
        self.fieldNames = fieldNames
        self.deque = deque
    }
}

/// An inline array of `PyObject *` that a traverse function visits element by element (`visit(p)` for
/// each non-NULL element): `count` elements starting `offset` bytes from the start of the object.
public struct ArrayFieldRule: Sendable, Equatable {
    /// How many elements are visited.
    public enum Count: Sendable, Equatable {
        /// `Py_SIZE(self)`: the object's `ob_size` (`ObjectLayout.size`), for variable-size objects whose
        /// `tp_basicsize` ends where the array starts (HAMT bitmap and collision nodes).
        case objectSize
        /// Always this many (the HAMT array node's `a_array[32]`).
        case fixed(Int)
    }

    /// Offset of element 0, in bytes from the start of the object.
    public var offset: Int
    public var count: Count

    public init(offset: Int, count: Count) {
        self.offset = offset
        self.count = count
    }
}
