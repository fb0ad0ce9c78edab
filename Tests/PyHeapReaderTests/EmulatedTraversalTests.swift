import CPythonLayouts
import HeapModel
import PyHeapReader
import RemoteMemory
import Testing

/// Types without a native plan, traversed by their own tp_traverse in the emulator; and
/// `--verify-traversal` catching a native plan that is wrong. The traverse function is real x86-64
/// code (Tests/TraverseEmulationTests/traverse.s, `two`: visits the words at +16 and +24).
@Suite struct EmulatedTraversalTests {
    static let twoFields: [UInt8] = [
        0x53, 0x41, 0x54, 0x41, 0x55, 0x48, 0x89, 0xfb, 0x49, 0x89, 0xf4, 0x49, 0x89, 0xd5, 0x48, 0x8b,
        0x7b, 0x10, 0x48, 0x85, 0xff, 0x74, 0x0a, 0x4c, 0x89, 0xee, 0x41, 0xff, 0xd4, 0x85, 0xc0, 0x75,
        0x13, 0x48, 0x8b, 0x7b, 0x18, 0x48, 0x85, 0xff, 0x74, 0x08, 0x4c, 0x89, 0xee, 0x41, 0xff, 0xd4,
        0xeb, 0x02, 0x31, 0xc0, 0x41, 0x5d, 0x41, 0x5c, 0x5b, 0xc3,
    ]
    static let code: UInt64 = 0x5555_0000_0000

    /// Two objects of one static type whose tp_traverse is `twoFields`, in a cycle through +24 only.
    struct Pair {
        let heap: SyntheticHeap
        let type: UInt64
        let a: UInt64, b: UInt64
        var symbols: [String: ResolvedSymbol]

        init(layout: PythonLayout) {
            heap = SyntheticHeap(layout: layout)
            heap.image.map(at: EmulatedTraversalTests.code, size: 4096, bytes: EmulatedTraversalTests.twoFields)
            type = heap.staticType("pair")
            heap.setTraverse(type, EmulatedTraversalTests.code)
            heap.image.store(Int64(32), at: type + UInt64(layout.type.basicSize))  // header, +16, +24
            heap.setCollector(enabled: false, debug: 0, thresholds: [700, 10, 10], counts: [0, 0, 0])
            let gen0 = heap.generationHead(0)
            a = heap.trackedObject(type: type, in: gen0)
            b = heap.trackedObject(type: type, in: gen0)
            heap.image.store(b, at: a + 24)
            heap.image.store(a, at: b + 24)
            symbols = heap.symbols
            if layout.series == "3.13" { heap.writeDebugOffsets() }
        }

        func collectable(_ traversal: TraversalOptions) throws -> CollectableSet {
            var target = heap.targetImage()
            target.symbols = symbols
            let reader = try HeapReader.prepare(image: target, memory: heap.image)
            // The code page is executable, as in a real target: the emulator runs only such pages.
            let regions = heap.image.regions.map { region -> MemoryRegion in
                var region = region
                if region.start == EmulatedTraversalTests.code { region.writable = false; region.executable = true }
                return region
            }
            let snapshot = CachedMemory(base: heap.image, regions: regions, blockSize: 4096)
            let capture = try reader.capture(memory: snapshot, keepGenerationObjects: false, findCollectable: true, strict: true,
                                             traversal: traversal)
            return try #require(capture.collectable)
        }
    }

    @Test(arguments: PythonLayout.generated)
    func anUnplannedTypeIsTraversedByItsOwnCode(layout: PythonLayout) throws {
        let pair = Pair(layout: layout)
        let set = try pair.collectable(TraversalOptions())
        #expect(Set(set.census.objects!.map(\.address)) == [pair.a, pair.b])
        #expect(set.coverage.exact == 2)
        #expect(set.coverage.emulatedByType == [pair.type: 2])
        #expect(set.coverage.emulationCalls >= 2)
        // Without the emulator the same objects are not traversed, and the cycle stays hidden.
        let off = try pair.collectable(TraversalOptions(emulate: false))
        #expect(off.census.count == 0)
        #expect(off.coverage.exact == 0)
        #expect(off.coverage.inexactByType == [pair.type: 2])
        #expect(off.coverage.inexactReasons[pair.type] == "pyinspect has no plan for its tp_traverse")
        // Both stand between suspected garbage and a verdict: the pointers their memory holds explain
        // each other's refcount. Held from outside as well, they hide nothing.
        #expect(off.coverage.inexactSuspectByType == [pair.type: 2])
        pair.heap.setRefcount(pair.a, 2)
        let held = try pair.collectable(TraversalOptions(emulate: false))
        #expect(held.coverage.inexactSuspectByType == [:])
    }

    @Test("a wrong native plan is caught by --verify-traversal", arguments: PythonLayout.generated)
    func aWrongPlanIsCaught(layout: PythonLayout) throws {
        var pair = Pair(layout: layout)
        // Claim the type is `cell`: its native plan visits +16 (ob_ref) only, so it misses +24.
        pair.symbols["PyCell_Type"] = ResolvedSymbol(name: "PyCell_Type", address: pair.type, size: 0, file: "libpython.so")
        let wrong = try pair.collectable(TraversalOptions())
        #expect(wrong.census.count == 0)
        #expect(wrong.verification == nil)
        let checked = try pair.collectable(TraversalOptions(verify: true))
        let check = try #require(checked.verification)
        #expect(check.compared == 2)
        #expect(check.disagreements.count == 1)
        let disagreement = try #require(check.disagreements.first)
        #expect(disagreement.type == pair.type)
        #expect(disagreement.objects == 2)
        #expect(disagreement.onlyNative == [])
        #expect(disagreement.onlyEmulated == [disagreement.sample == pair.a ? pair.b : pair.a])
    }
}
