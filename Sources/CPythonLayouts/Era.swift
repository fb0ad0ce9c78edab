/// What a CPython series means beyond its offsets, in one place: the reader asks its era instead of
/// testing `minor >= N` (../shared/docs/design-next.md §2). Derived from the generated layout (which
/// structures and fields the series has) and its series; the properties here describe 2.7–3.7 and how
/// they differ from 3.8+.
public struct Era: Sendable, Equatable {
    /// Where the collector's state (generations, `gc.garbage`, flags) lives.
    public enum GCStateHome: Sendable, Equatable {
        /// `_PyRuntime.gc` (3.7–3.8): one state for the process.
        case runtime(offset: Int)
        /// `interp->gc` (3.9+): one per interpreter; the main one's is read.
        case interpreter(offset: Int)
        /// gcmodule.c's variables (3.6): `GCLayout.statics` names them.
        case moduleStatics
    }

    public var gcStateHome: GCStateHome
    /// Whether `_PyRuntime` exists (3.7+). Before, the interpreter list is pystate.c's `interp_head`
    /// (`InterpreterLayout.statics["head"]`, or read through `PyInterpreterState_Head()` when stripped).
    public var hasRuntimeState: Bool
    /// Whether `_PyRuntime.main_thread` holds the main thread's `pthread_self()` (3.8+); before, it is
    /// the `thread_id` of the interpreter's oldest thread state.
    public var mainThreadInRuntime: Bool
    /// `gc.freeze()`'s permanent generation (3.7+).
    public var hasPermanentGeneration: Bool

    public init(layout: PythonLayout) {
        if let offset = layout.runtime.gc {
            gcStateHome = .runtime(offset: offset)
        } else if let offset = layout.interpreter.gc {
            gcStateHome = .interpreter(offset: offset)
        } else {
            gcStateHome = .moduleStatics
        }
        hasRuntimeState = layout.runtime.size != nil
        mainThreadInRuntime = layout.runtime.mainThread != nil
        hasPermanentGeneration = layout.gc.permanentGeneration != nil
    }
}

extension PythonLayout {
    /// This series' era (worked out from the layout: ask it once, not per object).
    public var era: Era { Era(layout: self) }
}
