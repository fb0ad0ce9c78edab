import HeapModel

/// `--verify-traversal` for one thread's share of the objects: each object with a native plan is
/// traversed again by its type's own tp_traverse in the emulator, and the two multisets of
/// referents compared. The interpreter's code is the reference; a disagreement names a native
/// plan that is wrong (or an object the emulator read differently, which the sample shows).
struct TraversalVerifier {
    private(set) var compared = 0
    private(set) var notEmulated: [String: Int] = [:]
    private(set) var byType: [UInt64: TraversalCheck.Disagreement] = [:]
    private var native: [UInt64] = []
    private var emulated: [UInt64] = []

    mutating func verify(_ object: UInt64, type: UInt64, plan: Traversal, function: UInt64, finder: ReferenceFinder) {
        guard function != 0, let emulation = finder.emulation else { return }
        native.removeAll(keepingCapacity: true)
        // An object the native plan cannot read is inexact already; there is nothing to compare.
        guard finder.referents(of: object, traversal: plan, into: &native) else { return }
        var emulated = self.emulated
        emulated.removeAll(keepingCapacity: true)
        let ran = emulation.traverse(function: function, object: object, memory: finder.memory) { referents in
            emulated.append(contentsOf: referents)
        }
        defer { self.emulated = emulated }
        guard ran else {
            notEmulated[emulation.lastFailure ?? "unknown", default: 0] += 1
            return
        }
        compared += 1
        native.sort()
        emulated.sort()
        guard native != emulated else { return }
        if var known = byType[type] {
            known.objects += 1
            byType[type] = known
        } else {
            let (onlyNative, onlyEmulated) = Self.differences(native, emulated)
            byType[type] = .init(type: type, objects: 1, sample: object, onlyNative: onlyNative, onlyEmulated: onlyEmulated)
        }
    }

    /// Multiset differences of two sorted arrays: what only `a` has, what only `b` has.
    static func differences(_ a: [UInt64], _ b: [UInt64]) -> ([UInt64], [UInt64]) {
        var onlyA: [UInt64] = [], onlyB: [UInt64] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                onlyA.append(a[i]); i += 1
            } else if i == a.count || b[j] < a[i] {
                onlyB.append(b[j]); j += 1
            } else {
                i += 1; j += 1
            }
        }
        return (onlyA, onlyB)
    }

    /// The shards' findings as one check, most objects first.
    static func merged(_ verifiers: [TraversalVerifier]) -> TraversalCheck {
        var check = TraversalCheck()
        var byType: [UInt64: TraversalCheck.Disagreement] = [:]
        for verifier in verifiers {
            check.compared += verifier.compared
            check.notEmulated.merge(verifier.notEmulated, uniquingKeysWith: +)
            byType.merge(verifier.byType) { first, second in
                var sum = first
                sum.objects += second.objects
                return sum
            }
        }
        check.disagreements = byType.values.sorted { $0.objects != $1.objects ? $0.objects > $1.objects : $0.type < $1.type }
        return check
    }
}
