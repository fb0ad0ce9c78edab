import HeapGraph
import Testing

/// The dominator tree against its definition: `d` dominates `n` when `n` cannot be reached from the
/// roots once `d` is taken out (computed naively, one search per node, on small random graphs).
@Suite struct DominatorTreeTests {
    struct Graph {
        var count: Int
        var edges: [[Int32]]
        var roots: [Int32]

        var compressed: (starts: [Int32], targets: [Int32]) {
            var starts: [Int32] = [0], targets: [Int32] = []
            for list in edges {
                targets += list
                starts.append(Int32(targets.count))
            }
            return (starts, targets)
        }

        /// Nodes reached from the roots without passing through `removed`.
        func reached(without removed: Int?) -> Set<Int> {
            var seen = Set<Int>()
            var stack: [Int] = roots.map { Int($0) }.filter { $0 != removed }
            while let node = stack.popLast() {
                guard seen.insert(node).inserted else { continue }
                for target in edges[node] {
                    let next = Int(target)
                    if next != removed && !seen.contains(next) { stack.append(next) }
                }
            }
            return seen
        }

        /// The immediate dominator by definition: of the strict dominators, the one the others dominate.
        func naiveIdom() -> [Int32] {
            let all = reached(without: nil)
            var dominators = [Set<Int>](repeating: [], count: count)
            for d in 0..<count {
                let without = reached(without: d)
                for n in all where n != d && !without.contains(n) { dominators[n].insert(d) }
            }
            return (0..<count).map { n in
                guard all.contains(n) else { return DominatorTree.unreached }
                guard let best = dominators[n].max(by: { dominators[$0].count < dominators[$1].count }) else {
                    return DominatorTree.virtualRoot
                }
                return Int32(best)
            }
        }
    }

    /// A deterministic generator (xorshift), so a failure names its seed.
    static func random(seed: UInt64, count: Int, edges: Int, roots: Int) -> Graph {
        var state = seed | 1
        func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
        var lists = [[Int32]](repeating: [], count: count)
        for _ in 0..<edges { lists[next(count)].append(Int32(next(count))) }
        return Graph(count: count, edges: lists, roots: (0..<roots).map { _ in Int32(next(count)) })
    }

    @Test(arguments: 1...200)
    func matchesTheDefinition(seed: Int) {
        let graph = Self.random(seed: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15, count: 2 + seed % 40, edges: seed % 90, roots: 1 + seed % 3)
        let (starts, targets) = graph.compressed
        let tree = DominatorTree(count: graph.count, starts: starts, targets: targets, roots: graph.roots)
        #expect(tree.idom == graph.naiveIdom(), "seed \(seed): \(graph.edges) roots \(graph.roots)")
    }

    /// Retained size: the node and everything it dominates; a node reached from two roots is retained
    /// by neither (it hangs off the virtual root).
    @Test func retainedSizes() {
        // 0 -> 1 -> 2, 0 -> 3 -> 2 (2 is shared below 0), 4 -> 5; roots 0 and 4; 6 is unreached; 7 is
        // reached from both roots.
        let graph = Graph(count: 8, edges: [[1, 3, 7], [2], [], [2], [5, 7], [], [0], []], roots: [0, 4])
        let (starts, targets) = graph.compressed
        let tree = DominatorTree(count: 8, starts: starts, targets: targets, roots: graph.roots)
        #expect(tree.idom == [-1, 0, 0, 0, -1, 4, -2, -1])
        #expect(tree.retainedSizes(own: [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 7]) ==
                [1111, 10, 100, 1000, 110_000, 100_000, 0, 7])
    }

    /// A chain of a million nodes: no recursion, linear work.
    @Test func longChain() {
        let count = 1_000_000
        let starts = (0...count).map { Int32(min($0, count - 1)) }
        let targets = (1..<count).map { Int32($0) }
        let tree = DominatorTree(count: count, starts: starts, targets: targets, roots: [0])
        #expect(tree.idom[count - 1] == Int32(count - 2) && tree.idom[0] == DominatorTree.virtualRoot)
        #expect(tree.retainedSizes(own: [Int](repeating: 1, count: count))[0] == count)
    }
}

/// Roots from refcounts the graph does not explain, and retained size per type without counting an
/// object twice when another of its type dominates it.
@Suite struct RetentionTests {
    @Test func rootsAndRetainedByType() {
        // 0 (a cache, held from outside: refcount 1, no reference in the graph) -> 1, 2 (entries, type E)
        // -> 3 (E nested in E) ; 4 (immortal) -> 5 (type E, held by the immortal only); 6 <-> 7 garbage.
        let edges: [[Int32]] = [[1, 2], [3], [], [], [5], [], [7], [6]]
        var starts: [Int32] = [0], targets: [Int32] = []
        for list in edges { targets += list; starts.append(Int32(targets.count)) }
        let cache: UInt64 = 0x10, entry: UInt64 = 0x20, other: UInt64 = 0x30
        let retention = Retention(starts: starts, targets: targets, refcounts: [1, 1, 1, 1, -1, 1, 1, 1], immortal: -1,
                                  types: [cache, entry, entry, entry, other, entry, other, other],
                                  own: [100, 10, 20, 5, 1, 7, 50, 50])
        #expect(retention.roots == [0, 4])
        #expect(retention.retained == [135, 15, 20, 5, 8, 7, 0, 0])
        // Entry 3 is inside entry 1: counted once, with it.
        #expect(retention.retainedByType == [cache: 135, entry: 15 + 20 + 7, other: 8])
        #expect(retention.live == 143)
    }
}
