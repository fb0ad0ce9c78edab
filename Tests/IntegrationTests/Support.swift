import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Helpers for the integration tests: find interpreters, start real target processes, run the
// built CLI, read its JSON. Processes are started with posix_spawn (not Foundation.Process) so
// that this file controls exactly which descriptors a child inherits and who reaps it.

// MARK: - Errors

struct IntegrationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Paths

enum Paths {
    /// Tests/IntegrationTests/Support.swift -> the package root.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let targetScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/census_target.py").path
    static let cyclesScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/cycles_target.py").path
    static let masterScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/master_target.py").path
    static let tickerScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/ticker_target.py").path
    static let secretsScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/secrets_target.py").path
    static let execScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/exec_target.py").path
    static let requestsScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/requests_target.py").path
    static let tracerScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/tracer.py").path

    /// `PYINSPECT_BIN`, else `<repo>/.build/debug/pyinspect`.
    static var cliCandidate: String {
        if let bin = ProcessInfo.processInfo.environment["PYINSPECT_BIN"], !bin.isEmpty { return bin }
        return repoRoot.appendingPathComponent(".build/debug/pyinspect").path
    }

    /// The CLI binary, or a failure that says how to get one.
    static func cli() throws -> String {
        let path = cliCandidate
        guard access(path, X_OK) == 0 else {
            throw IntegrationFailure("pyinspect binary not found or not executable at \(path): "
                + "run `swift build` first (scripts/test.sh builds before testing), or set PYINSPECT_BIN")
        }
        return path
    }
}

// MARK: - Interpreters

/// One interpreter the tests run against: a pyenv build of a 3.X series, or Debian's /usr/bin/python3.
struct Interpreter: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    /// "3.8" … "3.13", or "debian".
    var series: String
    var path: String
    /// X.Y.Z from the pyenv directory name; nil for the Debian build (its sys.version is the truth).
    var versionFromDirectory: String?

    var description: String { "\(series) (\(path))" }
    var testDescription: String { description }
}

