/// Where a code object keeps its names, file and line-number data, and where a frame keeps its line
/// number and current instruction: what a reader needs to name a frame (`function (file:line)`).
///
/// Offsets are in bytes from the start of the `PyCodeObject`, the `PyFrameObject` (`frame*`) or the
/// `_PyInterpreterFrame` (`interpreterFrame*`). Each was read from the DWARF of the series' build by
/// scripts/gen-layouts.py, which also checks the member's C type and that every field that is `nil` for
/// a series is really absent from that build.
///
/// A line number, given a code object `code` and its frame:
/// * 3.8–3.10: the frame's `f_lineno` (`frameLineNumber`) is only kept up to date while the frame is
///   traced; otherwise map the last instruction `f_lasti` (`frameLastInstruction`; a byte offset in
///   3.8–3.9, an index of 2-byte code units in 3.10) through `co_lnotab` (3.8–3.9) / `co_linetable` (3.10),
///   starting at `co_firstlineno`.
/// * 3.11+: `f_lineno` of a frame *object* is only valid when non-zero; otherwise take the interpreter
///   frame's instruction pointer (`interpreterFrameInstruction`) minus the address of the code's
///   `co_code_adaptive` (`code + codeAdaptive`), in 2-byte code units, and map it through `co_linetable`.
///
/// `__sizeof__` of a frame and of a generator, coroutine or async generator (`frame_sizeof`, `gen_sizeof`
/// in Objects/frameobject.c, Objects/genobject.c), all integers read from the object's code object, 8 the
/// pointer size. Checked against the x86-64 disassembly of `frame_sizeof`/`gen_sizeof` in the pyenv builds
/// 3.8.18, 3.10.13, 3.11.7, 3.12.1, 3.13.0 and against `__sizeof__()` of live objects in all six series:
/// * 3.8–3.10 frame: `frameObjectSize + (co_stacksize + co_nlocals + len(co_cellvars) + len(co_freevars) - 1) * 8`
///   (`stackSize`, `FrameTraversalLayout.codeNlocals`, `cellvars`, `freevars`; `f->f_code` is
///   `FrameTraversalLayout.frameCode`). `frameObjectSize` is `sizeof(PyFrameObject)` = 368 (3.8–3.9), 360 (3.10).
/// * 3.8–3.10 generator/coroutine/async generator: there is no `gen_sizeof`; `object.__sizeof__` gives the
///   type's `tp_basicsize` (sizeof PyGenObject / PyCoroObject / PyAsyncGenObject: 96/104/120 in 3.8–3.9,
///   88/96/112 in 3.10), independent of the code object.
/// * 3.11 frame: `frameObjectDataOffset + interpreterFrameLocalsPlusOffset + (co_nlocalsplus + co_stacksize) * 8`
///   (`nlocalsPlus`, `stackSize`; the code is `f->f_frame->f_code`). 3.11 has no `co_framesize`.
/// * 3.11 generator/coroutine/async generator (one `gen_sizeof` for all three):
///   `generatorFrameOffset + interpreterFrameLocalsPlusOffset + (co_nlocalsplus + co_stacksize) * 8`, code `gi_code`.
/// * 3.12–3.13 frame: `frameObjectDataOffset + interpreterFrameLocalsPlusOffset + (co_framesize - FRAME_SPECIALS_SIZE) * 8`,
///   code = the interpreter frame's `f_code` (3.12) / `f_executable` (3.13) (`interpreterFrameCode`).
/// * 3.12–3.13 generator/coroutine/async generator:
///   `generatorFrameOffset + interpreterFrameLocalsPlusOffset + (co_framesize - FRAME_SPECIALS_SIZE) * 8`, code =
///   `f_code`/`f_executable` of the embedded interpreter frame (at `generatorFrameOffset`).
///
/// `FRAME_SPECIALS_SIZE` (a macro, not in the DWARF) is `(sizeof(_PyInterpreterFrame) - 1) / 8` = 9 in 3.12
/// and 3.13 (the compiled code subtracts 9), which equals `interpreterFrameLocalsPlusOffset / 8` (72 / 8); so
/// for 3.12+ the size is also `frameObjectDataOffset` (resp. `generatorFrameOffset`) `+ co_framesize * 8`, and
/// `co_framesize` = `co_nlocalsplus + co_stacksize + 9`. (Adding `localsplus` *and* the full `co_framesize * 8`
/// would count the specials twice.) `cr_iframe`/`ag_iframe` are at the same offset as `gi_iframe` (one prefix).
///
/// `sys.getsizeof` then adds the GC header for these GC types: `sizeof(PyGC_Head)` = 16 (`GCLayout.headSize`)
/// in 3.8–3.11 (`_PyObject_IS_GC`), `_PyType_PreHeaderSize` in 3.12+, which is also 16 here (no
/// `Py_TPFLAGS_PREHEADER` on frame/generator types). E.g. 3.11.7 frame of `f(a, b)` with 4 locals and stack 2:
/// `48 + 72 + 6 * 8` = 168, `sys.getsizeof` 184.
public struct CodeLayout: Sendable, Equatable {
    // MARK: PyCodeObject

