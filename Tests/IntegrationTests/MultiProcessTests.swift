import Foundation
import Glibc
import Testing

/// Several PIDs, `--children`, and `watch`.
@Suite("several processes, --children, watch")
struct MultiProcessTests {
    @Test("--children reads a master and its forked workers, each reported")
    func masterAndWorkers() throws {
        guard let interpreter = Interpreters.any else { return }
        let master = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.masterScript], directory: try makeTempDirectory())
        defer { master.stop() }
        let line = try #require(master.nextLine())
        let workers = line.split(separator: " ").dropFirst().compactMap { Int32($0) }
        try #require(line.hasPrefix("WORKERS ") && workers.count == 2, "\(line)")
        let expected = Set([master.pid] + workers)

        let check = try runCLI(["check", String(master.pid), "--children", "--format", "json"])
        try #require(check.status == .exited(0), "\(check)")
        let processes = try J.array(parseJSONObject(Data(check.stdout.utf8), what: "check")["processes"], "processes")
        #expect(Set(try processes.map { Int32(try J.int(J.object($0, "process")["pid"], "pid")) }) == expected)

        let directory = master.directory
        let snapshot = try runCLI(["snapshot", String(master.pid), "--children", "-o", directory + "/{pid}.db"])
        try #require(snapshot.status == .exited(0), "\(snapshot)")
        for pid in expected { #expect(FileManager.default.fileExists(atPath: "\(directory)/\(pid).db"), "\(pid)") }
        let withoutPlaceholder = try runCLI(["snapshot", String(master.pid), "--children", "-o", directory + "/one.db"])
        #expect(withoutPlaceholder.status == .exited(64), "\(withoutPlaceholder)")

        // Two PIDs given: two reports; JSON is an array of them. A pid that does not exist is reported
        // and the rest still read; the exit code is its error's.
        let both = try runCLI(["attach", String(workers[0]), String(workers[1]), "--format", "json", "--no-cycles"])
        try #require(both.status == .exited(0), "\(both)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as? [[String: Any]])
        #expect(Set(try reports.map { Int32(try J.int(J.object($0["process"], "process")["pid"], "pid")) }) == Set(workers))
        let mixed = try runCLI(["attach", String(workers[0]), "999999999", "--no-cycles"])
        #expect(mixed.status == .exited(10), "\(mixed)")
        #expect(mixed.stdout.hasPrefix("pid \(workers[0])"), "\(mixed)")
        #expect(mixed.stderr.hasPrefix("pyinspect: ") && mixed.stderr.contains("999999999"), "\(mixed)")
        for pid in expected { #expect(processState(pid) != "t" && processState(pid) != "T") }
    }

    @Test("watch: one block per read with the growth since the last, totals at the end; SIGINT stops it cleanly")
    func watch() throws {
        guard let interpreter = Interpreters.any else { return }
        let service = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.requestsScript], directory: try makeTempDirectory())
        defer { service.stop() }
        let pid = String(service.pid)
        let counted = try runCLI(["watch", pid, "--interval", "50ms", "--force", "--count", "3"])
        try #require(counted.status == .exited(0), "\(counted)")
        let lines = counted.stdout.split(separator: "\n")
        #expect(lines.filter { $0.contains("  pid \(pid)  tracked ") }.count == 3, "\(counted)")
        #expect(lines.first?.hasSuffix("(first read)") == true, "\(counted)")
        #expect(lines.contains { $0.hasPrefix("pid \(pid): 3 reads: tracked ") && $0.contains("(0)") }, "\(counted)")

        // A long interval, interrupted: it stops at once, exits 0, and the target runs on.
        let out = service.directory + "/watch.out"
        let watcher = try spawn([try Paths.cli(), "watch", pid, "--interval", "1h"], stdin: .devNull, stdout: .file(out), stderr: .devNull)
        Thread.sleep(forTimeInterval: 1.0)
        kill(watcher, SIGINT)
        let status = waitForExit(watcher, timeout: 10)
        #expect(status == .exited(0), "\(String(describing: status))")
        #expect(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("pid \(pid)  tracked"))
        #expect(processState(service.pid) != "t" && processState(service.pid) != "T")
        #expect(try service.command("requests 1") == "DONE 1")
    }
}
