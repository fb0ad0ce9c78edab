import CPythonLayouts
import HeapModel
import PyHeapReader
import RemoteMemory
import Testing

/// The reader against hand-built heaps, once per supported series.
@Suite struct HeapReaderTests {
    /// A heap with known contents: 3 dicts + 2 `Node`s in gen 0, one `Scale.Item` in gen 2,
    /// one frozen dict, and two `Node`s in gc.garbage.
    struct Fixture {
        let heap: SyntheticHeap
        let dictType: UInt64, listType: UInt64, nodeType: UInt64, itemType: UInt64, taskType: UInt64
        var garbage: [UInt64] = []

        init(layout: PythonLayout) {
            heap = SyntheticHeap(layout: layout)
            dictType = heap.staticType("dict")
            listType = heap.staticType("list")
            taskType = heap.staticType("_asyncio.Task")
            nodeType = heap.heapType(name: "Node", qualname: "Node", module: "__main__")
            itemType = heap.heapType(name: "Item", qualname: "Scale.Item", module: "app.models")
            heap.setCollector(enabled: false, debug: 32, thresholds: [700, 10, 10], counts: [5, 1, 0])
            for _ in 0..<3 { heap.trackedObject(type: dictType, in: heap.generationHead(0)) }
            let first = heap.trackedObject(type: nodeType, in: heap.generationHead(0))
            let second = heap.trackedObject(type: nodeType, in: heap.generationHead(0))
            heap.trackedObject(type: itemType, in: heap.generationHead(2))
            heap.trackedObject(type: taskType, in: heap.generationHead(2))
            // The permanent generation (3.7+) holds one frozen dict.
            if let permanent = heap.permanentHead { heap.trackedObject(type: dictType, in: permanent) }
            garbage = [first, second]
            heap.setGarbage(garbage, listType: listType)
            if layout.debugOffsets.gcSize != nil { heap.writeDebugOffsets() }
        }

        func capture(strict: Bool = true) throws -> (HeapReader, HeapCapture) {
            let target = heap.targetImage()
            let reader = try HeapReader.prepare(image: target, memory: heap.image)
            let snapshot = CachedMemory(base: heap.image, regions: heap.image.regions, blockSize: 4096)
            return (reader, try reader.capture(memory: snapshot, keepGenerationObjects: false, strict: strict))
        }
    }

    @Test(arguments: LayoutRegistry.all)
    func censusOfEveryGeneration(layout: PythonLayout) throws {
        let fixture = Fixture(layout: layout)
        let (reader, capture) = try fixture.capture()
        #expect(reader.layout.series == layout.series)
        #expect(reader.detected.version.series == layout.series)
        #expect(capture.generations.map(\.count) == [5, 0, 2])
        #expect(capture.generations[0].byType == [fixture.dictType: 3, fixture.nodeType: 2])
        #expect(capture.generations[2].byType == [fixture.itemType: 1, fixture.taskType: 1])
        #expect(capture.permanent.count == (layout.era.hasPermanentGeneration ? 1 : 0))
        #expect(capture.garbage.count == 2)
        #expect(capture.garbage.objects == fixture.garbage.map { ObjectRef(address: $0, type: fixture.nodeType) })
        #expect(capture.issues.isEmpty)
    }

