import Foundation
import Testing

/// `pyinspect top`: retained sizes over the dominator tree of the live heap, against what the target
/// computes itself (retention_target.py: the tracked objects a module-level cache alone reaches).
@Suite("top: retained sizes of the live heap")
struct TopTests {
    /// A target started with `--expect FILE` and the truth it wrote there.
    func start(_ interpreter: Interpreter, _ script: String, _ arguments: [String]) throws -> (TargetProcess, [String: Any]) {
        let directory = try makeTempDirectory()
        let expect = directory + "/expect.json"
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", script, "--expect", expect] + arguments, directory: directory)
        return (target, try parseJSONObject(try #require(FileManager.default.contents(atPath: expect)), what: "truth"))
    }

    func top(_ pid: Int32, count: Int) throws -> [String: Any] {
        let result = try runCLI(["top", String(pid), "--format", "json", "--top", String(count)])
        try #require(result.status == .exited(0), "\(result)")
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "top report")
        #expect(report["schema"] as? String == "pyinspect-top/1")
        return report
    }

    @Test("a cache retains exactly its entries and their payloads; the entries' type retains them all", arguments: Interpreters.installed)
    func cacheRetention(_ interpreter: Interpreter) throws {
        let (target, truth) = try start(interpreter, Paths.retentionScript, ["--count", "1000"])
        defer { target.stop() }
        let report = try top(target.pid, count: 50)
        let objects = try J.array(report["objects"], "objects").map { try J.object($0, "object") }
        let cache = try #require(objects.first { $0["address"] as? String == truth["cache"] as? String }, "\(interpreter): no cache in \(objects)")
        #expect(try J.int(cache["retained_bytes"], "retained") == J.int(truth["cache_retained"], "truth cache_retained"), "\(interpreter)")
        #expect(cache["type"] as? String == (interpreter.series == "2.7" ? "__builtin__.dict" : "builtins.dict"))
        let cachePath = "module __main__ .CACHE -> " + (interpreter.series == "2.7" ? "__builtin__.dict" : "builtins.dict")
        #expect(cache["path"] as? String == cachePath, "\(interpreter): \(cache)")
        // The roots' own objects: the module global CACHE first among __main__'s.
        let rootObjects = try J.array(report["root_objects"], "root_objects").map { try J.object($0, "root object") }
        let global = try #require(rootObjects.first { $0["path"] as? String == cachePath }, "\(interpreter): \(rootObjects)")
        #expect(try J.int(global["retained_bytes"], "retained") == J.int(truth["cache_retained"], "truth"))
        let types = try J.array(report["types"], "types").map { try J.object($0, "type") }
        let entry = try #require(types.first { $0["type_address"] as? String == truth["entry_type"] as? String }, "\(interpreter): \(types)")
        #expect(try J.int(entry["retained_bytes"], "retained") == J.int(truth["entry_type_retained"], "truth entry_type_retained"))
        #expect(try J.int(entry["objects"], "objects") == 1000)
        #expect(entry["type"] as? String == "__main__.Entry")
        // What holds the cache retains at least as much; the live heap holds everything listed.
        let live = try J.int(report["live_bytes"], "live_bytes")
        #expect(try objects.allSatisfy { try J.int($0["retained_bytes"], "retained") <= live })
        #expect(try J.int(report["roots"], "roots") > 0)
        #expect(try J.int(report["target_resident_anonymous_bytes"], "anonymous") > 0
                && J.int(report["target_resident_bytes"], "resident") >= J.int(report["target_resident_anonymous_bytes"], "anonymous"))

        let text = try runCLI(["top", String(target.pid), "--qualified"])
        try #require(text.status == .exited(0), "\(text)")
        #expect(text.stdout.contains("  __main__.Entry\n"), "\(text.stdout)")
        #expect(text.stdout.contains(" \(truth["cache"] as? String ?? "?")\n"), "\(text.stdout)")
        #expect(target.stop() == .exited(0))
    }

    @Test("on a random graph of 5,000 objects every retained size is what an independent dominator computation gives",
          arguments: Interpreters.installed)
    func randomGraph(_ interpreter: Interpreter) throws {
        let (target, truth) = try start(interpreter, Paths.dominatorScript, ["--nodes", "5000"])
        defer { target.stop() }
        let retained = try #require(truth["retained"] as? [String: Int])
        let report = try top(target.pid, count: 1_000_000)
        let objects = try J.array(report["objects"], "objects").map { try J.object($0, "object") }
        var found: [String: Int] = [:]
        for object in objects {
            if let address = object["address"] as? String, retained[address] != nil { found[address] = try J.int(object["retained_bytes"], "retained") }
        }
        #expect(found.count == retained.count && retained.count == (truth["reachable"] as? Int), "\(interpreter): \(found.count) of \(retained.count)")
        let wrong = retained.filter { found[$0.key] != $0.value }
        #expect(wrong.isEmpty, "\(interpreter): \(wrong.count) retained sizes differ, e.g. \(wrong.prefix(3).map { "\($0.key): \(found[$0.key] ?? -1) vs \($0.value)" })")
        let roots = try #require(objects.first { $0["address"] as? String == truth["roots"] as? String })
        #expect(try J.int(roots["retained_bytes"], "retained") == J.int(truth["roots_retained"], "truth"), "\(interpreter)")
        #expect(target.stop() == .exited(0))
    }

    @Test("bad input: one clear line and a documented exit code")
    func badInput() throws {
        let zero = try runCLI(["top", "1", "--top", "0"])
        #expect(zero.status == .exited(64) && isOneErrorLine(zero.stderr), "\(zero)")
        let share = try runCLI(["top", "1", "--suspect-share", "2"])
        #expect(share.status == .exited(64) && isOneErrorLine(share.stderr), "\(share)")
        let gone = try runCLI(["top", "999999999"])
        #expect(gone.status == .exited(10) && isOneErrorLine(gone.stderr), "\(gone)")
    }
}
