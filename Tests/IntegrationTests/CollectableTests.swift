import Foundation
import Testing

/// `attach` finds what a full collection would free, from memory alone. The target builds cycles of
/// every kind pyinspect traverses exactly next to live cycles; its truth is what a real
/// `gc.collect()` run in a forked child prints under DEBUG_COLLECTABLE (before finalizers run), so the
/// target itself never collects.
@Suite("attach: collectable set against a forked gc.collect()")
struct CollectableTests {
    func start(_ interpreter: Interpreter, count: Int) throws -> (TargetProcess, [String: Any]) {
        let directory = try makeTempDirectory()
        let expect = directory + "/expect.json"
        let target = try TargetProcess(interpreter: interpreter,
                                       arguments: ["-S", Paths.cyclesScript, "--expect", expect, "--count", String(count)],
                                       directory: directory)
        guard let data = FileManager.default.contents(atPath: expect) else {
            throw IntegrationFailure("\(interpreter): READY but no truth file at \(expect)")
        }
        return (target, try parseJSONObject(data, what: "cycles truth"))
    }

    @Test("JSON: the collectable ids and types equal the collector's own, with nothing extra", arguments: Interpreters.installed)
    func collectableEqualsTheCollector(_ interpreter: Interpreter) throws {
        let (target, truth) = try start(interpreter, count: 3)
        defer { target.stop() }
        let result = try runCLI(["attach", String(target.pid), "--format", "json"])
        try #require(result.status == .exited(0), "\(result)")
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
        let collectable = try J.object(report["collectable"], "collectable")
        let expectedIDs = Set(try J.array(truth["ids"], "truth ids").map { "\($0)" })
        let reportedIDs = Set(try J.array(collectable["ids"], "collectable.ids").map { "\($0)" })
        #expect(reportedIDs.subtracting(expectedIDs).isEmpty, "reported as garbage but alive: \(reportedIDs.subtracting(expectedIDs).sorted())")
        #expect(expectedIDs.subtracting(reportedIDs).isEmpty, "garbage not found: \(expectedIDs.subtracting(reportedIDs).sorted())")
        #expect(try J.int(collectable["count"], "collectable.count") == expectedIDs.count)
        // Same types as the collector printed them (tp_name), through the report's type table.
        let byTpName = try collectableByTpName(report)
        #expect(byTpName == (try J.counts(truth["tp_names"], "truth tp_names")))
        #expect(try J.array(collectable["overcounted"], "overcounted").isEmpty)
        // Own sizes exactly as sys.getsizeof counts them, summed over the garbage.
        #expect(try J.int(collectable["bytes"], "collectable.bytes") == J.int(truth["bytes"], "truth bytes"))
        // Per repetition: 2 Pair + 1 fs_holder Pair + 1 weakref target Pair; the live roots never appear.
        let types = try J.counts(collectable["types"], "collectable.types")
        #expect(types["Pair"] == 12)
        // 2.7's exceptions hold no traceback: the handler's exception is no cycle there.
        #expect(types["RequestFailed"] == (interpreter.series == "2.7" ? nil : 3))
        #expect(types["generator"] == 3)
        #expect(types["deque"] == 3)
        #expect(types["OrderedDict"] == 3)
        #expect(types["defaultdict"] == 3)
        #expect(types["SlotNode"] == 6)
        #expect(types["Holder"] == 3)
        #expect(types["Mapping"] == 3)
        #expect(types["LiveRoot"] == nil)
        let byGeneration = try J.ints(collectable["by_generation"], "by_generation")
        #expect(byGeneration == [expectedIDs.count, 0, 0])
        #expect(processState(target.pid) != "t" && processState(target.pid) != "T")
        #expect(target.stop() == .exited(0))
    }

    @Test("text: --list prints one `gc: collectable <type 0x...>` line per object", arguments: Interpreters.installed)
    func listLines(_ interpreter: Interpreter) throws {
        let (target, truth) = try start(interpreter, count: 1)
        defer { target.stop() }
        let result = try runCLI(["attach", String(target.pid), "--list"])
        try #require(result.status == .exited(0), "\(result)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("gc: collectable <") }
        let addresses = Set(lines.compactMap { $0.split(separator: " ").last.map { String($0.dropLast()) } })
        let expected = Set(try J.array(truth["ids"], "truth ids").map { "\($0)" })
        #expect(lines.count == expected.count)
        #expect(addresses == expected)
        #expect(lines.contains { $0.hasPrefix("gc: collectable <SlotNode 0x") })
        #expect(result.stdout.contains("collectable (a full collection would free these now; by generation \(expected.count)/0/0): \(expected.count) objects"))
    }

    @Test("--format dot draws a cycle; svg needs Graphviz; a missing shape is exit 20", arguments: Interpreters.primary)
    func graphs(_ interpreter: Interpreter) throws {
        let (target, _) = try start(interpreter, count: 1)
        defer { target.stop() }
        let dot = try runCLI(["attach", String(target.pid), "--format", "dot", "--cycle", "1"])
        try #require(dot.status == .exited(0), "\(dot)")
        #expect(dot.stdout.hasPrefix("digraph cycle1 {"))
        #expect(dot.stdout.contains(" -> "))
        let svg = try runCLI(["attach", String(target.pid), "--format", "svg"])
        let haveDot = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/dot") }
        if haveDot {
            #expect(svg.status == .exited(0) && svg.stdout.contains("<svg"), "\(svg)")
        } else {
            #expect(svg.status == .exited(21), "\(svg)")
            #expect(svg.stderr.contains("apt-get install graphviz"))
        }
        let missing = try runCLI(["attach", String(target.pid), "--format", "dot", "--cycle", "999"])
        #expect(missing.status == .exited(20), "\(missing)")
        #expect(missing.stderr.hasPrefix("pyinspect: pid \(target.pid): no cycle shape #999"))
    }

    @Test("--no-cycles reports the census only", arguments: Interpreters.primary)
    func censusOnly(_ interpreter: Interpreter) throws {
        let (target, _) = try start(interpreter, count: 1)
        defer { target.stop() }
        let result = try runCLI(["attach", String(target.pid), "--format", "json", "--no-cycles"])
        try #require(result.status == .exited(0), "\(result)")
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
        #expect(report["collectable"] == nil)
    }
}
