import Foundation
import Testing

/// Types without a native plan are traversed by the target's own tp_traverse in the emulator, and
/// `--verify-traversal` checks every native plan against that code. The target is cycles_target.py:
/// cycles of every kind pyinspect plans natively, next to a whole interpreter's worth of descriptors,
/// modules and builtins that only the emulator traverses.
@Suite("emulated tp_traverse and --verify-traversal on real interpreters")
struct EmulationTests {
    func attach(_ interpreter: Interpreter, _ extra: [String]) throws -> (report: [String: Any], truth: Set<String>, status: CLIResult) {
        let (target, truth) = try CollectableTests().start(interpreter, count: 2)
        defer { target.stop() }
        let result = try runCLI(["attach", String(target.pid), "--format", "json"] + extra)
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
        #expect(processState(target.pid) != "t" && processState(target.pid) != "T")
        return (report, Set(try J.array(truth["ids"], "truth ids").map { "\($0)" }), result)
    }

    @Test("every native plan agrees with the interpreter's own tp_traverse, and coverage is 100%", arguments: Interpreters.installed)
    func verifyTraversal(_ interpreter: Interpreter) throws {
        let (report, truth, result) = try attach(interpreter, ["--verify-traversal"])
        #expect(result.status == .exited(0), "\(result.stderr)")
        let collectable = try J.object(report["collectable"], "collectable")
        let verification = try J.object(collectable["verification"], "verification")
        let disagreements = try J.array(verification["disagreements"], "disagreements")
        #expect(disagreements.isEmpty, "\(disagreements)")
        #expect(try J.int(verification["compared"], "compared") > 1000)
        #expect(try J.counts(verification["not_emulated"], "not_emulated").isEmpty)
        let coverage = try J.object(collectable["coverage"], "coverage")
        let tracked = try J.int(coverage["tracked"], "tracked")
        #expect(try J.int(coverage["exact"], "exact") == tracked)
        #expect(try J.array(coverage["not_traversed"], "not_traversed").isEmpty)
        // Every Python 3 has `_io` objects (sys.stdout) and modules, which the emulator traverses; 2.7
        // (whose sys.stdout is a `file`, no gc object) classic classes and the extension module's defaultdict.
        let emulated = try J.counts(coverage["emulated_types"], "emulated_types")
        for type in interpreter.series == "2.7" ? ["module", "classobj", "defaultdict"] : ["TextIOWrapper", "FileIO", "module"] {
            #expect((emulated[type] ?? 0) > 0, "\(type) not emulated: \(emulated)")
        }
        #expect(try J.int(coverage["native"], "native") + J.int(coverage["emulated"], "emulated") == tracked)
        #expect(try J.int(coverage["emulation_calls"], "emulation_calls") == tracked)
        // The check changes nothing about the result.
        let ids = Set(try J.array(collectable["ids"], "collectable.ids").map { "\($0)" })
        #expect(ids == truth)
    }

    @Test("--no-pause: the emulator still traverses everything (its thread pointer comes from _PyRuntime, no stopped thread is needed)", arguments: Interpreters.installed)
    func noPause(_ interpreter: Interpreter) throws {
        let (report, truth, result) = try attach(interpreter, ["--no-pause"])
        #expect(result.status == .exited(0), "\(result.stderr)")
        let collectable = try J.object(report["collectable"], "collectable")
        let missing = try J.array(try J.object(collectable["coverage"], "coverage")["not_traversed"], "not_traversed")
        #expect(missing.isEmpty, "\(missing)")
        #expect(Set(try J.array(collectable["ids"], "collectable.ids").map { "\($0)" }) == truth)
    }

    @Test("--no-emulation reports the unplanned types as not traversed, with the reason", arguments: Interpreters.primary)
    func noEmulation(_ interpreter: Interpreter) throws {
        let (report, _, result) = try attach(interpreter, ["--no-emulation"])
        #expect(result.status == .exited(0), "\(result.stderr)")
        let coverage = try J.object(try J.object(report["collectable"], "collectable")["coverage"], "coverage")
        #expect(try J.int(coverage["emulated"], "emulated") == 0)
        #expect(try J.int(coverage["emulation_calls"], "emulation_calls") == 0)
        let missing = try J.array(coverage["not_traversed"], "not_traversed").map { try J.object($0, "entry") }
        // 2.7's sys.stdout is no gc object; its classic classes have no native plan.
        let unplanned = interpreter.series == "2.7" ? "classobj" : "TextIOWrapper"
        let stream = try #require(missing.first { ($0["type"] as? String) == unplanned })
        #expect(stream["reason"] as? String == "pyinspect has no plan for its tp_traverse")
    }

    @Test("--verify-traversal with --no-emulation is a usage error")
    func usage() throws {
        let result = try runCLI(["attach", "1", "--verify-traversal", "--no-emulation"])
        #expect(result.status == .exited(64))
        #expect(isOneErrorLine(result.stderr))
    }
}
