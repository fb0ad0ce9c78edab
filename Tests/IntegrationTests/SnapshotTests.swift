import Foundation
import Testing

/// Snapshots, diffs, export and check against a live target that handles simulated requests on
/// command, each leaving exactly one Session + list + str alive and one Request <-> Handler cycle
/// holding a bytes body, and that grows a dict of untracked payloads on command.
@Suite("snapshot, diff, export, check")
struct SnapshotTests {
    func startService(_ interpreter: Interpreter) throws -> TargetProcess {
        try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.requestsScript], directory: try makeTempDirectory())
    }

    func snapshot(_ pid: pid_t, _ path: String) throws {
        let result = try runCLI(["snapshot", String(pid), "-o", path])
        try #require(result.status == .exited(0), "\(result)")
        #expect(result.stdout.hasPrefix("pid \(pid): "))
        #expect(FileManager.default.fileExists(atPath: path))
        // Written atomically: no temporary file is left beside it.
        let siblings = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(!siblings.contains { $0.contains(".tmp-") })
    }

    @Test("diff shows exactly K requests' growth, and the new garbage is exactly their cycles", arguments: Interpreters.installed)
    func diffOfALiveService(_ interpreter: Interpreter) throws {
        let service = try startService(interpreter)
        defer { service.stop() }
        #expect(try service.command("requests 5") == "DONE 5")
        let a = service.directory + "/a.db", b = service.directory + "/b.db"
        try snapshot(service.pid, a)
        let k = 7
        #expect(try service.command("requests \(k)") == "DONE \(5 + k)")
        let sizes = try service.command("sizes").split(separator: " ").dropFirst().map { Int($0)! }
        try snapshot(service.pid, b)

        let result = try runCLI(["diff", a, b, "--format", "json"])
        try #require(result.status == .exited(0), "\(result)")
        let diff = try parseJSONObject(Data(result.stdout.utf8), what: "diff")
        #expect(try J.string(diff["schema"], "schema") == "pyinspect-diff/1")
        #expect(try J.bool(diff["same_process"], "same_process"))
        var growth: [String: Int] = [:]
        for entry in try J.array(diff["growth"], "growth") {
            let change = try J.object(entry, "growth entry")
            growth[try J.string(change["type"], "type")] = try J.int(change["delta"], "delta")
        }
        // Untracked objects count: each request's name (str) and body (bytes); the count's int is replaced, not added.
        let text = "str", body = interpreter.series == "2.7" ? "str" : "bytes"
        var expected = ["Session": k, "list": k, "Request": k, "Handler": k]
        expected[text, default: 0] += k
        expected[body, default: 0] += k
        #expect(growth == expected, "\(interpreter)")
        let newObjects = try J.object(diff["new_objects"], "new_objects")
        #expect(try J.counts(newObjects["by_type"], "new_objects.by_type") == ["Session": k, "list": k, text: k, "int": 1], "\(interpreter)")
        let newGarbage = try J.object(diff["new_collectable"], "new_collectable")
        #expect(try J.counts(newGarbage["by_type"], "new_collectable.by_type") == ["Request": k, "Handler": k, body: k], "\(interpreter)")
        #expect(try J.int(newGarbage["count"], "new_collectable.count") == 3 * k)
        let gone = try J.object(diff["gone"], "gone")
        #expect(try J.int(gone["count"], "gone.count") == 1 && J.counts(gone["by_type"], "gone.by_type") == ["int": 1], "\(gone)")
        let before = try J.object(diff["totals_before"], "totals_before"), after = try J.object(diff["totals_after"], "totals_after")
        #expect(try J.int(after["objects"], "objects") - J.int(before["objects"], "objects") == 6 * k)
        #expect(try J.int(after["collectable"], "collectable") - J.int(before["collectable"], "collectable") == 3 * k)
        // What holds the new objects, by path; SESSIONS grew in place to the size the target gives.
        let retainers = try J.array(diff["new_retainers"], "new_retainers").map { try J.object($0, "retainer") }
        let paths = Dictionary(try retainers.map { (try J.string($0["text"], "text"), try J.int($0["count"], "count")) }, uniquingKeysWith: +)
        #expect(paths == ["module __main__ .SESSIONS -> list[*] -> Session": k, "module __main__ .SESSIONS -> list[*] -> Session.cache -> list": k,
                          "module __main__ .SESSIONS -> list[*] -> Session.number -> \(text)": k, "module __main__ .HANDLED -> list[0] -> int": 1],
                "\(interpreter): \(retainers)")
        let grown = try J.array(diff["grown"], "grown").map { try J.object($0, "grown") }
        #expect(try grown.contains { try J.string($0["address"], "address") == "0x" + String(sizes[0], radix: 16) && J.int($0["bytes_after"], "after") == sizes[1] },
                "\(interpreter): \(grown) \(sizes)")

        let printed = try runCLI(["diff", a, b])
        try #require(printed.status == .exited(0), "\(printed)")
        #expect(printed.stdout.contains("new collectable garbage: \(3 * k) objects"))
        #expect(printed.stdout.contains("  +\(k) Session retained ") && printed.stdout.contains(": module __main__ .SESSIONS -> list[*] -> Session\n"), "\(printed)")
        #expect(processState(service.pid) != "t" && processState(service.pid) != "T")
    }

    @Test("a dict of untracked payloads that grows: diff counts its str keys and bytes, names its path, and the dict grew in place",
          arguments: Interpreters.installed)
    func untrackedGrowth(_ interpreter: Interpreter) throws {
        let service = try startService(interpreter)
        defer { service.stop() }
        #expect(try service.command("blobs 100") == "DONE 100")
        let a = service.directory + "/a.db", b = service.directory + "/b.db"
        let before = try service.command("sizes").split(separator: " ").dropFirst().map { Int($0)! }
        try snapshot(service.pid, a)
        let k = 40_000
        #expect(try service.command("blobs \(k)") == "DONE \(100 + k)")
        let after = try service.command("sizes").split(separator: " ").dropFirst().map { Int($0)! }
        try snapshot(service.pid, b)
        let result = try runCLI(["diff", a, b, "--format", "json"])
        try #require(result.status == .exited(0), "\(result)")
        let diff = try parseJSONObject(Data(result.stdout.utf8), what: "diff")
        let body = interpreter.series == "2.7" ? "str" : "bytes"
        var growth: [String: Int] = [:], bodyBytes = 0
        for entry in try J.array(diff["growth"], "growth") {
            let change = try J.object(entry, "growth entry")
            growth[try J.string(change["type"], "type")] = try J.int(change["delta"], "delta")
            if try J.string(change["type"], "type") == "bytes" { bodyBytes = try J.int(change["bytes_delta"], "bytes_delta") }
        }
        #expect(growth == (body == "str" ? ["str": 2 * k] : ["str": k, "bytes": k]), "\(interpreter): \(growth)")
        if body == "bytes" { #expect(bodyBytes == k * after[4], "\(interpreter)") }
        let grown = try J.object(try J.array(diff["grown"], "grown").first, "grown")
        #expect(try J.string(grown["address"], "address") == "0x" + String(after[2], radix: 16) && J.int(grown["bytes_before"], "before") == before[3]
                && J.int(grown["bytes_after"], "after") == after[3], "\(interpreter): \(grown) \(before) \(after)")
        let retainers = try J.array(diff["new_retainers"], "new_retainers").map { try J.object($0, "retainer") }
        let paths = Dictionary(try retainers.map { (try J.string($0["text"], "text"), try J.int($0["count"], "count")) }, uniquingKeysWith: +)
        let keyPath = "module __main__ .BLOBS -> dict.<key> -> str", valuePath = "module __main__ .BLOBS -> dict[<str>] -> \(body)"
        #expect(paths == [keyPath: k, valuePath: k], "\(interpreter): \(retainers)")
    }

    @Test("a snapshot holds what attach reports, and export writes it back as JSON lines", arguments: Interpreters.installed.filter { $0.series != "2.7" }.prefix(2))
    func roundTrip(_ interpreter: Interpreter) throws {
        let service = try startService(interpreter)
        defer { service.stop() }
        #expect(try service.command("requests 3") == "DONE 3")
        let file = service.directory + "/s.db"
        try snapshot(service.pid, file)
        let report = try parseJSONObject(Data(try runCLI(["attach", String(service.pid), "--format", "json"]).stdout.utf8), what: "report")
        let collectable = try J.object(report["collectable"], "collectable")
        let reportIDs = Set(try J.array(collectable["ids"], "ids").map { "\($0)" })

        let export = try runCLI(["export", file, "--format", "json"])
        try #require(export.status == .exited(0), "\(export)")
        var objects = 0, collectableIDs = Set<String>(), header: [String: Any] = [:]
        var ids = Set<String>(), refs: [[String]] = [], untracked = 0, tracked = 0, permanent = 0
        for line in export.stdout.split(separator: "\n") {
            let record = try parseJSONObject(Data(line.utf8), what: "export line")
            switch try J.string(record["record"], "record") {
            case "snapshot": header = record
            case "object":
                objects += 1
                ids.insert(try J.string(record["address"], "address"))
                refs.append(try J.strings(record["refs"], "refs"))
                if record["generation"] is NSNull { untracked += 1 } else if try J.int(record["generation"], "generation") <= 2 { tracked += 1 } else { permanent += 1 }
                if try J.bool(record["collectable"], "collectable") { collectableIDs.insert(try J.string(record["address"], "address")) }
            default: break
            }
        }
        #expect(try J.string(header["schema"], "schema") == "pyinspect-snapshot/2")
        #expect(try J.string(header["pid"], "pid") == String(service.pid))
        let generations = try J.array(report["generations"], "generations").reduce(0) { $0 + (try J.int(J.object($1, "generation")["count"], "count")) }
        #expect(tracked == generations && String(untracked) == header["untracked_count"] as? String && objects == tracked + untracked + permanent
                && permanent <= Int(header["permanent_count"] as? String ?? "") ?? -1, "\(header)")
        #expect(ids.count == objects)
        #expect(refs.allSatisfy { $0.allSatisfy { ids.contains($0) } })
        #expect(collectableIDs == reportIDs)

        // The documented SQL works with the stock sqlite3 CLI.
        let sql = try runProgram(["/usr/bin/sqlite3", file,
            "SELECT t.name, COUNT(*) FROM objects o JOIN types t ON t.id = o.type_id WHERE o.collectable GROUP BY t.name ORDER BY t.name"])
        #expect(sql.stdout == "Handler|3\nRequest|3\n", "\(sql)")
        let held = try runProgram(["/usr/bin/sqlite3", file,
            "SELECT COUNT(*) FROM edges e JOIN objects s ON s.id = e.source JOIN objects t ON t.id = e.target WHERE s.collectable AND t.collectable"])
        #expect(held.stdout == "6\n", "\(held)")  // Request -> Handler and Handler -> Request, three times
        // The documented walk up `retainer` spells a Session's path from its root.
        let walk = try runProgram(["/usr/bin/sqlite3", file, """
            WITH RECURSIVE up(id, depth) AS (SELECT (SELECT o.id FROM objects o JOIN types t ON t.id = o.type_id WHERE t.name = 'Session' LIMIT 1), 0
                                             UNION ALL SELECT o.retainer, depth + 1 FROM up JOIN objects o ON o.id = up.id WHERE o.retainer IS NOT NULL)
            SELECT group_concat(coalesce(l.text, r.name), ' ') FROM (SELECT * FROM up ORDER BY depth DESC) u JOIN objects o ON o.id = u.id
                LEFT JOIN labels l ON l.id = o.label_id LEFT JOIN roots r ON r.id = o.root_id AND o.retainer IS NULL
            """])
        #expect(walk.stdout.hasPrefix("module __main__ .SESSIONS [") && walk.stdout.hasSuffix("]\n"), "\(walk)")
    }

    @Test("broken snapshot files: one line and a documented exit code")
    func badFiles() throws {
        guard let interpreter = Interpreters.any else { return }
        let service = try startService(interpreter)
        defer { service.stop() }
        let good = service.directory + "/good.db"
        try snapshot(service.pid, good)
        let data = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = service.directory + "/truncated.db"
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
        let noise = service.directory + "/noise.db"
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: noise))
        let empty = service.directory + "/empty.db"
        try Data().write(to: URL(fileURLWithPath: empty))
        let future = service.directory + "/future.db"
        try data.write(to: URL(fileURLWithPath: future))
        let bump = try runProgram(["/usr/bin/sqlite3", future, "PRAGMA user_version = 3"])
        try #require(bump.status == .exited(0), "\(bump)")

        for (file, code, words) in [(truncated, 22, "truncated"), (noise, 22, "not a pyinspect snapshot"), (empty, 22, "not a pyinspect snapshot"),
                                    (service.directory + "/missing.db", 22, "No such file"), (future, 23, "pyinspect-snapshot/3")] {
            for argv in [["export", file], ["diff", good, file], ["why", file, "Session"], ["top", file]] {
                let result = try runCLI(argv)
                #expect(result.status == .exited(Int32(code)), "\(result)")
                #expect(result.stderr.hasPrefix("pyinspect: ") && result.stderr.split(separator: "\n").count == 1, "\(result)")
                #expect(result.stderr.contains(words), "\(result)")
                #expect(result.stdout.isEmpty)
            }
        }
    }

    @Test("check: 0 within limits, 1 over one (named), 10 for no such process; OpenMetrics parses back")
    func checkExitCodesAndOpenMetrics() throws {
        guard let interpreter = Interpreters.any else { return }
        let service = try startService(interpreter)
        defer { service.stop() }
        #expect(try service.command("requests 4") == "DONE 4")
        let pid = String(service.pid)
        let within = try runCLI(["check", pid, "--max-collectable", "8", "--max-type", "Session=4"])
        #expect(within.status == .exited(0), "\(within)")
        #expect(within.stdout.hasPrefix("pid \(pid): ok: collectable 8 <= 8"), "\(within)")
        let over = try runCLI(["check", pid, "--max-collectable", "7", "--max-collectable-bytes", "1MiB", "--max-type", "Session=3"])
        #expect(over.status == .exited(1), "\(over)")
        #expect(over.stdout.contains("collectable 8 > 7 EXCEEDED"), "\(over)")
        #expect(over.stdout.contains("type:Session 4 > 3 EXCEEDED"), "\(over)")
        // The held bytes are attach's: own sizes plus the four 4 KiB bodies only the cycles hold.
        let report = try parseJSONObject(Data(try runCLI(["attach", pid, "--format", "json"]).stdout.utf8), what: "report")
        let set = try J.object(report["collectable"], "collectable")
        let held = try J.int(set["bytes"], "bytes") + J.int(set["untracked_bytes"], "untracked_bytes")
        #expect(try J.int(set["untracked_objects"], "untracked_objects") == 4)
        #expect(held > 4 * 4096)
        var digits = Array(String(held)), heldText = ""
        while digits.count > 3 {
            heldText = "," + String(digits.suffix(3)) + heldText
            digits.removeLast(3)
        }
        heldText = String(digits) + heldText
        #expect(over.stdout.contains("collectable_bytes \(heldText) <= 1,048,576"), "\(over)")
        let gone = try runCLI(["check", "999999999"])
        #expect(gone.status == .exited(10), "\(gone)")
        let usage = try runCLI(["check", pid, "--max-type", "Session"])
        #expect(usage.status == .exited(64), "\(usage)")

        let metrics = try runCLI(["check", pid, "--max-collectable", "7", "--max-type", "Request=100", "--format", "openmetrics"])
        #expect(metrics.status == .exited(1), "\(metrics)")
        let parser = """
            import sys
            from prometheus_client.openmetrics.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    print("%s %s %s" % (s.name, ",".join("%s=%s" % kv for kv in sorted(s.labels.items())), float(s.value)))
            """
        let parsed = try runProgram(["/usr/bin/python3", "-c", parser], stdin: metrics.stdout)
        try #require(parsed.status == .exited(0), "OpenMetrics did not parse: \(parsed)\n\(metrics.stdout)")
        let lines = Set(parsed.stdout.split(separator: "\n").map(String.init))
        #expect(lines.contains("pyinspect_collectable_objects pid=\(pid) 8.0"))
        #expect(lines.contains("pyinspect_type_objects pid=\(pid),type=Request 4.0"))
        #expect(lines.contains("pyinspect_limit_exceeded figure=collectable,pid=\(pid) 1.0"))
        #expect(lines.contains("pyinspect_limit_exceeded figure=type:Request,pid=\(pid) 0.0"))
        #expect(lines.contains("pyinspect_garbage_objects pid=\(pid) 0.0"))
    }
}
