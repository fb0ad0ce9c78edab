import HeapGraph
import Testing

/// Building the graph in batches and in shards (one per thread) gives exactly the graph built node
/// by node.
@Suite struct GraphBuildingTests {
    // Node i lives at 0x1000 * (i + 1); 0xdead and 0 are not tracked objects.
    let addresses: [UInt64] = (0..<6).map { 0x1000 * UInt64($0 + 1) }
    let referents: [[UInt64]] = [[0x2000, 0xdead, 0x3000], [], [0x1000, 0x1000], [0], [0x6000, 0x5000, 0x4000], [0xdead]]
    let refcounts: [Int64] = [3, 1, 2, 5, 1, 7]

    func oneByOne() -> ObjectGraph {
        var builder = ObjectGraphBuilder(addresses: addresses, generations: [0, 0, 1, 1, 2, 2])
        for node in 0..<6 {
            builder.finish(node: node, refcount: refcounts[node], exact: node != 3, referents: referents[node])
        }
        return builder.graph
    }

    @Test func nodeByNode() {
        let g = oneByOne()
        #expect(g.starts == [0, 2, 2, 4, 4, 7, 7])
        #expect(g.targets == [1, 2, 0, 0, 5, 4, 3])  // 0xdead and NULL dropped, duplicates kept
        #expect(g.exact == [true, true, true, false, true, true])
    }

    @Test func batchedShardsJoinToTheSameGraph() {
        let index = AddressIndex(addresses)
        var shards: [ObjectGraphBuilder] = []
        for nodes in [0..<4, 4..<6] {
            var shard = ObjectGraphBuilder(addresses: addresses, generations: [0, 0, 1, 1, 2, 2], index: index, nodes: nodes)
            // Batches of two: every referent of the batch is looked up in one pass.
            for first in stride(from: nodes.lowerBound, to: nodes.upperBound, by: 2) {
                let batch = first..<min(first + 2, nodes.upperBound)
                var flat: [UInt64] = [], ends: [Int] = []
                for node in batch {
                    flat += referents[node]
                    ends.append(flat.count)
                }
                shard.finish(batchFrom: first, refcounts: batch.map { refcounts[$0] }, exact: batch.map { $0 != 3 },
                             ends: ends, referents: flat)
            }
            shards.append(shard)
        }
        let joined = ObjectGraphBuilder.join(&shards)
        #expect(shards.isEmpty)
        let expected = oneByOne()
        #expect(joined.starts == expected.starts)
        #expect(joined.targets == expected.targets)
        #expect(joined.refcounts == expected.refcounts)
        #expect(joined.exact == expected.exact)
        #expect(joined.generations == expected.generations)
        #expect(joined.node(of: 0x5000) == 4)
    }

    /// A batch grows past its first allocation, and a node whose read failed half way keeps none
    /// of its referents.
    @Test func referentBatchGrowsAndDrops() {
        var batch = ReferentBatch(capacity: 2)
        defer { batch.deallocate() }
        for _ in 0..<100 { batch.appendReferent(0x2000) }  // 100 > the 8 allocated for 2 nodes
        batch.endNode(refcount: 101, exact: true)
        let mark = batch.referentCount
        batch.appendReferent(0x1000)
        batch.appendReferent(0x3000)
        batch.dropReferents(to: mark)
        batch.endNode(refcount: 1, exact: false)
        #expect(batch.isFull)
        var builder = ObjectGraphBuilder(addresses: [0x1000, 0x2000, 0x3000], generations: [0, 0, 0],
                                         index: AddressIndex([0x1000, 0x2000, 0x3000]), nodes: 0..<3)
        builder.finish(batchFrom: 0, batch)
        batch.reset()
        batch.endNode(refcount: 1, exact: true)
        builder.finish(batchFrom: 2, batch)
        let g = builder.graph
        #expect(g.starts == [0, 100, 100, 100])
        #expect(g.targets == [Int32](repeating: 1, count: 100))
        #expect(g.refcounts == [101, 1, 1])
        #expect(g.exact == [true, false, true])
    }

    @Test func resolveKeepsEmptyGroups() {
        let index = AddressIndex(addresses)
        var out: [Int32] = [], ends: [Int32] = []
        // Groups: [], [0x3000, 0xbeef], [], [0x1000]
        index.resolve([0x3000, 0xbeef, 0x1000], ends: [0, 2, 2, 3], into: &out, groupEnds: &ends)
        #expect(out == [2, 0])
        #expect(ends == [0, 1, 1, 2])
    }
}
