import HeapModel
import HeapRendering
import Testing

@Suite struct RendererTests {
    static let dict: UInt64 = 0x1000, task: UInt64 = 0x2000, userTask: UInt64 = 0x3000, client: UInt64 = 0x4000

    func report() -> HeapReport {
        let types: [UInt64: TypeInfo] = [
            Self.dict: TypeInfo(address: Self.dict, name: "dict", qualified: "builtins.dict", tpName: "dict", isHeapType: false),
            Self.task: TypeInfo(address: Self.task, name: "Task", qualified: "_asyncio.Task", tpName: "_asyncio.Task", isHeapType: false),
            Self.userTask: TypeInfo(address: Self.userTask, name: "Task", qualified: "__main__.Task", tpName: "Task", isHeapType: true),
            Self.client: TypeInfo(address: Self.client, name: "Client", qualified: "app.Client", tpName: "Client", isHeapType: true),
        ]
        let target = TargetSummary(pid: 42, executable: "/usr/bin/python3.11", pythonLibrary: nil, version: "3.11.2",
                                   versionSource: "Py_Version in python3.11", buildKind: "static", stripped: true,
                                   layout: "3.11 (test)", pause: PauseSummary(paused: true, seconds: 0.0041, resumeSeconds: 0.000012, threads: 2, attempts: 1),
                                   bytesCopied: 3 << 20, readCalls: 5, wallSeconds: 0.0123)
        let collector = CollectorState(enabled: true, debugFlags: 34, thresholds: [700, 10, 10], counts: [12, 3, 1],
                                       stats: [GenerationStats(collections: 5, collected: 50, uncollectable: 0),
                                               GenerationStats(collections: 2, collected: 0, uncollectable: 0),
                                               GenerationStats(collections: 1, collected: 7, uncollectable: 2)],
                                       collecting: false)
        let garbage = TypeCensus(count: 2, byType: [Self.client: 2],
                                 objects: [ObjectRef(address: 0x7f00_0000_1000, type: Self.client),
                                           ObjectRef(address: 0x7f00_0000_2000, type: Self.client)])
        let capture = HeapCapture(collector: collector,
                                  generations: [TypeCensus(count: 1234, byType: [Self.dict: 1000, Self.task: 200, Self.userTask: 34]),
                                                TypeCensus(), TypeCensus(count: 5, byType: [Self.dict: 5])],
                                  permanent: TypeCensus(), garbage: garbage, types: types, issues: ScanIssues())
        return HeapReport(target: target, capture: capture)
    }

    /// Without statistics (3.15 keeps them behind a pointer) the columns say "-", not 0.
    @Test func missingStatisticsAreDashes() {
        var bare = self.report()
        bare.capture.collector.stats = []
        let text = TextRenderer(options: RenderOptions(naming: .name, topTypes: 2)).render(bare)
        #expect(text.contains("  0                 1,234        700       12            -            -              -\n"))
        #expect(text.contains("  2                     5         10        1            -            -              -\n"))
    }

