import CPythonLayouts
import HeapModel
import PyHeapReader
import Testing

/// Path choice on hand-built heaps, for what the real targets cannot easily make.
@Suite struct CyclePathsTests {
    /// Makes `list` hold `items` (a new item array).
    func setItems(_ h: CollectableAnalysisTests.Heap, _ list: UInt64, _ items: [UInt64]) {
        let layout = h.heap.layout
        let array = h.heap.allocate(max(8, items.count * 8))
        for (index, item) in items.enumerated() { h.heap.image.store(item, at: array + UInt64(index * 8)) }
        h.heap.image.store(Int64(items.count), at: list + UInt64(layout.object.size))
        h.heap.image.store(array, at: list + UInt64(layout.list.items))
    }

    /// Two shapes with the same types that differ only in references off their (equal) paths:
    /// `M[0] -> list[0] -> M`, with a second list hanging off the list in one and off the M in the
    /// other. Nothing off the path tells them apart, so they are numbered.
    @Test func shapesThatDifferOnlyInReferencesOffThePathAreNumbered() throws {
        let h = CollectableAnalysisTests.Heap(layout: .v3_12)
        let mine = h.heap.staticType("mylist")
        h.heap.setTraverse(mine, 0xF00D_0001)  // list_traverse, like list
        let gen0 = h.heap.generationHead(0)
        for holderOfSecond in ["list", "mine"] {
            let first = h.heap.trackedList([], type: h.listType, in: gen0)
            let m = h.heap.trackedList([], type: mine, in: gen0)
            let second = h.heap.trackedList([], type: h.listType, in: gen0)
            if holderOfSecond == "list" {
                setItems(h, m, [first])
                setItems(h, first, [m, second])
                setItems(h, second, [first])
                h.heap.setRefcount(first, 2)
            } else {
                setItems(h, m, [first, second])
                setItems(h, first, [m])
                setItems(h, second, [m])
                h.heap.setRefcount(m, 2)
            }
        }
        let set = try h.collectable()
        try #require(set.cycles.count == 2)
        for cycle in set.cycles {
            #expect(cycle.path.map(\.object.type) == [mine, h.listType, mine])
            #expect(cycle.path.map(\.label) == [.index(0), .index(0), nil])
            #expect(cycle.note?.offPath == [:])
        }
        #expect(Set(set.cycles.compactMap { $0.note?.variant.map { "\($0.number) of \($0.of)" } }) == ["1 of 2", "2 of 2"])
    }
}
