import Foundation
import Glibc
import Testing

/// Several processes in one run: every one gets a result, the exit code is the most serious
/// outcome (a limit exceeded is never hidden by a process that vanished), and monitoring output
/// has an entry for every process asked for.
@Suite("several processes: every one gets a result")
struct SeveralProcessesTests {
    /// A pid that existed and is gone: spawned, exited, reaped.
    func vanishedPid() throws -> Int32 {
        let pid = try spawn(["/bin/true"], stdin: .devNull, stdout: .devNull, stderr: .devNull)
        #expect(waitForExit(pid, timeout: 30) == .exited(0))
        try #require(processState(pid) == nil, "pid \(pid) was reused already")
        return pid
    }

    @Test("check: a limit exceeded in one pid and another pid gone -> exit 1; text, JSON and OpenMetrics name both",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func limitNotHiddenByVanishedPid() throws {
        let service = try TargetProcess.service(try #require(Interpreters.any), requests: 4)
        defer { service.stop() }
        let pid = String(service.pid), gone = String(try vanishedPid())
        // Both orders: the outcome does not depend on which pid comes first.
        for pids in [[pid, gone], [gone, pid]] {
            let text = try runCLI(["check"] + pids + ["--max-collectable", "7"])
            #expect(text.status == .exited(1), "\(text)")
            #expect(text.stdout.contains("pid \(pid): LIMIT EXCEEDED: collectable 8 > 7 EXCEEDED"), "\(text)")
            #expect(text.stdout.contains("pid \(gone): NOT READ (exit 10): no process with pid \(gone)\n"), "\(text)")
            #expect(text.stderr == "pyinspect: no process with pid \(gone)\n", "\(text)")
        }
        let json = try runCLI(["check", pid, gone, "--max-collectable", "7", "--format", "json"])
        #expect(json.status == .exited(1), "\(json)")
        let document = try parseJSONObject(Data(json.stdout.utf8), what: "check JSON")
        #expect(try J.bool(document["ok"], "ok") == false)
        #expect(try J.int(document["exit_code"], "exit_code") == 1)
        let processes = try J.array(document["processes"], "processes").map { try J.object($0, "process") }
        try #require(processes.count == 2, "\(json)")
        #expect(try J.int(processes[0]["pid"], "pid") == Int(pid)!)
        #expect(try J.string(processes[0]["status"], "status") == "exceeded")
        #expect(try J.int(processes[1]["pid"], "pid") == Int(gone)!)
        #expect(try J.string(processes[1]["status"], "status") == "error")
        #expect(try J.int(processes[1]["exit_code"], "exit_code") == 10)
        #expect(try J.string(processes[1]["error"], "error") == "no process with pid \(gone)")

        // Within the limit, the vanished pid alone decides: 10, and "ok" is false.
        let within = try runCLI(["check", pid, gone, "--max-collectable", "100", "--format", "json"])
        #expect(within.status == .exited(10), "\(within)")
        #expect(try J.bool(parseJSONObject(Data(within.stdout.utf8), what: "check JSON")["ok"], "ok") == false)

        let metrics = try runCLI(["check", pid, gone, "--max-collectable", "100", "--format", "openmetrics"])
        #expect(metrics.status == .exited(10), "\(metrics)")
        let samples = try parseOpenMetrics(metrics.stdout)
        #expect(samples.contains("pyinspect_up pid=\(pid) 1.0"), "\(metrics)")
        #expect(samples.contains("pyinspect_up pid=\(gone) 0.0"), "\(metrics)")
        #expect(samples.contains("pyinspect_collectable_objects pid=\(pid) 8.0"), "\(metrics)")
        #expect(!samples.contains { $0.hasPrefix("pyinspect_collectable_objects pid=\(gone) ") }, "\(metrics)")
    }

    @Test("check -o FILE: written whatever the exit code (a textfile collector never keeps stale figures), mode 0644; a refused FILE is exit 18 before any read",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func checkOutputFile() throws {
        let service = try TargetProcess.service(try #require(Interpreters.any), requests: 4)
        defer { service.stop() }
        let pid = String(service.pid), gone = String(try vanishedPid())
        let file = service.directory + "/pyinspect.prom"
        try Data("stale\n".utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o644)
        let before = try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int
        let result = try runCLI(["check", pid, gone, "--max-collectable", "7", "--format", "openmetrics", "-o", file])
        #expect(result.status == .exited(1), "\(result)")
        #expect(result.stdout == "", "\(result)")
        let written = try String(contentsOfFile: file, encoding: .utf8)
        let samples = try parseOpenMetrics(written)
        #expect(samples.contains("pyinspect_up pid=\(pid) 1.0") && samples.contains("pyinspect_up pid=\(gone) 0.0"), "\(written)")
        #expect(samples.contains("pyinspect_limit_exceeded figure=collectable,pid=\(pid) 1.0"), "\(written)")
        // Renamed into place (a new inode), keeping the old file's mode.
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect(attributes[.systemFileNumber] as? Int != before)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
        let fresh = service.directory + "/fresh.prom"
        #expect(try runCLI(["check", pid, "--format", "openmetrics", "-o", fresh]).status == .exited(0))
        #expect((try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int) == 0o644)
        // The destination is refused before anything is read: 18, not the 10 of the missing pid.
        let refused = try runCLI(["check", gone, "-o", service.directory + "/"])
        #expect(refused.status == .exited(18), "\(refused)")
        #expect(isOneErrorLine(refused.stderr) && refused.stderr.hasPrefix("pyinspect: -o \(service.directory)/: is a directory; give a file name, e.g. ")
                && refused.stderr.hasSuffix("/pyinspect-check.txt\n"), "\(refused)")
    }

    @Test("attach and snapshot: the good pid's report and file, an entry for the bad one, the bad one's exit code",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func attachAndSnapshotWithOneBad() throws {
        let service = try TargetProcess.service(try #require(Interpreters.any), requests: 2)
        defer { service.stop() }
        let pid = String(service.pid), gone = String(try vanishedPid())
        let json = try runCLI(["attach", gone, pid, "--format", "json", "--no-cycles"])
        #expect(json.status == .exited(10), "\(json)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json)")
        try #require(entries.count == 2, "\(json)")
        #expect(try J.int(entries[0]["pid"], "pid") == Int(gone)!)
        #expect(try J.string(entries[0]["status"], "status") == "error")
        #expect(try J.int(entries[0]["exit_code"], "exit_code") == 10)
        #expect(try J.string(entries[1]["schema"], "schema") == "pyinspect-report/1")
        #expect(try J.int(J.object(entries[1]["process"], "process")["pid"], "pid") == Int(pid)!)

        let directory = service.directory
        let snapshot = try runCLI(["snapshot", pid, gone, "-o", directory + "/{pid}.db"])
        #expect(snapshot.status == .exited(10), "\(snapshot)")
        #expect(snapshot.stdout.hasPrefix("pid \(pid): "), "\(snapshot)")
        #expect(snapshot.stderr == "pyinspect: no process with pid \(gone)\n", "\(snapshot)")
        #expect(FileManager.default.fileExists(atPath: "\(directory)/\(pid).db"))
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/\(gone).db"))
        let export = try runCLI(["export", "\(directory)/\(pid).db"])
        #expect(export.status == .exited(0), "\(export)")
    }

    @Test("--children: a child that is not Python is skipped, not a failure; -p and a thread id select the master",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func childrenAndThreads() throws {
        let interpreter = try #require(Interpreters.any)
        let master = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.masterScript, "--mixed"], directory: try makeTempDirectory())
        defer { master.stop() }
        let line = try #require(master.nextLine())
        let ids = line.split(separator: " ").dropFirst().compactMap { Int32($0) }
        try #require(line.hasPrefix("CHILDREN ") && ids.count == 3, "\(line)")
        let (worker, sleeper, thread) = (ids[0], ids[1], ids[2])

        let check = try runCLI(["check", String(master.pid), "--children", "--format", "json"])
        #expect(check.status == .exited(0), "\(check)")
        let document = try parseJSONObject(Data(check.stdout.utf8), what: "check JSON")
        #expect(try J.bool(document["ok"], "ok") == true)
        var statuses: [Int: String] = [:]
        for entry in try J.array(document["processes"], "processes") {
            let process = try J.object(entry, "process")
            statuses[try J.int(process["pid"], "pid")] = try J.string(process["status"], "status")
        }
        #expect(statuses == [Int(master.pid): "ok", Int(worker): "ok", Int(sleeper): "skipped"], "\(check)")
        #expect(check.stderr.hasPrefix("pyinspect: pid \(sleeper) (child of \(master.pid)): skipped: "), "\(check)")
        #expect(check.stderr.contains("skipped: not a Python process: /usr/bin/sleep"), "\(check)")

        let metrics = try runCLI(["check", String(master.pid), "--children", "--format", "openmetrics"])
        #expect(metrics.status == .exited(0), "\(metrics)")
        let samples = try parseOpenMetrics(metrics.stdout)
        #expect(samples.filter { $0.hasPrefix("pyinspect_up ") }.sorted()
                == ["pyinspect_up pid=\(master.pid) 1.0", "pyinspect_up pid=\(worker) 1.0"].sorted(), "\(metrics)")

        // The same process named three ways: PID, -p PID, and one of its thread ids.
        for selector in [[String(master.pid)], ["-p", String(master.pid)], ["--pid", String(master.pid)], [String(thread)]] {
            let result = try runCLI(["attach"] + selector + ["--format", "json", "--no-cycles"])
            #expect(result.status == .exited(0), "\(result)")
            let report = try parseJSONObject(Data(result.stdout.utf8), what: "report")
            #expect(try J.int(J.object(report["process"], "process")["pid"], "pid") == Int(master.pid), "\(selector)")
            if selector == [String(thread)] {
                #expect(result.stderr.hasPrefix("pyinspect: \(thread) is a thread of process \(master.pid) "), "\(result)")
            } else {
                #expect(result.stderr == "", "\(result)")
            }
        }
        // A pid given by the user that is not Python is an error, not a skip.
        let named = try runCLI(["check", String(sleeper)])
        #expect(named.status == .exited(11), "\(named)")
        for pid in [master.pid, worker] { #expect(processState(pid) != "t" && processState(pid) != "T") }
    }

    /// `name labels value` per sample, as prometheus_client's strict OpenMetrics parser reads them.
    func parseOpenMetrics(_ text: String) throws -> Set<String> {
        let parser = """
            import sys
            from prometheus_client.openmetrics.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    print("%s %s %s" % (s.name, ",".join("%s=%s" % kv for kv in sorted(s.labels.items())), float(s.value)))
            """
        let parsed = try runProgram(["/usr/bin/python3", "-c", parser], stdin: text)
        try #require(parsed.status == .exited(0), "OpenMetrics did not parse: \(parsed)\n\(text)")
        return Set(parsed.stdout.split(separator: "\n").map(String.init))
    }
}
