import CPythonLayouts
import HeapModel
import PyHeapReader
import RemoteMemory
import Testing

/// The collectable analysis on hand-built heaps: exact on a clean cycle, and never crashing, never
/// looping and never inventing garbage when the memory is corrupt.
@Suite struct CollectableAnalysisTests {
    struct Heap {
        let heap: SyntheticHeap
        let listType: UInt64
        var symbols: [String: ResolvedSymbol]

        init(layout: PythonLayout) {
            heap = SyntheticHeap(layout: layout)
            listType = heap.staticType("list")
            heap.setTraverse(listType, 0xF00D_0001)  // "list_traverse"
            heap.setCollector(enabled: false, debug: 0, thresholds: [700, 10, 10], counts: [0, 0, 0])
            symbols = heap.symbols
            symbols["PyList_Type"] = ResolvedSymbol(name: "PyList_Type", address: listType, size: 0, file: "libpython.so")
            if layout.series == "3.13" { heap.writeDebugOffsets() }
        }

        func collectable() throws -> CollectableSet {
            var target = heap.targetImage()
            target.symbols = symbols
            let reader = try HeapReader.prepare(image: target, memory: heap.image)
            let snapshot = CachedMemory(base: heap.image, regions: heap.image.regions, blockSize: 4096)
            let capture = try reader.capture(memory: snapshot, keepGenerationObjects: false, findCollectable: true, strict: true)
            return try #require(capture.collectable)
        }
    }

    @Test(arguments: PythonLayout.generated)
    func aListCycleIsCollectableAndAHeldOneIsNot(layout: PythonLayout) throws {
        let h = Heap(layout: layout)
        let gen0 = h.heap.generationHead(0)
        // a <-> b, each referenced once (by the other): garbage.
        let a = h.heap.trackedList([], type: h.listType, in: gen0)
        let b = h.heap.trackedList([a], type: h.listType, in: gen0)
        h.heap.image.store(Int64(1), at: a + UInt64(layout.object.size))
        let aItems = try h.heap.image.load(UInt64.self, at: a + UInt64(layout.list.items))
        h.heap.image.store(b, at: aItems)
        // c <-> d, but d has one more reference from outside (refcount 2): alive.
        let c = h.heap.trackedList([], type: h.listType, in: gen0)
        let d = h.heap.trackedList([c], type: h.listType, in: gen0)
        h.heap.setRefcount(d, 2)
        h.heap.image.store(Int64(1), at: c + UInt64(layout.object.size))
        let cItems = try h.heap.image.load(UInt64.self, at: c + UInt64(layout.list.items))
        h.heap.image.store(d, at: cItems)

        let set = try h.collectable()
        #expect(Set(set.census.objects!.map(\.address)) == [a, b])
        #expect(set.coverage.tracked == 4)
        #expect(set.coverage.exact == 4)
        #expect(set.overcounted.isEmpty)
        #expect(set.cycles.count == 1)
        #expect(set.cycles[0].path.map(\.label) == [.index(0), .index(0), nil])
    }

    @Test func corruptContainersNeverCrashNorInventGarbage() throws {
        let h = Heap(layout: .v3_12)
        let gen0 = h.heap.generationHead(0)
        let garbage = h.heap.trackedList([], type: h.listType, in: gen0)
        h.heap.image.store(Int64(1), at: garbage + UInt64(PythonLayout.v3_12.object.size))
        let items = try h.heap.image.load(UInt64.self, at: garbage + UInt64(PythonLayout.v3_12.list.items))
        h.heap.image.store(garbage, at: items)  // a list holding itself: real garbage
        // A list claiming 2^40 items, one pointing into unmapped memory, one with a negative size,
        // and one referencing itself 1000 times while its refcount says 1 (an inconsistent copy).
        h.heap.trackedList([garbage], type: h.listType, in: gen0, claimedSize: 1 << 40)
        h.heap.trackedList([0xdead_0000_0000], type: h.listType, in: gen0)
        h.heap.trackedList([], type: h.listType, in: gen0, claimedSize: -5)
        let liar = h.heap.trackedList([], type: h.listType, in: gen0)
        let liarItems = h.heap.allocate(8000)
        for index in 0..<1000 { h.heap.image.store(liar, at: liarItems + UInt64(index * 8)) }
        h.heap.image.store(Int64(1000), at: liar + UInt64(PythonLayout.v3_12.object.size))
        h.heap.image.store(liarItems, at: liar + UInt64(PythonLayout.v3_12.list.items))
        // An object whose type pointer is garbage.
        h.heap.trackedObject(type: 0x4242_4242_4242, in: gen0)

        let set = try h.collectable()
        // The self-referencing list is found; the list that claims 2^40 items is read as inexact (its
        // reference to `garbage` is not seen, which keeps `garbage` alive: safe), the liar is over-counted
        // and treated as reachable, and nothing else is reported.
        let reported = Set(set.census.objects!.map(\.address))
        #expect(!reported.contains(liar))
        #expect(set.overcounted.map(\.address) == [liar])
        #expect(set.coverage.tracked == 6)
        #expect(set.coverage.exact == 3)
        #expect(reported.isSubset(of: [garbage]))
    }
}
