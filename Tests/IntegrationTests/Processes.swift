import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Processes for the integration tests: children started with posix_spawn (not Foundation.Process),
// so that this file controls exactly which descriptors a child inherits and who reaps it, and the
// target scripts of Tests/IntegrationTests/Targets as `TargetProcess`es.

// MARK: - Processes

/// How a child ended.
enum ExitStatus: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus status: Int32) {
        if status & 0x7f == 0 { self = .exited((status >> 8) & 0xff) } else { self = .signaled(status & 0x7f) }
    }

    var description: String {
        switch self {
        case let .exited(code): return "exit \(code)"
        case let .signaled(signal): return "signal \(signal)"
        }
    }
}

/// A close-on-exec pipe: no child inherits either end unless it is dup2'ed onto 0/1/2.
func makePipe() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { throw IntegrationFailure("pipe failed: errno \(errno)") }
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    return (fds[0], fds[1])
}

/// Where a spawned child's descriptor 0, 1 or 2 goes.
enum Redirect {
    case devNull
    case file(String)
    /// A file to read from.
    case input(String)
    case fd(Int32)
}

/// posix_spawn `argv` with stdin/stdout/stderr redirected; returns the pid.
func spawn(_ argv: [String], stdin: Redirect, stdout: Redirect, stderr: Redirect) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (target, redirect) in [(Int32(0), stdin), (Int32(1), stdout), (Int32(2), stderr)] {
        switch redirect {
        case .devNull:
            posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
        case let .file(path):
            posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        case let .input(path):
            posix_spawn_file_actions_addopen(&actions, target, path, O_RDONLY, 0)
        case let .fd(fd):
            posix_spawn_file_actions_adddup2(&actions, fd, target)
        }
    }
    let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for arg in cArgs { free(arg) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
    guard rc == 0 else { throw IntegrationFailure("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
    return pid
}

/// Waits for `pid` up to `timeout` seconds; nil if it is still running.
func waitForExit(_ pid: pid_t, timeout: Double) -> ExitStatus? {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while true {
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid { return ExitStatus(waitStatus: status) }
        if rc < 0 && errno != EINTR { return .exited(-1) }  // not our child any more (already reaped)
        if Date() >= deadline { return nil }
        usleep(5_000)
    }
}

/// Starts `/bin/sleep SECONDS` and waits until it has exec'ed (before that, /proc/PID/exe is still
/// this test binary): a process that is not Python.
func spawnSleeper(seconds: Int = 120) throws -> pid_t {
    let pid = try spawn(["/bin/sleep", String(seconds)], stdin: .devNull, stdout: .devNull, stderr: .devNull)
    let deadline = Date().addingTimeInterval(30)
    while (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))?.hasSuffix("sleep") != true
        && Date() < deadline { usleep(5_000) }
    return pid
}

/// SIGKILLs `pid` and reaps it.
@discardableResult
func killAndReap(_ pid: pid_t) -> ExitStatus {
    kill(pid, SIGKILL)
    return waitForExit(pid, timeout: 10) ?? .signaled(SIGKILL)
}

/// A fresh private temporary directory.
func makeTempDirectory(mode: mode_t = 0o700) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/pyinspect-it-XXXXXX").utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw IntegrationFailure("mkdtemp failed: errno \(errno)")
    }
    let path = String(cString: made)
    chmod(path, mode)
    return path
}

/// A copy of the target script `path` that any user can read, in a fresh world-readable directory:
/// for targets run as another user, who may not be able to enter the clone (a mode-0700 directory,
/// as `mktemp -d` makes them). Returns the directory (remove it when done) and the copy's path.
func stageForAnyUser(_ path: String, mode: mode_t = 0o644) throws -> (directory: String, script: String) {
    let directory = try makeTempDirectory(mode: 0o755)
    let copy = directory + "/" + URL(fileURLWithPath: path).lastPathComponent
    guard let bytes = FileManager.default.contents(atPath: path) else { throw IntegrationFailure("cannot read \(path)") }
    // Written through a close-on-exec descriptor: a child spawned meanwhile by another test must
    // not inherit it, or executing the copy fails with "Text file busy".
    let fd = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else { throw IntegrationFailure("cannot create \(copy): errno \(errno)") }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == bytes.count else { throw IntegrationFailure("cannot write \(copy)") }
    chmod(copy, mode)
    return (directory, copy)
}

/// The scheduler state letter of `pid` from /proc/PID/stat ("R", "S", "t", "T", "Z", …), nil if gone.
func processState(_ pid: pid_t) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    return stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
}

/// Reads one line (without "\n") from `fd` within `timeout`; nil on EOF or timeout.
func readLine(fd: Int32, timeout: Double) -> String? {
    let deadline = Date().addingTimeInterval(timeout)
    var bytes: [UInt8] = []
    while true {
        let remaining = deadline.timeIntervalSinceNow
        if remaining <= 0 { return nil }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, Int32(min(remaining, 1) * 1000) + 1)
        if ready < 0 { if errno == EINTR { continue }; return nil }
        if ready == 0 { continue }
        var byte: UInt8 = 0
        let n = read(fd, &byte, 1)
        if n < 0 { if errno == EINTR { continue }; return nil }
        if n == 0 { return nil }
        if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(byte)
    }
}

