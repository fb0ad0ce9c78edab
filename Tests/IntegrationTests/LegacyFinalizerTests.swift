import Foundation
import Testing

/// Before any collection, `attach` says which unreachable objects a collection would not free (legacy
/// finalizers and what they reach) and which of them `gc.garbage` would gain, exactly as the
/// collector decides in a forked child of the target.
@Suite("attach: uncollectable objects of legacy finalizers")
struct LegacyFinalizerTests {
    @Test("JSON and text: tp_del cycles are uncollectable, with what they reach; plain cycles are freed",
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
        #expect(garbage.count == 6 && kept.isSuperset(of: garbage), "\(interpreter): the truth itself: \(truth)")

        let result = try runCLI(["attach", String(target.pid), "--format", "json"])
        try #require(result.status == .exited(0), "\(result)")
        let collectable = try J.object(try parseJSONObject(Data(result.stdout.utf8), what: "report")["collectable"], "collectable")
        #expect(Set(try J.strings(collectable["ids"], "collectable.ids")) == freed.union(kept))
        let uncollectable = try J.object(collectable["uncollectable"], "collectable.uncollectable")
        #expect(Set(try J.strings(uncollectable["ids"], "uncollectable.ids")) == kept, "\(interpreter)")
        #expect(try J.int(uncollectable["count"], "uncollectable.count") == kept.count)
        let finalizers = try J.array(uncollectable["finalizers"], "uncollectable.finalizers").map { try J.object($0, "finalizer") }
        #expect(Set(try finalizers.map { try J.string($0["address"], "address") }) == garbage)
        #expect(try finalizers.allSatisfy { try J.string($0["reason"], "reason") == "tp_del" && J.string($0["type"], "type") == "Legacy" })
        #expect(try J.int(try J.object(collectable["would_free"], "would_free")["count"], "would_free.count") == freed.count)

        let text = try runCLI(["attach", String(target.pid), "--list"])
        try #require(text.status == .exited(0), "\(text)")
        #expect(text.stdout.contains("  uncollectable: \(kept.count) of them would not be freed: legacy finalizers (6 with tp_del) go to gc.garbage"),
                "\(text.stdout)")
        let lines = text.stdout.split(separator: "\n").filter { $0.hasPrefix("gc: uncollectable <Legacy ") }
        #expect(lines.count == 6, "\(text.stdout)")
        #expect(target.stop() == .exited(0))
    }
}
