import CPythonLayouts
import RemoteMemory

/// Chooses, among the tables of a series, the one that describes the target, by reading the target:
/// `_Py_DebugOffsets` (3.13+) is the authority for every field it describes (they are applied to the
/// table), the size it publishes for the gc state must be the table's, and the gc state the table
/// locates must hold together — every generation's list head links back to it, `generation0` points
/// at the first generation, thresholds and counts are sane. A table that fails is never read as garbage.
struct LayoutFit {
    let memory: any MemoryReader
    let runtime: UInt64
    let debugOffsets: DebugOffsets?

    /// The located table and gc state.
    struct Fit {
        var layout: PythonLayout
        var interpreter: UInt64
        var gcState: UInt64
    }

    /// The first candidate that fits, or every candidate's reason for not fitting. When none fits with
    /// its list heads linked back, the first that fits otherwise is taken: a broken list is then the
    /// walk's to report (as inconsistent memory), not a reason to call the layout unknown.
    func choose(_ candidates: [PythonLayout]) -> Result<Fit, FitFailure> {
        var reasons: [String] = []
        var unreadable: [MemoryError] = []
        var withoutInterpreter = 0
        for checkLinks in [true, false] {
            for candidate in candidates {
                switch fit(candidate, checkLinks: checkLinks) {
                case let .success(fit): return .success(fit)
                case let .failure(reason):
                    if let error = reason.unreadable, case .processGone = error { return .failure(reason) }
                    if let error = reason.unreadable, checkLinks { unreadable.append(error) }
                    if reason.noInterpreter, checkLinks { withoutInterpreter += 1 }
                    if checkLinks { reasons.append("\(candidate.version ?? candidate.series): \(reason.text)") }
                }
            }
        }
        // Nothing could even be read: the target's memory is the problem, not the tables.
        let allUnreadable = !candidates.isEmpty && unreadable.count == candidates.count
        // No interpreter under any table: the process is not ready, the tables are not at fault.
        if !candidates.isEmpty && withoutInterpreter == candidates.count {
            return .failure(FitFailure(text: Self.noInterpreter, noInterpreter: true))
        }
        return .failure(FitFailure(text: reasons.joined(separator: "; "), unreadable: allUnreadable ? unreadable.first : nil))
    }

    struct FitFailure: Error {
        var text: String
        /// Set when the target's memory could not be read (it exited, exec'd, or the pointer is bad).
        var unreadable: MemoryError? = nil
        /// Set when there was no main interpreter to find the gc state in (starting up or shutting down).
        var noInterpreter = false
    }

    static let noInterpreter = "no main interpreter (the process is starting up or shutting down)"

    func fit(_ table: PythonLayout, checkLinks: Bool = true) -> Result<Fit, FitFailure> {
        var layout = table
        if let debugOffsets {
            if let size = debugOffsets.entries(in: layout)["gc.size"], let stateSize = layout.gc.stateSize, size != UInt64(stateSize) {
                return .failure(FitFailure(text: "its gc state is \(size) bytes (_Py_DebugOffsets), \(stateSize) in the table"))
            }
            layout = debugOffsets.applied(to: layout)
        }
        do {
            guard let mainField = layout.runtime.interpretersMain, let headField = layout.runtime.interpretersHead else {
                return .failure(FitFailure(text: "the table has no interpreter list in _PyRuntime"))
            }
            let main = try memory.pointer(at: runtime &+ UInt64(mainField))
            let head = try memory.pointer(at: runtime &+ UInt64(headField))
            let interpreter = main != 0 ? main : head
            let gcState: UInt64
            switch layout.era.gcStateHome {
            case let .runtime(offset):
                gcState = runtime &+ UInt64(offset)
            case let .interpreter(offset):
                guard interpreter != 0 else { return .failure(FitFailure(text: Self.noInterpreter, noInterpreter: true)) }
                gcState = interpreter &+ UInt64(offset)
            case .moduleStatics:
                return .failure(FitFailure(text: "the table keeps its gc state in module statics, not in _PyRuntime"))
            }
            if let problem = try problem(gcState: gcState, layout: layout, checkLinks: checkLinks) { return .failure(FitFailure(text: problem)) }
            return .success(Fit(layout: layout, interpreter: interpreter, gcState: gcState))
        } catch {
            return .failure(FitFailure(text: "\(error)", unreadable: error))
        }
    }

    /// Why the gc state at `gcState` is not what `layout` says, or nil when it holds together.
    private func problem(gcState: UInt64, layout: PythonLayout, checkLinks: Bool) throws(MemoryError) -> String? {
        let g = layout.gc
        guard let generations = g.generations else { return "the table places no generations in a gc state" }
        let first = gcState &+ UInt64(generations)
        if let field = g.generation0 {
            let generation0 = try memory.pointer(at: gcState &+ UInt64(field))
            guard generation0 == first else {
                return "generation0 is 0x\(hex(generation0)), not the first generation at 0x\(hex(first))"
            }
        }
        let heads = (0..<g.generationCount).map { first &+ UInt64($0 * g.generationSize) }
            + (g.permanentGeneration.map { [gcState &+ UInt64($0)] } ?? [])
        for (index, head) in heads.enumerated() {
            let name = index < g.generationCount ? "generation \(index)" : "the permanent generation"
            let next = try memory.load(UInt64.self, at: head) & GCListWalker.linkMask
            let previous = try memory.load(UInt64.self, at: head &+ 8) & GCListWalker.linkMask
            guard next != 0, previous != 0 else { return "\(name)'s list head at 0x\(hex(head)) holds a null link" }
            if checkLinks {
                let nextBack = try memory.load(UInt64.self, at: next &+ 8) & GCListWalker.linkMask
                let previousNext = try memory.load(UInt64.self, at: previous) & GCListWalker.linkMask
                guard nextBack == head, previousNext == head else {
                    return "\(name)'s list head at 0x\(hex(head)) is not linked back"
                }
            }
            guard index < g.generationCount else { continue }
            let threshold = try memory.load(Int32.self, at: head &+ UInt64(g.generationThreshold))
            let count = try memory.load(Int32.self, at: head &+ UInt64(g.generationCountField))
            guard (0...1 << 30).contains(threshold), count >= 0 else {
                return "\(name) has threshold \(threshold) and count \(count)"
            }
        }
        return nil
    }
}