// MARK: - Target processes

/// A running `census_target.py` (or any script that prints `READY <pid>` and then reads stdin).
/// `stop()` closes its stdin, waits, and kills it if it does not exit; `deinit` stops it too, so
/// a target never outlives its test.
final class TargetProcess {
    let pid: pid_t
    let interpreter: Interpreter
    /// The JSON written by `--expect` (empty for scripts without one).
    private(set) var truth: [String: Any] = [:]
    let directory: String
    private var stdinWrite: Int32
    private var stdoutRead: Int32
    private var finalStatus: ExitStatus?

    /// Starts `census_target.py` with `flags` and waits for READY and the truth file.
    static func census(_ interpreter: Interpreter, _ flags: [String] = [], readyTimeout: Double = 60) throws -> TargetProcess {
        let directory = try makeTempDirectory()
        let expect = directory + "/expect.json"
        let target = try TargetProcess(interpreter: interpreter,
                                       arguments: ["-S", Paths.targetScript, "--expect", expect] + flags,
                                       directory: directory, readyTimeout: readyTimeout)
        guard let data = FileManager.default.contents(atPath: expect) else {
            throw IntegrationFailure("\(interpreter): the target printed READY but \(expect) is missing")
        }
        target.truth = try parseJSONObject(data, what: "truth file \(expect)")
        return target
    }

    /// Starts `interpreter` with `arguments`; waits for a stdout line `READY <pid>`.
    init(interpreter: Interpreter, arguments: [String], directory: String, readyTimeout: Double = 60) throws {
        self.interpreter = interpreter
        self.directory = directory
        let input = try makePipe()
        let output: (read: Int32, write: Int32)
        do { output = try makePipe() } catch { close(input.read); close(input.write); throw error }
        let stderrPath = directory + "/stderr.txt"
        let spawned: pid_t
        let files = RootFiles(root: interpreter.root)
        do {
            try files.copyIn(arguments)
            spawned = try spawn(interpreter.command + arguments, stdin: .fd(input.read), stdout: .fd(output.write), stderr: .file(stderrPath))
        } catch {
            for fd in [input.read, input.write, output.read, output.write] { close(fd) }
            throw error
        }
        close(input.read)
        close(output.write)
        pid = spawned
        stdinWrite = input.write
        stdoutRead = output.read
        let line = readLine(fd: stdoutRead, timeout: readyTimeout)
        files.copyOut(arguments)
        guard let line, line == "READY \(spawned)" else {
            let status = stop()
            let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw IntegrationFailure("\(interpreter): target did not print `READY \(spawned)` within \(readyTimeout)s "
                + "(got \(line.map { "`\($0)`" } ?? "nothing"); \(status)); stderr:\n\(stderr)")
        }
    }

    /// `requests_target.py` (a service that keeps a leak per request), after `requests` requests.
    static func service(_ interpreter: Interpreter, requests: Int = 0) throws -> TargetProcess {
        let service = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.requestsScript], directory: try makeTempDirectory())
        if requests > 0, try service.command("requests \(requests)") != "DONE \(requests)" {
            throw IntegrationFailure("\(interpreter): the service did not handle \(requests) requests")
        }
        return service
    }

    /// The next line the target prints.
    func nextLine(timeout: Double = 30) -> String? { readLine(fd: stdoutRead, timeout: timeout) }

    /// Writes one command line to the target's stdin and returns the line it answers with.
    func command(_ line: String, timeout: Double = 30) throws -> String {
        let bytes = Array((line + "\n").utf8)
        guard stdinWrite >= 0, bytes.withUnsafeBytes({ write(stdinWrite, $0.baseAddress, $0.count) }) == bytes.count else {
            throw IntegrationFailure("\(interpreter): cannot write `\(line)` to the target")
        }
        guard let answer = readLine(fd: stdoutRead, timeout: timeout) else {
            throw IntegrationFailure("\(interpreter): no answer to `\(line)` within \(timeout)s")
        }
        return answer
    }

    /// Closes stdin (the target exits 0 on EOF), waits up to `timeout`, SIGKILLs if needed; idempotent.
    @discardableResult
    func stop(timeout: Double = 15) -> ExitStatus {
        if let finalStatus { return finalStatus }
        if stdinWrite >= 0 { close(stdinWrite); stdinWrite = -1 }
        var status = waitForExit(pid, timeout: timeout)
        if status == nil {
            // Still running: perhaps left stopped. SIGCONT does not hurt; SIGKILL ends it either way.
            kill(pid, SIGCONT)
            status = killAndReap(pid)
        }
        if stdoutRead >= 0 { close(stdoutRead); stdoutRead = -1 }
        try? FileManager.default.removeItem(atPath: directory)
        finalStatus = status
        return status!
    }

    deinit { stop(timeout: 5) }
}
