import CPythonLayouts
import Foundation
import HeapModel
import PyHeapReader
import RemoteMemory
import Testing

/// Corrupt memory: thousands of damaged copies of a heap (pointers flipped, lengths huge, lists
/// looping, types pointing at garbage) go through the list walk and the cycle analysis. Nothing may
/// crash, hang or allocate without bound; what is bad is counted, never trusted. The number of
/// cases per layout is `PYINSPECT_FUZZ_CASES` (default 250; `scripts/fuzz.sh` runs more).
@Suite struct FuzzTests {
    static var cases: Int { Int(ProcessInfo.processInfo.environment["PYINSPECT_FUZZ_CASES"] ?? "") ?? 250 }

    /// A heap with a bit of everything the reader follows: lists in all generations referencing each
    /// other, a list cycle, dicts, class instances, gc.garbage.
    static func heap(_ layout: PythonLayout) -> (SyntheticHeap, [String: ResolvedSymbol], [UInt64]) {
        let heap = SyntheticHeap(layout: layout)
        let listType = heap.staticType("list")
        heap.setTraverse(listType, 0xF00D_0001)
        let dictType = heap.staticType("dict")
        heap.setTraverse(dictType, 0xF00D_0002)
        heap.setCollector(enabled: true, debug: 0, thresholds: [700, 10, 10], counts: [3, 1, 0])
        var symbols = heap.symbols
        symbols["PyList_Type"] = ResolvedSymbol(name: "PyList_Type", address: listType, size: 0, file: "libpython.so")
        symbols["PyDict_Type"] = ResolvedSymbol(name: "PyDict_Type", address: dictType, size: 0, file: "libpython.so")
        if layout.series == "3.13" { heap.writeDebugOffsets() }
        var objects: [UInt64] = []
        let classType = heap.heapType(name: "Node", qualname: "Node", module: "app")
        for generation in 0..<3 {
            let head = heap.generationHead(generation)
            for index in 0..<6 {
                let list = heap.trackedList(Array(objects.suffix(3)), type: listType, in: head)
                objects.append(list)
                if index % 2 == 0 { objects.append(heap.trackedObject(type: classType, in: head)) }
            }
        }
        let cycleA = heap.trackedList([objects[0]], type: listType, in: heap.generationHead(0))
        let cycleB = heap.trackedList([cycleA], type: listType, in: heap.generationHead(0))
        let items = (try? heap.image.load(UInt64.self, at: cycleA + UInt64(layout.list.items))) ?? 0
        heap.image.store(cycleB, at: items)
        objects += [cycleA, cycleB, heap.dict([("x", cycleA), ("y", objects[1])])]
        heap.setGarbage(Array(objects.prefix(4)), listType: listType)
        return (heap, symbols, objects)
    }

    @Test(arguments: PythonLayout.generated)
    func corruptHeapsNeverCrashOrHang(layout: PythonLayout) throws {
        let (heap, symbols, objects) = Self.heap(layout)
        var target = heap.targetImage()
        target.symbols = symbols
        let used = heap.usedRange
        var random = MemoryDamage(seed: 0x5EED_0000 + layout.seriesVersion.hex >> 16)
        var outcomes = [String: Int]()
        let started = Date()
        for _ in 0..<Self.cases {
            let image = heap.image.copy()
            random.damage(image, regions: [used], pointers: objects, maxWrites: 12)
            // Now and then the collector's own state is hit too.
            if random.next() % 8 == 0 {
                let head = heap.generationHead(Int(random.next() % 3))
                image.store(random.value(at: head, pointers: objects, heap: used), at: head + 8 * (random.next() % 2))
            }
            for strict in [true, false] {
                do {
                    let reader = try HeapReader.prepare(image: target, memory: image)
                    let snapshot = CachedMemory(base: image, regions: image.regions, blockSize: 4096)
                    let capture = try reader.capture(memory: snapshot, keepGenerationObjects: false, findCollectable: true, strict: strict)
                    // Whatever was read is internally consistent.
                    for census in capture.generations { #expect(census.byType.values.reduce(0, +) <= census.count) }
                    if let set = capture.collectable { #expect(set.census.count <= set.coverage.tracked) }
                    outcomes["read", default: 0] += 1
                } catch {
                    outcomes["refused: \(error)".prefix(40).description, default: 0] += 1
                }
            }
        }
        // Bounded: the whole run stays well inside the time limit; and some damage was refused,
        // some read (both paths are exercised).
        #expect(Date().timeIntervalSince(started) < 120)
        #expect(outcomes["read", default: 0] > 0)
        #expect(outcomes.count > 1, "\(outcomes)")
    }
}
