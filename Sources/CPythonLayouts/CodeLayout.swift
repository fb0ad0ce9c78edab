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

    public init(name: Int, qualname: Int?, filename: Int, firstLineNumber: Int, varnames: Int?, cellvars: Int?,
                freevars: Int?, localsPlusNames: Int?, nlocalsPlus: Int?, codeAdaptive: Int?, lnotab: Int?,
                linetable: Int?, frameLineNumber: Int, frameLastInstruction: Int?, interpreterFrameInstruction: Int?,
                interpreterFrameCode: Int?) {
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
    }
}