enum Interpreters {
    static let allSeries = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "debian"]
    static let debianPath = "/usr/bin/python3"

    static var pyenvRoot: String {
        let env = ProcessInfo.processInfo.environment
        if let root = env["PYENV_ROOT"], !root.isEmpty { return root }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.pyenv"
    }

    /// The series the tests are asked to cover: `PYINSPECT_TEST_PYTHONS` (comma list such as
    /// `3.11,3.13,debian`), else every supported series.
    static var requestedSeries: [String] {
        guard let raw = ProcessInfo.processInfo.environment["PYINSPECT_TEST_PYTHONS"], !raw.isEmpty else { return allSeries }
        return raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func isRequested(_ series: String) -> Bool { requestedSeries.contains(series) }

    /// The newest pyenv build `versions/X.Y.Z/bin/python` of `series`, or /usr/bin/python3 for "debian".
    static func find(_ series: String) -> Interpreter? {
        if series == "debian" {
            return access(debianPath, X_OK) == 0 ? Interpreter(series: series, path: debianPath, versionFromDirectory: nil) : nil
        }
        return findPyenv(series)
    }

    /// A pyenv build of an exact series (also used for the unsupported 3.7).
    static func findPyenv(_ series: String) -> Interpreter? {
        let versions = pyenvRoot + "/versions"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: versions)) ?? []
        var best: (micro: Int, name: String)?
        for name in names where name.hasPrefix(series + ".") {
            guard let micro = Int(name.dropFirst(series.count + 1)) else { continue }  // skips 3.13.0t and the like
            guard access("\(versions)/\(name)/bin/python", X_OK) == 0 else { continue }
            if best == nil || micro > best!.micro { best = (micro, name) }
        }
        guard let best else { return nil }
        return Interpreter(series: series, path: "\(versions)/\(best.name)/bin/python", versionFromDirectory: best.name)
    }

    /// Requested interpreters that are installed: the arguments of the parameterised tests.
    /// The absent ones are reported by `InterpreterAvailabilityTests`.
    static let installed: [Interpreter] = requestedSeries.compactMap { find($0) }

    /// Any one installed interpreter (for the error-path tests), preferring a recent one.
    static var any: Interpreter? {
        for series in ["3.12", "3.11", "3.13", "3.10", "3.9", "3.8", "debian"] {
            if let found = find(series) { return found }
        }
        return nil
    }
}

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
        do {
            spawned = try spawn([interpreter.path] + arguments, stdin: .fd(input.read), stdout: .fd(output.write), stderr: .file(stderrPath))
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

// MARK: - Running the CLI

struct CLIResult: CustomStringConvertible {
    var status: ExitStatus
    var stdout: String
    var stderr: String
    var argv: [String]

    /// The exit code, or -1000 - signal for a crash.
    var exitCode: Int32 {
        switch status {
        case let .exited(code): return code
        case let .signaled(signal): return -1000 - signal
        }
    }

    var description: String {
        "`\(argv.joined(separator: " "))` -> \(status)\n--- stderr ---\n\(stderr)--- stdout (first 2000 chars) ---\n\(stdout.prefix(2000))"
    }
}

/// Runs `argv` (already including the program) with stdin from /dev/null (or the text `stdin`),
/// capturing stdout and stderr in files; kills it after `timeout` seconds.
func runProgram(_ argv: [String], stdin: String? = nil, timeout: Double = 120) throws -> CLIResult {
    let directory = try makeTempDirectory(mode: 0o755)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let out = directory + "/stdout", err = directory + "/stderr", input = directory + "/stdin"
    var source = Redirect.devNull
    if let stdin {
        try Data(stdin.utf8).write(to: URL(fileURLWithPath: input))
        source = .input(input)
    }
    let pid = try spawn(argv, stdin: source, stdout: .file(out), stderr: .file(err))
    guard let status = waitForExit(pid, timeout: timeout) else {
        killAndReap(pid)
        throw IntegrationFailure("`\(argv.joined(separator: " "))` did not finish within \(timeout)s; killed")
    }
    let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    return CLIResult(status: status, stdout: stdout, stderr: stderr, argv: argv)
}

/// Runs the built pyinspect with `arguments`.
func runCLI(_ arguments: [String], timeout: Double = 120) throws -> CLIResult {
    try runProgram([try Paths.cli()] + arguments, timeout: timeout)
}

// MARK: - JSON

func parseJSONObject(_ data: Data, what: String) throws -> [String: Any] {
    let value: Any
    do { value = try JSONSerialization.jsonObject(with: data) } catch {
        throw IntegrationFailure("\(what) is not JSON: \(error)\n\(String(decoding: data.prefix(2000), as: UTF8.self))")
    }
    guard let object = value as? [String: Any] else { throw IntegrationFailure("\(what) is not a JSON object") }
    return object
}

/// Strict accessors: anything of the wrong shape is reported as a failure, never coerced.
enum J {
    static func object(_ value: Any?, _ what: String) throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw IntegrationFailure("\(what): expected an object, got \(String(describing: value))") }
        return object
    }

    static func array(_ value: Any?, _ what: String) throws -> [Any] {
        guard let array = value as? [Any] else { throw IntegrationFailure("\(what): expected an array, got \(String(describing: value))") }
        return array
    }

    static func string(_ value: Any?, _ what: String) throws -> String {
        guard let string = value as? String else { throw IntegrationFailure("\(what): expected a string, got \(String(describing: value))") }
        return string
    }

    static func bool(_ value: Any?, _ what: String) throws -> Bool {
        guard let bool = value as? Bool else { throw IntegrationFailure("\(what): expected a bool, got \(String(describing: value))") }
        return bool
    }

    static func int(_ value: Any?, _ what: String) throws -> Int {
        if let int = value as? Int { return int }
        throw IntegrationFailure("\(what): expected an integer, got \(String(describing: value))")
    }

    static func ints(_ value: Any?, _ what: String) throws -> [Int] {
        try array(value, what).enumerated().map { try int($0.element, "\(what)[\($0.offset)]") }
    }

    static func strings(_ value: Any?, _ what: String) throws -> [String] {
        try array(value, what).enumerated().map { try string($0.element, "\(what)[\($0.offset)]") }
    }

    /// A `{label: count}` object.
    static func counts(_ value: Any?, _ what: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for (key, count) in try object(value, what) { out[key] = try int(count, "\(what)[\(key)]") }
        return out
    }
}

// MARK: - Checks

/// `text` is exactly one line (ending in "\n") starting with "pyinspect: ".
func isOneErrorLine(_ text: String) -> Bool {
    text.hasPrefix("pyinspect: ") && text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 1
}

/// The differences between two count maps, for readable failure messages.
func countDiff(expected: [String: Int], got: [String: Int]) -> String {
    let keys = Set(expected.keys).union(got.keys).sorted()
    let rows = keys.compactMap { key -> String? in
        let e = expected[key], g = got[key]
        return e == g ? nil : "  \(key): expected \(e.map(String.init) ?? "absent"), got \(g.map(String.init) ?? "absent")"
    }
    return rows.isEmpty ? "(equal)" : rows.joined(separator: "\n")
}
