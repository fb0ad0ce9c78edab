import HeapGraph
import Testing

@Suite struct UnreachableSetTests {
    /// Builds a graph from (refcount, referents) per node; addresses are 0x1000 * (node + 1).
    func graph(_ nodes: [(Int64, [Int])], exact: Bool = true) -> ObjectGraph {
        let addresses = nodes.indices.map { UInt64(0x1000 * ($0 + 1)) }
        var builder = ObjectGraphBuilder(addresses: addresses, generations: [UInt8](repeating: 0, count: nodes.count))
        for (node, (refcount, referents)) in nodes.enumerated() {
            builder.finish(node: node, refcount: refcount, exact: exact, referents: referents.map { addresses[$0] } + [0xdead])
        }
        return builder.graph
    }

    @Test func aPairCycleHeldByNobodyIsUnreachable() {
        // 0 <-> 1 (each refcount 1); 2 is held from outside (refcount 1, no internal references).
        let set = UnreachableSet(graph: graph([(1, [1]), (1, [0]), (1, [])]))
        #expect(set.nodes == [0, 1])
        #expect(set.overcounted.isEmpty)
    }

    @Test func anExternalReferenceKeepsTheWholeCycleAlive() {
        // 0 <-> 1, and 1 also has a reference from outside the collected set (refcount 2).
        let set = UnreachableSet(graph: graph([(1, [1]), (2, [0])]))
        #expect(set.nodes.isEmpty)
    }

    @Test func whatAReachableObjectReachesIsReachable() {
        // 0 is a root (refcount 1, nobody inside references it) -> 1 -> 2 -> 1 (cycle under a root).
        let set = UnreachableSet(graph: graph([(1, [1]), (2, [2]), (1, [1])]))
        #expect(set.nodes.isEmpty)
    }

    @Test func duplicateReferencesCountTwice() {
        // A list holding the same object twice, the object pointing back: refcounts 1 and 2.
        let set = UnreachableSet(graph: graph([(1, [1, 1]), (2, [0])]))
        #expect(set.nodes == [0, 1])
    }

    @Test func aMissedReferenceOnlyHidesGarbage() {
        // The cycle 0 <-> 1, but the reference 1 -> 0 was not seen (an opaque type): 0 keeps a count
        // of 1, becomes a root, and the cycle looks reachable. Never the other way round.
        let set = UnreachableSet(graph: graph([(1, [1]), (1, [])]))
        #expect(set.nodes.isEmpty)
    }

    @Test func immortalObjectsAreRoots() {
        let set = UnreachableSet(graph: graph([(ObjectGraph.immortal, [1]), (1, [0])]))
        #expect(set.nodes.isEmpty)
    }

    @Test func overcountingIsReportedAndTreatedAsReachable() {
        // 1 is referenced twice but has refcount 1: the copy is inconsistent.
        let set = UnreachableSet(graph: graph([(1, [1, 1]), (1, [0])]))
        #expect(set.overcounted == [1])
        #expect(set.nodes.isEmpty)
    }

    @Test func untrackedReferentsAreDropped() {
        let g = graph([(1, [])])
        #expect(g.targets.isEmpty)  // 0xdead is not a tracked object
        #expect(g.starts == [0, 0])
    }
}
