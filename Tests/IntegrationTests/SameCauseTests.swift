import Foundation
import Glibc
import Testing

/// One cause, one exit code, whichever command meets it: `attach`, `check`, `snapshot`, `watch`
/// and `doctor` read a process the same way, so they must fail the same way, with one line.
@Suite("the same cause gives the same exit code from every command")
struct SameCauseTests {
    /// Runs every command against `pid` (through `prefix`, e.g. setpriv) and checks the code and
    /// the one error line; returns the error lines of the commands that print one.
    @discardableResult
    func expectEveryCommand(_ pid: Int32, code: Int32, prefix: [String] = [], binary: String? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let cli = try binary ?? Paths.cli()
        let directory = try makeTempDirectory(mode: 0o777)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let p = String(pid)
        var lines: [String] = []
        let commands: [[String]] = [["attach", p], ["attach", p, "--format", "json"], ["check", p], ["check", p, "--format", "json"],
                                    ["snapshot", p, "-o", directory + "/s.db"], ["watch", p, "--count", "1"]]
        for command in commands {
            let result = try runProgram(prefix + [cli] + command, timeout: 60)
            #expect(result.status == .exited(code), "\(result)", sourceLocation: sourceLocation)
            #expect(isOneErrorLine(result.stderr), "one `pyinspect: ` line: \(result)", sourceLocation: sourceLocation)
            #expect(result.stderr.contains(p), "names the pid: \(result)", sourceLocation: sourceLocation)
            lines.append(result.stderr)
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/s.db"), sourceLocation: sourceLocation)
        let doctor = try runProgram(prefix + [cli, "doctor", p], timeout: 60)
        #expect(doctor.status == .exited(code), "\(doctor)", sourceLocation: sourceLocation)
        #expect(doctor.stdout.hasSuffix("(exit \(code): \(meaning(code)))\n"), "\(doctor)", sourceLocation: sourceLocation)
        return lines
    }

    func meaning(_ code: Int32) -> String {
        switch code {
        case 10: return "no such process"
        case 11: return "the process is not a CPython interpreter"
        case 12: return "permission denied (ptrace or /proc access)"
        case 13: return "unsupported Python version"
        case 15: return "the process exited while it was being read"
        default: return "?"
        }
    }

    @Test("no such process -> 10")
    func noSuchProcess() throws {
        let pid = try spawn(["/bin/true"], stdin: .devNull, stdout: .devNull, stderr: .devNull)
        #expect(waitForExit(pid, timeout: 30) == .exited(0))
        try #require(processState(pid) == nil, "pid \(pid) was reused already")
        try expectEveryCommand(pid, code: 10)
    }

    @Test("a zombie -> 15", .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func zombie() throws {
        let interpreter = try #require(Interpreters.any)
        let pipe = try makePipe()
        let shell = try spawn(["/bin/sh", "-c", "\"$0\" -S -c pass </dev/null & echo $!; exec sleep 120", interpreter.path],
                              stdin: .devNull, stdout: .fd(pipe.write), stderr: .devNull)
        close(pipe.write)
        defer { close(pipe.read); killAndReap(shell) }
        let zombie = try #require(readLine(fd: pipe.read, timeout: 30).flatMap { pid_t($0) }, "sh printed no pid")
        let deadline = Date().addingTimeInterval(30)
        while processState(zombie) != "Z" && Date() < deadline { usleep(10_000) }
        try #require(processState(zombie) == "Z", "pid \(zombie) did not become a zombie")
        let lines = try expectEveryCommand(zombie, code: 15)
        #expect(lines.allSatisfy { $0.contains("has exited (a zombie: its parent, pid \(shell), has not reaped it)") }, "\(lines)")
    }

    /// A kernel thread this pid namespace can see (kthreadd is pid 2 on a host; a container sees none).
    static let visibleKernelThread: Int32? = {
        for pid: Int32 in 2...200 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 6, let flags = UInt64(fields[6]), flags & 0x0020_0000 != 0 { return pid }
        }
        return nil
    }()

    @Test("a kernel thread -> 11", .enabled(if: SameCauseTests.visibleKernelThread != nil, "no kernel thread is visible here (a container?)"))
    func kernelThread() throws {
        let pid = try #require(Self.visibleKernelThread)
        let lines = try expectEveryCommand(pid, code: 11)
        #expect(lines.allSatisfy { $0.contains("is a kernel thread") }, "\(lines)")
    }

    @Test("a process that is not Python -> 11")
    func notPython() throws {
        let pid = try spawnSleeper()
        defer { killAndReap(pid) }
        try expectEveryCommand(pid, code: 11)
    }

    @Test("a python already traced by another tracer -> 12, naming the tracer, no sudo advice",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func alreadyTraced() throws {
        let interpreter = try #require(Interpreters.any)
        let target = try TargetProcess.service(interpreter)
        defer { target.stop() }
        let tracer = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.tracerScript, String(target.pid)],
                                       directory: try makeTempDirectory())
        defer { tracer.stop() }
        let lines = try expectEveryCommand(target.pid, code: 12)
        #expect(lines.allSatisfy { $0.contains("already traced by pid \(tracer.pid) (python") && !$0.contains("sudo") }, "\(lines)")
        // It still runs, and once the tracer lets go, pyinspect reads it.
        #expect(try target.command("requests 1") == "DONE 1")
        #expect(tracer.stop() == .exited(0))
        let read = try runCLI(["attach", String(target.pid), "--no-cycles"])
        #expect(read.status == .exited(0), "\(read)")
    }

    @Test("a user without permission against a root python -> 12 with the sudo advice",
          .enabled(if: getuid() == 0, "needs root: the target runs as root, pyinspect as uid 65534"),
          .enabled(if: access("/usr/bin/setpriv", X_OK) == 0, "/usr/bin/setpriv not installed"),
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func permissionDenied() throws {
        // nobody may not be able to enter the build directory: a world-readable copy of the binary.
        let staged = try stageForAnyUser(try Paths.cli(), mode: 0o755)
        defer { try? FileManager.default.removeItem(atPath: staged.directory) }
        let target = try TargetProcess.service(try #require(Interpreters.any))
        defer { target.stop() }
        let lines = try expectEveryCommand(target.pid, code: 12, prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
                                           binary: staged.script)
        #expect(lines.allSatisfy { $0.contains("sudo") }, "\(lines)")
    }

    // An unsupported version (exit 13) is not tested here: every installed interpreter is supported,
    // and none may be invented. The refusal itself is unit-tested on synthesized images
    // (VersionDetectorTests.unsupportedVersionIsNamed).
}