    @Test func textReport() {
        let text = TextRenderer(options: RenderOptions(naming: .name, topTypes: 2, listObjects: true)).render(report())
        #expect(text == """
        pid 42  /usr/bin/python3.11
          python   3.11.2 (from Py_Version in python3.11); static, stripped
          layout   3.11 (test)
          paused   4.1 ms (2 threads, 1 attempt; resuming 12 µs)
          read     3.0 MiB in 5 batched reads; took 12.3 ms

        gc  enabled; debug 34 (DEBUG_COLLECTABLE|DEBUG_SAVEALL); collecting no
          generation      tracked  threshold    count  collections    collected  uncollectable
          0                 1,234        700       12            5           50              0
          1                     0         10        3            2            0              0
          2                     5         10        1            1            7              2
          permanent             0

        generation 0: 1,234 objects, 3 types
          count  type
          1,000  dict
            200  Task
          … 1 more types with 34 objects (--all shows every type)

        generation 1: 0 objects, 0 types

        generation 2: 5 objects, 1 type
          count  type
              5  dict

        gc.garbage: 2 objects, 1 type
          count  type
              2  Client
        gc: uncollectable <Client 0x7f0000001000>
        gc: uncollectable <Client 0x7f0000002000>

        """)
    }

    @Test func qualifiedNamesKeepSameNamedTypesApart() {
        let text = TextRenderer(options: RenderOptions(naming: .qualified, topTypes: nil)).render(report())
        #expect(text.contains("    200  _asyncio.Task\n     34  __main__.Task\n"))
    }

    @Test func jsonReport() {
        let json = JSONRenderer(options: RenderOptions()).document(report())
        guard case let .object(top) = json else { Issue.record("not an object"); return }
        #expect(top.map(\.0) == ["schema", "type_key", "process", "gc", "generations", "permanent_generation", "garbage",
                                 "type_table", "issues"])
        let generations = top.first { $0.0 == "generations" }!.1
        guard case let .array(list) = generations, case let .object(gen0) = list[0] else { Issue.record("no generations"); return }
        // Same-named types are added together under `types`, kept apart under `qualified_types` and `by_type`.
        #expect(gen0.first { $0.0 == "types" }!.1 == .object([("dict", .int(1000)), ("Task", .int(234))]))
        #expect(gen0.first { $0.0 == "qualified_types" }!.1 ==
                .object([("builtins.dict", .int(1000)), ("_asyncio.Task", .int(200)), ("__main__.Task", .int(34))]))
        #expect(gen0.first { $0.0 == "by_type" }!.1 == .object([("0x1000", .int(1000)), ("0x2000", .int(200)), ("0x3000", .int(34))]))
        let garbage = top.first { $0.0 == "garbage" }!.1.serialized(pretty: false)
        #expect(garbage == #"{"count":2,"types":{"Client":2},"qualified_types":{"app.Client":2},"by_type":{"0x4000":2},"ids":["0x7f0000001000","0x7f0000002000"]}"#)
        let gc = top.first { $0.0 == "gc" }!.1.serialized(pretty: false)
        #expect(gc == #"{"enabled":true,"debug":34,"debug_flags":["collectable","saveall"],"threshold":[700,10,10],"count":[12,3,1],"stats":[{"collections":5,"collected":50,"uncollectable":0},{"collections":2,"collected":0,"uncollectable":0},{"collections":1,"collected":7,"uncollectable":2}],"collecting":false,"model":"generational","freeze_count":0,"frozen":0,"permanent_immortal":0}"#)
    }

    /// 3.14.0–3.14.4's incremental collector: its lists are named young, old[0], old[1] in both formats.
    @Test func incrementalCollectorLists() {
        var incremental = self.report()
        incremental.capture.collector.listNames = ["young", "old[0]", "old[1]"]
        let text = TextRenderer(options: RenderOptions(naming: .name, topTypes: 2)).render(incremental)
        #expect(text.contains("collecting no; incremental collector\n"), "\(text)")
        #expect(text.contains("  young             1,234        700       12            5           50              0\n"), "\(text)")
        #expect(text.contains("  old[1]                5         10        1            1            7              2\n"), "\(text)")
        #expect(text.contains("\ngeneration 0 (young): 1,234 objects, 3 types\n"), "\(text)")
        guard case let .object(top) = JSONRenderer(options: RenderOptions()).document(incremental),
              case let .array(list)? = top.first(where: { $0.0 == "generations" })?.1, case let .object(old0) = list[1],
              case let .object(gc)? = top.first(where: { $0.0 == "gc" })?.1 else { Issue.record("no generations"); return }
        #expect(old0.prefix(2).map(\.0) == ["generation", "name"] && old0[1].1 == .string("old[0]"))
        #expect(gc.first { $0.0 == "model" }?.1 == .string("incremental"))
    }

    /// 3.12+: immortal objects the collector moved to the permanent generation are not gc.freeze()'s.
    @Test func permanentGenerationOrigin() {
        var report = report()
        report.capture.permanent = TypeCensus(count: 377, byType: [Self.dict: 377])
        report.capture.permanentImmortal = 375
        let text = TextRenderer(options: RenderOptions()).render(report)
        #expect(text.contains("\n  permanent           377  (2 from gc.freeze(), 375 immortal objects the collector keeps there)\n"), "\(text)")
        #expect(text.contains("\npermanent generation (2 from gc.freeze(), 375 immortal objects the collector keeps there): 377 objects, 1 type\n"), "\(text)")
        guard case let .object(top) = JSONRenderer(options: RenderOptions()).document(report),
              case let .object(gc)? = top.first(where: { $0.0 == "gc" })?.1 else { Issue.record("no gc object"); return }
        #expect(gc.first { $0.0 == "freeze_count" }?.1 == .int(377))
        #expect(gc.first { $0.0 == "frozen" }?.1 == .int(2))
        #expect(gc.first { $0.0 == "permanent_immortal" }?.1 == .int(375))
    }

    /// A shape's note follows its path: what differs off the path, then a variant number if needed.
    @Test func cycleNotes() {
        var report = report()
        func step(_ type: UInt64, _ label: EdgeLabel?, _ detail: String? = nil) -> CycleStep {
            CycleStep(object: ObjectRef(address: 0x7f00_0000_3000, type: type), label: label, detail: detail)
        }
        var plain = CycleGroup(count: 1, objects: 1, byType: [Self.client: 1], path: [step(Self.client, .attribute("me")), step(Self.client, nil)],
                               sample: [])
        plain.heldBytes = 300
        var noted = plain
        noted.note = PathNote(offPath: [Self.dict: 2, Self.task: 1, Self.userTask: 1])
        var variant = plain
        variant.note = PathNote(offPath: [:], variant: (2, 2))
        var framed = plain
        framed.path = [step(Self.task, .attribute("request"), "Handler.handle (shop/handlers.py:20)"), step(Self.task, nil)]
        report.capture.collectable = CollectableSet(census: TypeCensus(count: 4, byType: [Self.client: 4]), byGeneration: [4, 0, 0],
                                                    coverage: Coverage(tracked: 4, exact: 4, inexactByType: [:]), overcounted: [],
                                                    cycles: [plain, noted, variant, framed])
        let text = TextRenderer(options: RenderOptions(topTypes: nil)).render(report)
        #expect(text.contains("\n      Client.me -> Client\n"), "\(text)")
        // Same-named types are counted together, most first.
        #expect(text.contains("\n      Client.me -> Client (+ 2 Task, 2 dict off the path)\n"), "\(text)")
        #expect(text.contains("\n      Client.me -> Client (variant 2 of 2)\n"), "\(text)")
        #expect(text.contains("\n      Task Handler.handle (shop/handlers.py:20) .request -> Task\n"), "\(text)")
        let qualified = TextRenderer(options: RenderOptions(naming: .qualified, topTypes: nil)).render(report)
        #expect(qualified.contains("(+ 2 builtins.dict, 1 __main__.Task, 1 _asyncio.Task off the path)"), "\(qualified)")
    }

    @Test func jsonEscapesStrings() {
        #expect(JSONValue.string("a\"b\\c\n\u{1}é").serialized() == #""a\"b\\c\n\u0001é""#)
    }
}
