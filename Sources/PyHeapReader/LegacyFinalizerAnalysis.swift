import CPythonLayouts
import HeapGraph
import HeapModel
import RemoteMemory

/// Which unreachable objects a collection would keep, as gcmodule.c decides it: `has_legacy_finalizer`
/// (3.4+: the type's `tp_del` is set) picks the objects `move_legacy_finalizers` sets aside, then
/// `move_legacy_finalizer_reachable` adds every unreachable object reachable from them (through the
/// same references the unreachable set was computed from). Neither is freed: `handle_legacy_finalizers`
/// appends the finalizer objects to `gc.garbage` and moves all of them to the oldest generation.
/// 2.7 decides per object (`Python2Finalizers`).
struct LegacyFinalizerAnalysis {
    let memory: CachedMemory
    let layout: PythonLayout
    /// nil from 3.4, where the type alone decides.
    let python2: Python2Finalizers?

    init(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64]) {
        self.memory = memory
        self.layout = layout
        python2 = layout.hasTypeSlotFinalizerRule ? nil : Python2Finalizers(memory: memory, layout: layout, symbols: symbols)
    }

    func run(unreachable: [Int32], graph: ObjectGraph, typeOf: [UInt64]) -> LegacyFinalizers {
        var result = LegacyFinalizers()
        var reasons: [UInt64: String?] = [:]
        var isUnreachable = [Bool](repeating: false, count: graph.count)
        for node in unreachable { isUnreachable[Int(node)] = true }
        var kept = [Bool](repeating: false, count: graph.count)
        var pending: [Int32] = []
        for node in unreachable {
            let type = typeOf[Int(node)]
            let reason: String
            if let python2 {
                guard let found = python2.reason(object: graph.addresses[Int(node)], type: type) else { continue }
                reason = found
            } else {
                if reasons[type] == nil { reasons[type] = finalizerReason(ofType: type) }
                guard let found = reasons[type] ?? nil else { continue }
                reason = found
            }
            kept[Int(node)] = true
            pending.append(node)
            result.finalizers.append(LegacyFinalizers.Finalizer(object: ObjectRef(address: graph.addresses[Int(node)], type: type),
                                                                reason: reason))
        }
        // Bounded: each node is queued at most once.
        while let node = pending.popLast() {
            for target in graph.referents(of: Int(node)) where isUnreachable[Int(target)] && !kept[Int(target)] {
                kept[Int(target)] = true
                pending.append(target)
            }
        }
        for node in unreachable where kept[Int(node)] {
            result.census.count += 1
            result.census.byType[typeOf[Int(node)], default: 0] += 1
            result.census.objects!.append(ObjectRef(address: graph.addresses[Int(node)], type: typeOf[Int(node)]))
        }
        return result
    }

    /// Why objects of `type` have a legacy finalizer, or nil: `tp_del` set (from 3.4 only C types,
    /// e.g. what `_testcapi.with_tp_del` makes). An unreadable type has none
    /// (the safe side: the object then counts as freed, as most are).
    private func finalizerReason(ofType type: UInt64) -> String? {
        guard let function = try? memory.word(at: type &+ UInt64(layout.type.legacyFinalizer)), function != 0 else { return nil }
        return "tp_del"
    }
}
