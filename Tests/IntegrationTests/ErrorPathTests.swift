import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Each failure mode: the exact exit code (Sources/pyinspect/ExitCodes.swift), nothing on stdout,
// and exactly one stderr line starting with "pyinspect: ".
@Suite("attach: error paths")
struct ErrorPathTests {
    func expectError(_ result: CLIResult, code: Int32, mentioning needles: [String] = [],
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == .exited(code), "expected exit \(code): \(result)", sourceLocation: sourceLocation)
        #expect(result.stdout == "", "stdout should be empty: \(result)", sourceLocation: sourceLocation)
        #expect(isOneErrorLine(result.stderr), "stderr should be one `pyinspect: ` line: \(result)", sourceLocation: sourceLocation)
        for needle in needles {
            #expect(result.stderr.contains(needle), "stderr should mention \(needle): \(result)", sourceLocation: sourceLocation)
        }
    }

    func anyInterpreter() throws -> Interpreter {
        try #require(Interpreters.any, "no python 3.8–3.13 installed")
    }

    @Test("no such process -> 10")
    func noSuchProcess() throws {
        // The pid of a process that has exited and been reaped.
        let pid = try spawn(["/bin/true"], stdin: .devNull, stdout: .devNull, stderr: .devNull)
        #expect(waitForExit(pid, timeout: 30) == .exited(0))
        try #require(processState(pid) == nil, "pid \(pid) was reused already")
        let result = try runCLI(["attach", String(pid)])
        expectError(result, code: 10, mentioning: [String(pid)])
    }

    @Test("a target that has exited and been reaped -> 10", .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func exitedTarget() throws {
        let target = try TargetProcess.census(try anyInterpreter())
        let pid = target.pid
        #expect(target.stop() == .exited(0))
        try #require(processState(pid) == nil, "pid \(pid) was reused already")
        let result = try runCLI(["attach", String(pid)])
        expectError(result, code: 10, mentioning: [String(pid)])
    }

    // A zombie: the python has exited but its parent (an `sh` that exec'ed `sleep`) never reaps
    // it. Its pid still exists, so "no such process" (10) would be misleading; the documented
    // code for a process that has exited is 15 (processExited).
    @Test("a zombie (exited, not yet reaped) python -> 15", .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func zombieTarget() throws {
        let interpreter = try anyInterpreter()
        let pipe = try makePipe()
        let shell: pid_t
        do {
            shell = try spawn(["/bin/sh", "-c", "\"$0\" -S -c pass </dev/null & echo $!; exec sleep 120", interpreter.path],
                              stdin: .devNull, stdout: .fd(pipe.write), stderr: .devNull)
        } catch {
            close(pipe.read); close(pipe.write)
            throw error
        }
        close(pipe.write)
        defer { close(pipe.read); killAndReap(shell) }
        let line = try #require(readLine(fd: pipe.read, timeout: 30), "sh printed no pid")
        let zombie = try #require(pid_t(line), "not a pid: \(line)")
        let deadline = Date().addingTimeInterval(30)
        while processState(zombie) != "Z" && Date() < deadline { usleep(10_000) }
        try #require(processState(zombie) == "Z", "pid \(zombie) did not become a zombie")
        let result = try runCLI(["attach", String(zombie)])
        expectError(result, code: 15, mentioning: [String(zombie)])
    }

    @Test("a process that is not Python (sleep) -> 11")
    func notPython() throws {
        let pid = try spawnSleeper()
        defer { killAndReap(pid) }
        let result = try runCLI(["attach", String(pid)])
        expectError(result, code: 11, mentioning: [String(pid)])
        let state = processState(pid)
        #expect(state == "S" || state == "R", "sleep left in state \(state.map(String.init) ?? "gone")")
    }

    // Regression guard: pyinspect once said only "Python 3.7 is not supported" (it missed the GCC
    // name `version.0` of the Py_GetVersion() buffer and fell back to the libpython file name). 3.7 is
    // read now; its X.Y.Z still comes from that buffer (3.7 has no Py_Version).
    @Test("Python 3.7 is read, naming its X.Y.Z version from the Py_GetVersion() buffer",
          .enabled(if: Interpreters.findPyenv("3.7") != nil, "python 3.7 not installed"))
    func python37() throws {
        let interpreter = try #require(Interpreters.findPyenv("3.7"))
        let version = try #require(interpreter.versionFromDirectory)
        let directory = try makeTempDirectory()
        let target = try TargetProcess(interpreter: interpreter, arguments: ["-S", "-c",
            "import os, sys; sys.stdout.write('READY %d\\n' % os.getpid()); sys.stdout.flush(); sys.stdin.read()"],
            directory: directory)
        defer { target.stop() }
        let result = try runCLI(["attach", String(target.pid), "--format", "json"])
        #expect(result.status == .exited(0), "\(result)")
        let process = try J.object(try parseJSONObject(Data(result.stdout.utf8), what: "report")["process"], "process")
        #expect(try J.string(process["python_version"], "python_version") == version)
        #expect(try J.string(process["version_source"], "version_source").hasPrefix("Py_GetVersion() buffer"))
        let state = processState(target.pid)
        #expect(state != "t" && state != "T", "3.7 target left stopped")
        #expect(target.stop() == .exited(0))
    }

    @Test("an unprivileged user against a root-owned python -> 12, mentioning sudo",
          .enabled(if: getuid() == 0, "needs root: the target runs as root, the CLI as uid 65534"),
          .enabled(if: access("/usr/bin/setpriv", X_OK) == 0, "/usr/bin/setpriv not installed"),
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func permissionDenied() throws {
        let drop = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        var binary = try Paths.cli()
        var copyDirectory: String?
        defer { if let copyDirectory { try? FileManager.default.removeItem(atPath: copyDirectory) } }
        if try runProgram(drop + ["/usr/bin/test", "-x", binary], timeout: 30).status != .exited(0) {
            // nobody cannot reach the build directory: run a world-readable copy.
            let staged = try stageForAnyUser(binary, mode: 0o755)
            copyDirectory = staged.directory
            binary = staged.script
        }
        let target = try TargetProcess.census(try anyInterpreter())
        defer { target.stop() }
        let result = try runProgram(drop + [binary, "attach", String(target.pid)])
        expectError(result, code: 12, mentioning: [String(target.pid), "sudo"])
        // doctor says the same up front, and why.
        let doctor = try runProgram(drop + [binary, "doctor", String(target.pid)])
        #expect(doctor.status == .exited(12), "\(doctor)")
        #expect(doctor.stdout.contains("CAP_SYS_PTRACE: not held"), "\(doctor)")
        #expect(doctor.stdout.contains("FAIL  "), "\(doctor)")
        #expect(doctor.stdout.hasSuffix("pyinspect cannot read pid \(target.pid) now (exit 12: permission denied (ptrace or /proc access))\n"), "\(doctor)")
        let state = processState(target.pid)
        #expect(state != nil && state != "t" && state != "T", "target left in state \(state.map(String.init) ?? "gone")")
        #expect(target.stop() == .exited(0))
    }

    @Test("doctor: 0 and the Python it would read; 10 for no such process; 11 for a non-Python process")
    func doctor() throws {
        let target = try TargetProcess.census(try anyInterpreter())
        defer { target.stop() }
        let ok = try runCLI(["doctor", String(target.pid)])
        #expect(ok.status == .exited(0), "\(ok)")
        #expect(ok.stdout.contains("ok    PTRACE_SEIZE: allowed"), "\(ok)")
        #expect(ok.stdout.contains("ok    python: \(target.interpreter.versionFromDirectory ?? "")"), "\(ok)")
        #expect(ok.stdout.hasSuffix("pyinspect can read pid \(target.pid)\n"), "\(ok)")
        #expect(processState(target.pid) != "t" && processState(target.pid) != "T")
        let gone = try runCLI(["doctor", "999999999"])
        #expect(gone.status == .exited(10), "\(gone)")
        let sleeper = try spawn(["/bin/sleep", "30"], stdin: .devNull, stdout: .devNull, stderr: .devNull)
        defer { killAndReap(sleeper) }
        usleep(100_000)
        let notPython = try runCLI(["doctor", String(sleeper)])
        #expect(notPython.status == .exited(11), "\(notPython)")
    }

    @Test("root without CAP_SYS_PTRACE (a container started without it) against another user's python -> 12",
          .enabled(if: getuid() == 0, "needs root to run the target as uid 65534"),
          .enabled(if: access("/usr/bin/setpriv", X_OK) == 0, "/usr/bin/setpriv not installed"),
          .enabled(if: access(Interpreters.debianPath, X_OK) == 0, "\(Interpreters.debianPath) not installed"))
    func withoutPtraceCapability() throws {
        // The target runs as nobody (setpriv execs python: same pid); pyinspect as root, but with
        // CAP_SYS_PTRACE dropped from its bounding set, as in a container without --cap-add=SYS_PTRACE.
        // nobody may not be able to enter the clone: it runs a copy of the script it can read.
        let staged = try stageForAnyUser(Paths.requestsScript)
        defer { try? FileManager.default.removeItem(atPath: staged.directory) }
        let asNobody = Interpreter(series: "debian", path: "/usr/bin/setpriv", versionFromDirectory: nil)
        let target = try TargetProcess(interpreter: asNobody,
                                       arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", Interpreters.debianPath, "-S",
                                                   staged.script],
                                       directory: try makeTempDirectory(mode: 0o755))
        defer { target.stop() }
        let drop = ["/usr/bin/setpriv", "--bounding-set=-sys_ptrace"]
        let result = try runProgram(drop + [try Paths.cli(), "attach", String(target.pid)])
        expectError(result, code: 12, mentioning: [String(target.pid), "--cap-add=SYS_PTRACE"])
        let doctor = try runProgram(drop + [try Paths.cli(), "doctor", String(target.pid)])
        #expect(doctor.status == .exited(12), "\(doctor)")
        #expect(doctor.stdout.contains("CAP_SYS_PTRACE: not held"), "\(doctor)")
        #expect(doctor.stdout.contains("FAIL  "), "\(doctor)")
        // With the capability, the same read works.
        let allowed = try runCLI(["attach", String(target.pid), "--no-cycles"])
        #expect(allowed.status == .exited(0), "\(allowed)")
        #expect(processState(target.pid) != "t" && processState(target.pid) != "T")
    }
}
