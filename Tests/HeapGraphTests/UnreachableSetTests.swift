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

@Suite struct StronglyConnectedTests {
    func graph(_ edges: [[Int]]) -> ObjectGraph {
        let addresses = edges.indices.map { UInt64(0x10 * ($0 + 1)) }
        var builder = ObjectGraphBuilder(addresses: addresses, generations: [UInt8](repeating: 0, count: edges.count))
        for (node, targets) in edges.enumerated() {
            builder.finish(node: node, refcount: 1, exact: true, referents: targets.map { addresses[$0] })
        }
        return builder.graph
    }

    @Test func groupsAndSingletons() {
        // 0 <-> 1, 2 -> 3 -> 4 -> 2, 5 -> 0 (5 alone), 6 -> 6
        let g = graph([[1], [0], [3], [4], [2], [0], [6]])
        let scc = StronglyConnected(graph: g, nodes: [0, 1, 2, 3, 4, 5, 6])
        #expect(scc.groups == [[0, 1], [2, 3, 4], [5], [6]])
        // Restricted to a subset, edges leaving it do not count.
        #expect(StronglyConnected(graph: g, nodes: [2, 3]).groups == [[2], [3]])
    }

    @Test func shortestCycle() {
        // 0 -> 1 -> 2 -> 0 and a shortcut 1 -> 0
        let g = graph([[1], [2, 0], [0]])
        #expect(g.shortestCycle(through: 0, within: [0, 1, 2]) == [1, 0])
        #expect(g.shortestCycle(through: 2, within: [0, 1, 2]) == [0, 1, 2])
        let loop = graph([[0]])
        #expect(loop.shortestCycle(through: 0, within: [0]) == [0])
        #expect(graph([[]]).shortestCycle(through: 0, within: [0]) == nil)
    }

    @Test func deepChainDoesNotOverflow() {
        let n = 200_000
        let g = graph((0..<n).map { [($0 + 1) % n] })
        let scc = StronglyConnected(graph: g, nodes: (0..<n).map(Int32.init))
        #expect(scc.groups.count == 1)
        #expect(scc.groups[0].count == n)
    }
}

@Suite struct CycleGroupingTests {
    @Test func sameShapeIsCountedOnceAndHeldGarbageJoinsItsCycle() {
        // Types: 0xA and 0xB. Two A<->B pairs (nodes 0-1 and 2-3); pair 0-1 also holds node 4 (type 0xC);
        // node 5 is an A alone pointing at itself.
        let addresses: [UInt64] = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60]
        let edges: [[Int]] = [[1, 4], [0], [3], [2], [], [5]]
        var builder = ObjectGraphBuilder(addresses: addresses, generations: [UInt8](repeating: 0, count: 6))
        for (node, targets) in edges.enumerated() {
            builder.finish(node: node, refcount: 1, exact: true, referents: targets.map { addresses[$0] })
        }
        let types: [UInt64] = [0xA, 0xB, 0xA, 0xB, 0xC, 0xA]
        let grouping = CycleGrouping(graph: builder.graph, unreachable: [0, 1, 2, 3, 4, 5], typeOf: types)
        #expect(grouping.groups.map(\.count) == [1, 1, 1])
        #expect(grouping.groups.map(\.nodes) == [[0, 1, 4], [2, 3], [5]])
        #expect(grouping.groups[0].representative == [0, 1])
        #expect(grouping.unattributed == 0)

        // Without the held object the two pairs have one shape.
        let plain = CycleGrouping(graph: builder.graph, unreachable: [0, 1, 2, 3], typeOf: types)
        #expect(plain.groups.map(\.count) == [2])
        #expect(plain.groups[0].nodes == [0, 1, 2, 3])
    }
}