    @Test(arguments: LayoutRegistry.all)
    func collectorState(layout: PythonLayout) throws {
        let (_, capture) = try Fixture(layout: layout).capture()
        let c = capture.collector
        #expect(c.enabled == false)
        #expect(c.debugFlags == 32)
        #expect(c.debugFlagNames == ["saveall"])
        #expect(c.thresholds == [700, 10, 10])
        #expect(c.counts == [5, 1, 0])
        // 2.7 keeps none; 3.15 keeps them behind a pointer, in ring buffers, whose latest entries are read.
        #expect(c.stats == (layout.gc.generationStats == nil && layout.gc.statics["generationStats"] == nil ? [] : [
            GenerationStats(collections: 10, collected: 100, uncollectable: 0),
            GenerationStats(collections: 20, collected: 200, uncollectable: 1),
            GenerationStats(collections: 30, collected: 300, uncollectable: 2)]))
        #expect(c.collecting == false)
    }

    @Test(arguments: PythonLayout.generated)
    func typeNames(layout: PythonLayout) throws {
        let fixture = Fixture(layout: layout)
        let (_, capture) = try fixture.capture()
        let names = capture.types.mapValues { [$0.name, $0.qualified, $0.tpName] }
        // 2.7: builtins are `__builtin__`, and a class has no __qualname__ (module.__name__).
        let python2 = layout.series == "2.7"
        #expect(names[fixture.dictType] == ["dict", python2 ? "__builtin__.dict" : "builtins.dict", "dict"])
        #expect(names[fixture.taskType] == ["Task", "_asyncio.Task", "_asyncio.Task"])
        #expect(names[fixture.nodeType] == ["Node", "__main__.Node", "Node"])
        #expect(names[fixture.itemType] == ["Item", python2 ? "app.models.Item" : "app.models.Scale.Item", "Item"])
        #expect(capture.types[fixture.itemType]?.isHeapType == true)
        #expect(capture.types[fixture.dictType]?.isHeapType == false)
    }

    @Test func nonASCIIClassName() throws {
        let fixture = Fixture(layout: .v3_12)
        let type = fixture.heap.heapType(name: "Größe", qualname: "Größe", module: "__main__")
        fixture.heap.trackedObject(type: type, in: fixture.heap.generationHead(1))
        let (_, capture) = try fixture.capture()
        #expect(capture.types[type]?.name == "Größe")
        #expect(capture.types[type]?.qualified == "__main__.Größe")
    }

    @Test func collectionInProgressIsReportedWhenPaused() throws {
        let fixture = Fixture(layout: .v3_12)
        fixture.heap.setCollector(enabled: true, debug: 0, thresholds: [700, 10, 10], counts: [0, 0, 0], collecting: true)
        #expect(throws: ReaderError.self) { try fixture.capture(strict: true) }
        let (_, capture) = try fixture.capture(strict: false)
        #expect(capture.issues.notes == ["a collection was running; lists may be incomplete"])
    }

    @Test func brokenBackLinkIsAnErrorWhenPausedAndATruncationOtherwise() throws {
        let fixture = Fixture(layout: .v3_11)
        let head = fixture.heap.generationHead(0)
        let first = try fixture.heap.image.load(UInt64.self, at: head)
        let second = try fixture.heap.image.load(UInt64.self, at: first)
        fixture.heap.image.store(UInt64(0xdead_0000), at: second + 8)  // second.prev no longer points at first
        do {
            _ = try fixture.capture(strict: true)
            Issue.record("a broken list was accepted")
        } catch let error as ReaderError {
            guard case let .inconsistent(detail) = error else { Issue.record("wrong error \(error)"); return }
            #expect(detail.hasPrefix("generation 0: entry 2 at 0x"))
        }
        let (_, capture) = try fixture.capture(strict: false)
        #expect(capture.generations[0].count == 1)
        #expect(capture.issues.truncatedLists == 1)
    }

    @Test func loopingListEndsAtTheBound() throws {
        let fixture = Fixture(layout: .v3_10)
        let head = fixture.heap.generationHead(2)
        let first = try fixture.heap.image.load(UInt64.self, at: head)
        fixture.heap.image.store(first, at: first)      // first.next = first: never returns to the head
        fixture.heap.image.store(first, at: first + 8)  // and its back link agrees, so only the bound stops it
        do {
            _ = try fixture.capture(strict: true)
            Issue.record("a looping list was accepted")
        } catch let error as ReaderError {
            guard case .inconsistent = error else { Issue.record("wrong error \(error)"); return }
        }
    }

    @Test func unreadableTypePointerIsCountedNotTrusted() throws {
        let fixture = Fixture(layout: .v3_12)
        let bogus: UInt64 = 0x7777_0000_0000
        fixture.heap.trackedObject(type: bogus, in: fixture.heap.generationHead(1))
        let (_, capture) = try fixture.capture()
        #expect(capture.generations[1].byType == [bogus: 1])
        #expect(capture.types[bogus]?.name == "<unreadable type 0x777700000000>")
        #expect(capture.issues.notes == ["1 type object(s) could not be read"])
    }

    @Test func debugOffsetsMismatchIsRefused() throws {
        let fixture = Fixture(layout: .v3_13)
        fixture.heap.writeDebugOffsets(overriding: ["interpreter_state.gc": 7408])
        do {
            _ = try fixture.capture()
            Issue.record("a mismatching _Py_DebugOffsets table was accepted")
        } catch let error as ReaderError {
            // _Py_DebugOffsets is the authority: its interpreter_state.gc is used, and the gc state it
            // points at does not hold together under any 3.13 table.
            #expect("\(error)".hasPrefix("pyinspect's layout tables do not describe this build: no table of 3.13 fits 3.13.7: 3.13.5: generation0 is 0x"))
            #expect("\(error)".contains("; 3.13.0: generation0 is 0x"))
        }
    }

    /// 3.14.0–3.14.4 (incremental collector, a 240-byte gc state) and 3.14.5+ (generations again, 264
    /// bytes) share a series and their `_Py_DebugOffsets` layout: the size the target publishes picks the
    /// table, on images laid out as each release lays out its gc state.
    @Test(arguments: [(PythonLayout.v3_14_0, "3.14.0"), (PythonLayout.v3_14_10, "3.14.10")])
    func gcStateSizePicksTheCollector(layout: PythonLayout, chosen: String) throws {
        let fixture = Fixture(layout: layout)
        let (reader, capture) = try fixture.capture()
        #expect(reader.layout.version == chosen)
        #expect(reader.layout.gc.stateSize == layout.gc.stateSize)
        #expect(capture.generations.map(\.count) == [5, 0, 2])
        #expect(capture.garbage.count == 2)
        // The incremental collector's lists are named as it names them; generations stay numbered.
        let incremental = chosen == "3.14.0"
        #expect(capture.collector.listNames == (incremental ? ["young", "old[0]", "old[1]"] : nil))
        #expect(capture.collector.model == (incremental ? "incremental" : "generational"))
        #expect(capture.collector.listName(0) == (incremental ? "young" : nil))
    }

    @Test func aGCStateSizeNoTableHasIsRefused() throws {
        let fixture = Fixture(layout: .v3_14_10)
        fixture.heap.writeDebugOffsets(overriding: ["gc.size": 288])
        do {
            _ = try fixture.capture()
            Issue.record("a gc state of an unknown size was accepted")
        } catch let error as ReaderError {
            guard case .layoutMismatch = error else { Issue.record("wrong error \(error)"); return }
            #expect("\(error)" == "pyinspect's layout tables do not describe this build: no table of 3.14 fits 3.14.7: "
                + "3.14.0: its gc state is 288 bytes (_Py_DebugOffsets), 240 in the table; "
                + "3.14.10: its gc state is 288 bytes (_Py_DebugOffsets), 264 in the table")
        }
    }

    @Test func freeThreadedBuildIsRefused() throws {
        let fixture = Fixture(layout: .v3_13)
        fixture.heap.image.store(UInt64(1), at: fixture.heap.runtime + 16)
        do {
            _ = try fixture.capture()
            Issue.record("a free-threaded build was accepted")
        } catch let error as ReaderError {
            guard case let .freeThreaded(version) = error else { Issue.record("wrong error \(error)"); return }
            #expect(version == "3.13.7")
        }
    }
}
