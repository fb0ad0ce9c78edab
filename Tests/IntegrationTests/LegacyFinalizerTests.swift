import Foundation
import Testing

/// Before any collection, `attach` says which unreachable objects a collection would not free (legacy
/// finalizers and what they reach) and which of them `gc.garbage` would gain, exactly as the
/// collector decides in a forked child of the target.
@Suite("attach: uncollectable objects of legacy finalizers")
struct LegacyFinalizerTests {
    /// 3.x: classes with a tp_del; 2.7: classes and classic classes with `__del__`, and generators
    /// suspended in a `try` (2.7's has_finalizer decides per object).
    @Test("JSON and text: legacy finalizer cycles are uncollectable, with what they reach, and why; plain cycles are freed",
          arguments: Interpreters.installed)
    func tpDelCycles(_ interpreter: Interpreter) throws {
        let directory = try makeTempDirectory()
        let expect = directory + "/expect.json"
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.finalizersScript, "--expect", expect, "--count", "3"],
                                       directory: directory)
        defer { target.stop() }
        let truth = try parseJSONObject(try #require(FileManager.default.contents(atPath: expect)), what: "finalizers truth")
        let freed = Set(try J.strings(truth["collectable"], "truth collectable"))
        let kept = Set(try J.strings(truth["uncollectable"], "truth uncollectable"))
        let garbage = Set(try J.strings(truth["garbage"], "truth garbage"))
        let reasons = try J.object(truth["reasons"], "truth reasons").mapValues { try J.string($0, "reason") }
        let types = try J.object(truth["types"], "truth types").mapValues { try J.string($0, "type") }
        let python2 = interpreter.series == "2.7"
        #expect(garbage.count == (python2 ? 15 : 6) && kept.isSuperset(of: garbage) && Set(reasons.keys) == garbage
                && !reasons.values.contains("?"), "\(interpreter): the truth itself: \(truth)")

        let result = try runCLI(["attach", String(target.pid), "--format", "json"])
        try #require(result.status == .exited(0), "\(result)")
        let collectable = try J.object(try parseJSONObject(Data(result.stdout.utf8), what: "report")["collectable"], "collectable")
        #expect(Set(try J.strings(collectable["ids"], "collectable.ids")) == freed.union(kept))
        let uncollectable = try J.object(collectable["uncollectable"], "collectable.uncollectable")
        #expect(Set(try J.strings(uncollectable["ids"], "uncollectable.ids")) == kept, "\(interpreter)")
        #expect(try J.int(uncollectable["count"], "uncollectable.count") == kept.count)
        let finalizers = try J.array(uncollectable["finalizers"], "uncollectable.finalizers").map { try J.object($0, "finalizer") }
        #expect(Set(try finalizers.map { try J.string($0["address"], "address") }) == garbage)
        for finalizer in finalizers {
            let address = try J.string(finalizer["address"], "address")
            #expect(try J.string(finalizer["reason"], "reason") == reasons[address], "\(interpreter): \(finalizer)")
            #expect(try J.string(finalizer["type"], "type") == types[address], "\(interpreter): \(finalizer)")
        }
        #expect(try J.int(try J.object(collectable["would_free"], "would_free")["count"], "would_free.count") == freed.count)

        let text = try runCLI(["attach", String(target.pid), "--list"])
        try #require(text.status == .exited(0), "\(text)")
        let why = Dictionary(grouping: reasons.values, by: { $0 }).map { "\($0.value.count) with \($0.key)" }.sorted()
        #expect(text.stdout.contains("  uncollectable: \(kept.count) of them would not be freed: legacy finalizers "
                                     + "(\(why.joined(separator: ", "))) go to gc.garbage"), "\(text.stdout)")
        let lines = text.stdout.split(separator: "\n").filter { $0.hasPrefix("gc: uncollectable <") }
        #expect(lines.count == kept.count, "\(text.stdout)")
        #expect(text.stdout.split(separator: "\n").filter { $0.hasPrefix("gc: uncollectable <Legacy ") }.count == (python2 ? 6 : 6))
        #expect(target.stop() == .exited(0))
    }
}
