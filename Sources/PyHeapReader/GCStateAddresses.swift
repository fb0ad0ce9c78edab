import CPythonLayouts
import RemoteMemory

/// Where each part of the collector's state is in the target, whatever its era keeps it in: fields
/// of `_PyRuntime.gc` (3.7–3.8) or `interp->gc` (3.9+) at the layout's offsets, or the variables of
/// gcmodule.c (3.6), each at its own symbol.
public struct GCStateAddresses: Sendable, Equatable {
    public var enabled: UInt64
    public var debug: UInt64
    /// The first `struct gc_generation`; the others follow at `GCLayout.generationSize` strides.
    public var generations: UInt64
    /// nil before 3.7 (no `gc.freeze()`).
    public var permanentGeneration: UInt64?
    public var generationStats: UInt64?
    public var collecting: UInt64
    /// The `PyObject *` variable or field that holds `gc.garbage`.
    public var garbage: UInt64

    /// The state inside a structure at `base` (`_PyRuntime.gc`, `interp->gc`).
    init(structure base: UInt64, layout g: GCLayout) throws(ReaderError) {
        guard let enabled = g.enabled, let debug = g.debug, let generations = g.generations, let collecting = g.collecting,
              let garbage = g.garbage else {
            throw .inconsistent("the layout has no gc state structure")
        }
        self.enabled = base &+ UInt64(enabled)
        self.debug = base &+ UInt64(debug)
        self.generations = base &+ UInt64(generations)
        permanentGeneration = g.permanentGeneration.map { base &+ UInt64($0) }
        generationStats = g.generationStats.map { base &+ UInt64($0) }
        self.collecting = base &+ UInt64(collecting)
        self.garbage = base &+ UInt64(garbage)
    }

    /// The state in gcmodule.c's variables (3.6), from the file-local symbols of an unstripped build
    /// (`.symtab`). A stripped build exports only `_PyGC_generation0` (a pointer to the first
    /// generation), not `enabled`, `debug`, `collecting` or `garbage`; without `collecting` a read
    /// cannot tell a consistent heap from one caught mid-collection, so such a build is refused.
    init(statics g: GCLayout, symbols: [String: ResolvedSymbol], memory: any MemoryReader, file: String) throws(ReaderError) {
        func address(_ role: String) -> UInt64? { g.statics[role].flatMap { symbols[$0]?.address } }
        let missing = ["enabled", "debug", "collecting", "garbage"].filter { address($0) == nil }
        guard missing.isEmpty, let enabled = address("enabled"), let debug = address("debug"),
              let collecting = address("collecting"), let garbage = address("garbage") else {
            let names = missing.compactMap { g.statics[$0]?.split(separator: ":").last }.joined(separator: ", ")
            throw .notPython("\(file) has no symbol table (.symtab) naming gcmodule.c's \(names): "
                + "this series keeps the collector's state in those statics; use an unstripped build or its debug symbols")
        }
        var generations = address("generations")
        if generations == nil, let pointer = symbols["_PyGC_generation0"]?.address {
            // `PyGC_Head *_PyGC_generation0 = GEN_HEAD(0)`: exported, and points at generations[0].
            generations = try? memory.pointer(at: pointer)
        }
        guard let generations, generations != 0 else {
            throw .notPython("\(file) defines neither gcmodule.c's generations nor _PyGC_generation0")
        }
        self.enabled = enabled
        self.debug = debug
        self.generations = generations
        permanentGeneration = nil
        generationStats = address("generationStats")
        self.collecting = collecting
        self.garbage = garbage
    }
}

/// Finds the main `PyInterpreterState` where there is no `_PyRuntime` (3.6): pystate.c's
/// `interp_head` (a file-local symbol), or in a stripped build the variable `PyInterpreterState_Head()`
/// returns, decoded from its code (`mov disp32(%rip), %rax; ret`). The list is newest first: the
/// main interpreter is its last entry.
enum InterpreterListHead {
    static func mainInterpreter(layout: PythonLayout, symbols: [String: ResolvedSymbol], memory: any MemoryReader) -> UInt64? {
        var head = layout.interpreter.statics["head"].flatMap { symbols[$0]?.address }
        if head == nil, let function = symbols["PyInterpreterState_Head"]?.address,
           let code = try? memory.bytes(at: function, count: 8),
           code[0] == 0x48, code[1] == 0x8b, code[2] == 0x05, code[7] == 0xc3 {
            let displacement = Int32(bitPattern: UInt32(code[3]) | UInt32(code[4]) << 8 | UInt32(code[5]) << 16 | UInt32(code[6]) << 24)
            head = function &+ 7 &+ UInt64(bitPattern: Int64(displacement))
        }
        guard let head, var interpreter = try? memory.pointer(at: head), interpreter != 0 else { return nil }
        for _ in 0..<Self.maxInterpreters {
            guard let next = try? memory.pointer(at: interpreter &+ UInt64(layout.interpreter.next)) else { return nil }
            if next == 0 { return interpreter }
            interpreter = next
        }
        return nil
    }

    /// More interpreters than any process makes: the list loops.
    static let maxInterpreters = 1 << 12
}
