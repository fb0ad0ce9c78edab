import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Helpers for the integration tests: find interpreters, run the built CLI, read its JSON (starting
// processes is in Processes.swift).

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
    static let pathsScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/paths_target.py").path
    static let masterScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/master_target.py").path
    static let tickerScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/ticker_target.py").path
    static let secretsScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/secrets_target.py").path
    static let execScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/exec_target.py").path
    static let requestsScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/requests_target.py").path
    static let finalizersScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/finalizers_target.py").path
    static let retentionScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/retention_target.py").path
    static let dominatorScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/dominator_target.py").path
    static let whyScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/why_target.py").path
    static let memoryScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/memory_target.py").path
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

/// One interpreter the tests run against: a pyenv build of a 2.7 or 3.X series, Debian's /usr/bin/python3, or
/// a Debian root's python3.X (scripts/roots.sh), run as `chroot ROOT /usr/bin/python3.X`.
struct Interpreter: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    /// "2.7", "3.6" … "3.13", "debian", or SUITE-3.X for a root's ("sid-3.14", "trixie-3.13").
    var series: String
    /// The executable as the host sees it (inside the root for a root's interpreter).
    var path: String
    /// X.Y.Z from the pyenv directory name; nil for the Debian builds (their sys.version is the truth).
    var versionFromDirectory: String?
    /// The Debian root the interpreter lives in (nil: the host's).
    var root: String? = nil

    /// How to run it: the path, or `chroot ROOT /usr/bin/python3.X`. Scripts a root's interpreter runs
    /// are copied into the root at the same path (`RootFiles`).
    var command: [String] {
        guard let root else { return [path] }
        return ["/usr/sbin/chroot", root, String(path.dropFirst(root.count))]
    }

    var description: String { "\(series) (\(path))" }
    var testDescription: String { description }
}

enum Interpreters {
    static let allSeries = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "debian"] + rootSeries
    /// The roots' interpreters scripts/roots.sh makes (in ${PYINSPECT_ROOT_DIR:-/var/cache/pyinspect/roots}).
    static let rootSeries = ["trixie-3.13", "sid-3.13", "sid-3.14", "sid-3.15"]

    static var rootDirectory: String {
        let env = ProcessInfo.processInfo.environment["PYINSPECT_ROOT_DIR"] ?? ""
        return env.isEmpty ? "/var/cache/pyinspect/roots" : env
    }
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
        if rootSeries.contains(series) {
            let parts = series.split(separator: "-")
            let root = "\(rootDirectory)/\(parts[0])"
            let path = "\(root)/usr/bin/python\(parts[1])"
            // A root is usable once scripts/roots.sh stamped it finished.
            guard access(path, X_OK) == 0, access(root + "/.pyinspect-stamp", R_OK) == 0 else { return nil }
            return Interpreter(series: series, path: path, versionFromDirectory: nil, root: root)
        }
        return findPyenv(series)
    }

    /// A pyenv build of an exact series.
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

    /// The first requested Python 3 (else the first requested interpreter): the one the tests that
    /// need a single target use.
    static var primary: [Interpreter] {
        Array((installed.first { $0.series != "2.7" } ?? installed.first).map { [$0] } ?? [])
    }

    /// Any one installed interpreter (for the error-path tests), preferring a recent one.
    static var any: Interpreter? {
        for series in ["3.12", "3.11", "3.13", "3.10", "3.9", "3.8", "debian"] {
            if let found = find(series) { return found }
        }
        return nil
    }
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

/// An attach report's collectable set counted by tp_name (through its type table), as the
/// collector's DEBUG_COLLECTABLE lines name the types.
func collectableByTpName(_ report: [String: Any]) throws -> [String: Int] {
    let table = try J.object(report["type_table"], "type_table")
    var byTpName: [String: Int] = [:]
    for (address, count) in try J.counts(try J.object(report["collectable"], "collectable")["by_type"], "collectable.by_type") {
        let entry = try J.object(table[address], "type_table[\(address)]")
        byTpName["\(entry["tp_name"] ?? "?")", default: 0] += count
    }
    return byTpName
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