    /// `co_name` (a `str`).
    public var name: Int
    /// 3.11+: `co_qualname` (a `str`). nil before 3.11 (the qualified name is on the function object).
    public var qualname: Int?
    /// `co_filename` (a `str`).
    public var filename: Int
    /// `co_firstlineno` (an `int32`).
    public var firstLineNumber: Int
    /// 3.8–3.10: `co_varnames` (a tuple of `str`: the local variable names). nil from 3.11 (see `localsPlusNames`).
    public var varnames: Int?
    /// 3.8–3.10: `co_cellvars` (a tuple of `str`). nil from 3.11.
    public var cellvars: Int?
    /// 3.8–3.10: `co_freevars` (a tuple of `str`). nil from 3.11.
    public var freevars: Int?
    /// 3.11+: `co_localsplusnames` (a tuple of `str`: locals, cells and free variables, in `localsplus`
    /// order). nil before 3.11.
    public var localsPlusNames: Int?
    /// 3.11+: `co_nlocalsplus` (an `int32`: the number of `localsplus` slots). nil before 3.11.
    public var nlocalsPlus: Int?
    /// 3.11+: `co_code_adaptive`, the inline array of 2-byte code units the interpreter executes (and the
    /// interpreter frame's instruction pointer points into). nil before 3.11.
    public var codeAdaptive: Int?
    /// 3.8–3.9: `co_lnotab` (a `bytes` line-number table). nil from 3.10.
    public var lnotab: Int?
    /// 3.10+: `co_linetable` (a `bytes` location table; its format differs between 3.10 and 3.11+). nil
    /// before 3.10.
    public var linetable: Int?

    // MARK: PyFrameObject

    /// `PyFrameObject.f_lineno` (an `int32`), in every series; see the type's documentation for when it is valid.
    public var frameLineNumber: Int
    /// 3.8–3.10: `PyFrameObject.f_lasti` (an `int32`: the last instruction, a byte offset in 3.8–3.9 and
    /// an index of 2-byte code units in 3.10; -1 before the first). nil from 3.11.
    public var frameLastInstruction: Int?

    // MARK: _PyInterpreterFrame (3.11+)

    /// 3.11+: the `_PyInterpreterFrame` instruction pointer, a `_Py_CODEUNIT *` into the code's
    /// `co_code_adaptive`: `prev_instr` (3.11–3.12, the last instruction started) or `instr_ptr` (3.13,
    /// the instruction executing or about to begin). nil before 3.11.
    public var interpreterFrameInstruction: Int?
    /// 3.11+: the `_PyInterpreterFrame`'s code: `f_code` (3.11–3.12, a `PyCodeObject *`) or `f_executable`
    /// (3.13, a `PyObject *`, a code object for Python frames; check its type). nil before 3.11 (use
    /// `FrameTraversalLayout.frameCode` there).
    public var interpreterFrameCode: Int?

    // MARK: sizes (frame_sizeof / gen_sizeof; see the type's documentation)

    /// `PyCodeObject.co_stacksize` (an `int32`), in every series.
    public var stackSize: Int? = nil
    /// 3.12+: `PyCodeObject.co_framesize` (an `int32`: `co_nlocalsplus + co_stacksize + FRAME_SPECIALS_SIZE`
    /// slots). nil before 3.12 (3.11 has no such member; use `nlocalsPlus + stackSize`).
    public var frameSize: Int? = nil
    /// 3.11+: `offsetof(PyFrameObject, _f_frame_data)`, where a frame object's own `_PyInterpreterFrame`
    /// begins (a `PyObject *[1]`). nil before 3.11.
    public var frameObjectDataOffset: Int? = nil
    /// 3.11+: `offsetof(_PyInterpreterFrame, localsplus)` (a `PyObject *[1]`); the same value as
    /// `FrameTraversalLayout.interpreterFrameLocalsPlus`. nil before 3.11.
    public var interpreterFrameLocalsPlusOffset: Int? = nil
    /// 3.11+: `offsetof(PyGenObject, gi_iframe)` (a `PyObject *[1]`; also `cr_iframe`/`ag_iframe`); the same
    /// value as `FrameTraversalLayout.generatorInterpreterFrame`. nil before 3.11.
    public var generatorFrameOffset: Int? = nil
    /// `sizeof(PyFrameObject)` (`PyFrame_Type.tp_basicsize`), in every series; the base of the 3.8–3.10
    /// `frame_sizeof` (which already counts one `f_localsplus` slot).
    public var frameObjectSize: Int? = nil

    public init(name: Int, qualname: Int?, filename: Int, firstLineNumber: Int, varnames: Int?, cellvars: Int?,
                freevars: Int?, localsPlusNames: Int?, nlocalsPlus: Int?, codeAdaptive: Int?, lnotab: Int?,
                linetable: Int?, frameLineNumber: Int, frameLastInstruction: Int?, interpreterFrameInstruction: Int?,
                interpreterFrameCode: Int?, stackSize: Int? = nil, frameSize: Int? = nil,
                frameObjectDataOffset: Int? = nil, interpreterFrameLocalsPlusOffset: Int? = nil,
                generatorFrameOffset: Int? = nil, frameObjectSize: Int? = nil) {
        self.name = name
        self.qualname = qualname
        self.filename = filename
        self.firstLineNumber = firstLineNumber
        self.varnames = varnames
        self.cellvars = cellvars
        self.freevars = freevars
        self.localsPlusNames = localsPlusNames
        self.nlocalsPlus = nlocalsPlus
        self.codeAdaptive = codeAdaptive
        self.lnotab = lnotab
        self.linetable = linetable
        self.frameLineNumber = frameLineNumber
        self.frameLastInstruction = frameLastInstruction
        self.interpreterFrameInstruction = interpreterFrameInstruction
        self.interpreterFrameCode = interpreterFrameCode
        self.stackSize = stackSize
        self.frameSize = frameSize
        self.frameObjectDataOffset = frameObjectDataOffset
        self.interpreterFrameLocalsPlusOffset = interpreterFrameLocalsPlusOffset
        self.generatorFrameOffset = generatorFrameOffset
        self.frameObjectSize = frameObjectSize
    }
}
