import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Garbage whose reference cycles run through objects of C types -- CPython's own and those of
// C-extension libraries (C, Cython, Rust) -- found by `attach` exactly as a full collection finds it.
// Each scenario of Targets/libraries_target.py runs in the venv that scripts/venvs.sh made for one
// interpreter; its truth is a forked gc.collect() under DEBUG_COLLECTABLE, and every unit of its
// garbage is checked there to be garbage only through its C objects' tp_traverse.
//
// One test per scenario, parameterised over the interpreters that have a venv, so that one scenario
// runs alone with e.g. `swift test --filter 'LibraryTargetsTests/multidict'` (stdlib alone:
// `--filter 'LibraryTargetsTests/stdlib\('`). An interpreter without a venv is left out of the
// arguments, and the `venvs` test is cancelled saying so and to run scripts/venvs.sh. A Debian root's
// interpreter has its venv inside the root and runs it under chroot, as the other root tests do.

extension Paths {
    static let librariesScript: String = repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets/libraries_target.py").path
}

/// The venvs of scripts/venvs.sh: `${PYINSPECT_VENV_DIR:-/var/cache/pyinspect/venvs}/<series>` for the host's
/// interpreters, `ROOT/opt/pyinspect-venvs/<series>` for a Debian root's (`/opt/pyinspect-venvs` inside it).
enum LibraryVenvs {
    static var root: String {
        let dir = ProcessInfo.processInfo.environment["PYINSPECT_VENV_DIR"] ?? ""
        return dir.isEmpty ? "/var/cache/pyinspect/venvs" : dir
    }

    /// Where a root's venvs are, as the root sees them.
    static let inRoot = "/opt/pyinspect-venvs"

    /// The venv of the interpreter `base`, as the host sees it.
    static func directory(_ base: Interpreter) -> String {
        if let root = base.root { return "\(root)\(inRoot)/\(base.series)" }
        return "\(root)/\(base.series)"
    }

    /// The venv's python, run as `base` is (under chroot for a root's).
    static func venv(_ base: Interpreter) -> Interpreter {
        Interpreter(series: base.series, path: directory(base) + "/bin/python", versionFromDirectory: base.versionFromDirectory,
                    root: base.root)
    }

    /// scripts/venvs.sh stamps a venv when every library is installed in it.
    static func isReady(_ base: Interpreter) -> Bool {
        let directory = directory(base)
        return access(directory + "/.pyinspect-stamp", R_OK) == 0 && isExecutable(directory + "/bin/python", inside: base.root)
    }

    /// Whether `path` is executable with its links resolved as `root` sees them: a root's venv python links
    /// to the root's /usr/bin/python3.X, which the host does not have.
    static func isExecutable(_ path: String, inside root: String?) -> Bool {
        var path = path
        for _ in 0..<16 {
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { break }
            path = link.hasPrefix("/") ? (root ?? "") + link : (path as NSString).deletingLastPathComponent + "/" + link
        }
        return access(path, X_OK) == 0
    }

    /// The libraries scripts/venvs.sh could not install compiled for the venv, each with why (its
    /// .pyinspect-left-out: `name: why` lines).
    static func leftOut(_ venv: Interpreter) -> [String: String] {
        let directory = ((venv.path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let text = (try? String(contentsOfFile: directory + "/.pyinspect-left-out", encoding: .utf8)) ?? ""
        var why: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            why[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return why
    }

    /// Series scripts/venvs.sh makes no venv for, and why.
    static let unsupported = ["2.7": "2.7 has no library venv: its scenarios are Python 3 code (scripts/venvs.sh says why)"]

    /// The installed interpreters whose venv is ready, as the venv's python: the tests' arguments.
    static let ready: [Interpreter] = Interpreters.installed.filter { isReady($0) }.map { venv($0) }
}

@Suite("libraries: garbage through C-extension and core C objects against a forked gc.collect()")
struct LibraryTargetsTests {
    // MARK: - The venvs

    @Test("every interpreter under test has a venv from scripts/venvs.sh, made from that interpreter")
    func venvs() throws {
        let version = "import sys; print(sys.version.split()[0])"
        for venv in LibraryVenvs.ready {
            let base = try #require(Interpreters.find(venv.series))
            let expected = try runProgram(base.command + ["-S", "-c", version], timeout: 60)
            let got = try runProgram(venv.command + ["-c", version], timeout: 60)
            #expect(got.status == .exited(0), "\(got)")
            #expect(got.stdout == expected.stdout, "\(venv): python \(got.stdout), but \(base.path) is \(expected.stdout)")
        }
        for base in Interpreters.installed {
            if let why = LibraryVenvs.unsupported[base.series] { print("libraries: \(why)") }
        }
        let missing = Interpreters.installed.filter { LibraryVenvs.unsupported[$0.series] == nil && !LibraryVenvs.isReady($0) }
            .map { "\($0.series) (\(LibraryVenvs.directory($0)))" }
        if !missing.isEmpty {
            let reason = "no venv for python \(missing.joined(separator: ", ")): "
                + "run scripts/venvs.sh (scripts/test.sh runs it); their library tests do not run"
            try Test.cancel(Comment(rawValue: reason))
        }
    }

    // MARK: - The scenarios

    @Test("stdlib: _io, functools, sqlite3, ssl, threading.local, json, pickle, csv, ElementTree, ctypes, …", arguments: LibraryVenvs.ready)
    func stdlib(_ venv: Interpreter) throws { try LibraryCheck.run("stdlib", venv) }

    @Test("stdlib_iterators: itertools and the builtins' iterators", arguments: LibraryVenvs.ready)
    func stdlibIterators(_ venv: Interpreter) throws { try LibraryCheck.run("stdlib_iterators", venv) }

    @Test("per_request_class: classes made per call (type objects, descriptors, _abc_data)", arguments: LibraryVenvs.ready)
    func perRequestClass(_ venv: Interpreter) throws { try LibraryCheck.run("per_request_class", venv) }

    @Test("multidict (C)", arguments: LibraryVenvs.ready)
    func multidict(_ venv: Interpreter) throws { try LibraryCheck.run("multidict", venv) }

    @Test("yarl: URLs and the query multidicts yarl builds", arguments: LibraryVenvs.ready)
    func yarl(_ venv: Interpreter) throws { try LibraryCheck.run("yarl", venv) }

    @Test("frozenlist (Cython)", arguments: LibraryVenvs.ready)
    func frozenlist(_ venv: Interpreter) throws { try LibraryCheck.run("frozenlist", venv) }

    @Test("propcache (Cython)", arguments: LibraryVenvs.ready)
    func propcache(_ venv: Interpreter) throws { try LibraryCheck.run("propcache", venv) }

    @Test("aiohttp: parser, messages, websocket reader (Cython), aiosignal", arguments: LibraryVenvs.ready)
    func aiohttp(_ venv: Interpreter) throws { try LibraryCheck.run("aiohttp", venv) }

    @Test("msgpack (Cython)", arguments: LibraryVenvs.ready)
    func msgpack(_ venv: Interpreter) throws { try LibraryCheck.run("msgpack", venv) }

    @Test("lxml (Cython): parsers, documents, resolvers, XPath", arguments: LibraryVenvs.ready)
    func lxml(_ venv: Interpreter) throws { try LibraryCheck.run("lxml", venv) }

    @Test("pydantic v2: pydantic-core validators and serializers (Rust)", arguments: LibraryVenvs.ready)
    func pydantic(_ venv: Interpreter) throws { try LibraryCheck.run("pydantic", venv) }

    @Test("SQLAlchemy (Cython): rows, results, immutabledict, sets", arguments: LibraryVenvs.ready)
    func sqlalchemy(_ venv: Interpreter) throws { try LibraryCheck.run("sqlalchemy", venv) }

    @Test("numpy: ufuncs, random generators, ndarray subclasses; object arrays are leaks", arguments: LibraryVenvs.ready)
    func numpy(_ venv: Interpreter) throws { try LibraryCheck.run("numpy", venv) }

    @Test("uvloop (Cython): loops that never ran, their handles and hooks", arguments: LibraryVenvs.ready)
    func uvloop(_ venv: Interpreter) throws { try LibraryCheck.run("uvloop", venv) }
}

/// One scenario in one venv: the target's truth against `attach --format json`.
enum LibraryCheck {
    /// Units of garbage per unit function of the scenario (and as many live ones).
    static let count = 3

    static func run(_ scenario: String, _ venv: Interpreter) throws {
        let label = "\(venv.series) \(scenario)"
        let directory = try makeTempDirectory()
        let expect = directory + "/expect.json"
        let target: TargetProcess
        do {
            target = try TargetProcess(interpreter: venv, arguments: ["-B", Paths.librariesScript, "--scenario", scenario,
                                                                      "--expect", expect, "--count", String(count)],
                                       directory: directory, readyTimeout: 120)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            try cancelIfUnavailable(scenario, venv)
            throw error
        }
        defer { target.stop() }
        guard let data = FileManager.default.contents(atPath: expect) else {
            throw IntegrationFailure("\(label): READY but no truth file at \(expect)")
        }
        let truth = try parseJSONObject(data, what: "\(label) truth")
        // With the self-check: every native plan is compared with the type's own tp_traverse too.
        let result = try runCLI(["attach", String(target.pid), "--format", "json", "--verify-traversal"])
        try #require(result.status == .exited(0), "\(result)")
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "\(label) report")
        let collectable = try J.object(report["collectable"], "collectable")

        let truthIDs = try J.strings(truth["ids"], "truth ids")
        let nameOf = Dictionary(zip(truthIDs, try J.strings(truth["names"], "truth names")), uniquingKeysWith: { first, _ in first })
        let expected = Set(truthIDs)
        let reported = Set(try J.array(collectable["ids"], "collectable.ids").map { "\($0)" })
        let missed = expected.subtracting(reported), extra = reported.subtracting(expected)
        let coverage = try J.object(collectable["coverage"], "collectable.coverage")
        let tracked = try J.int(coverage["tracked"], "coverage.tracked"), exact = try J.int(coverage["exact"], "coverage.exact")
        // Sizes are printed, not compared: sys.getsizeof calls each type's __sizeof__, which a reader of
        // memory cannot (C types that count their buffers), and no traversal changes that.
        let bytes = try J.int(collectable["bytes"], "collectable.bytes"), truthBytes = try J.int(truth["bytes"], "truth bytes")
        let found = "garbage \(expected.count), reported \(reported.count) (missed \(missed.count), alive but reported \(extra.count))"
        print("libraries: \(label): \(found); references exact for \(exact) of \(tracked) tracked objects; "
            + "bytes \(bytes) reported, \(truthBytes) by sys.getsizeof")

        // The ids exactly: none missed, none extra (counted here; the message lists them by type).
        let missedCount = missed.count, extraCount = extra.count
        #expect(missedCount == 0, "\(label): \(missedCount) of \(expected.count) garbage objects not reported, by type:\n\(byName(missed, nameOf))")
        #expect(extraCount == 0, "\(label): \(extraCount) objects reported as garbage but alive: \(extra.sorted().prefix(20))")
        #expect(try J.int(collectable["count"], "collectable.count") == expected.count)
        // The same types as the collector printed them (tp_name), through the report's type table.
        let byTpName = try collectableByTpName(report)
        let truthNames = try J.counts(truth["tp_names"], "truth tp_names")
        #expect(byTpName == truthNames, "\(label): garbage by tp_name differs:\n\(countDiff(expected: truthNames, got: byTpName))")
        // Every tracked object's references found exactly (each type's own tp_traverse).
        let inexact = try J.counts(coverage["inexact_types"], "coverage.inexact_types")
        let worst: [(key: String, value: Int)] = inexact.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let inexactList = worst.prefix(25).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        #expect(exact == tracked, "\(label): references exact for \(exact) of \(tracked) tracked objects; inexact: \(inexactList)")
        #expect(try J.array(collectable["overcounted"], "overcounted").isEmpty)
        let verification = try J.object(collectable["verification"], "collectable.verification")
        let disagreements = try J.array(verification["disagreements"], "verification.disagreements")
        #expect(disagreements.isEmpty, "\(label): native plans disagree with tp_traverse: \(disagreements)")
        #expect(try J.counts(verification["not_emulated"], "verification.not_emulated").isEmpty)
        // The target collected before it made its garbage and then disabled the collector.
        let byGeneration = try J.ints(collectable["by_generation"], "by_generation")
        #expect(byGeneration == [expected.count, 0, 0], "\(label): by generation \(byGeneration), all \(expected.count) expected in 0")
        #expect(processState(target.pid) != "t" && processState(target.pid) != "T")
        #expect(target.stop() == .exited(0))
    }

    /// The missed objects counted by tp_name, with a few addresses each.
    static func byName(_ ids: Set<String>, _ nameOf: [String: String]) -> String {
        var groups: [String: [String]] = [:]
        for id in ids { groups[nameOf[id] ?? "?", default: []].append(id) }
        return groups.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
            .map { "  \($0.key): \($0.value.count) (\($0.value.sorted().prefix(3).joined(separator: ", ")))" }
            .joined(separator: "\n")
    }

    /// A target that did not start because its library is not importable in this venv (`SKIP <reason>`,
    /// exit 5), or runs without its compiled part (exit 6) where scripts/venvs.sh found only a pure-Python
    /// wheel for the series, cancels the test case with that reason; anything else is left to fail.
    static func cancelIfUnavailable(_ scenario: String, _ venv: Interpreter) throws {
        try RootFiles(root: venv.root).copyIn([Paths.librariesScript])
        let check = try runProgram(venv.command + ["-B", Paths.librariesScript, "--scenario", scenario, "--check"], timeout: 120)
        let leftOut = LibraryVenvs.leftOut(venv)[scenario].map { "\($0) (scripts/venvs.sh)" }
        let skip = check.status == .exited(5) && check.stdout.hasPrefix("SKIP ")
        guard skip || (check.status == .exited(6) && leftOut != nil) else { return }
        let said = skip ? String(check.stdout.dropFirst("SKIP ".count)) : check.stderr
        let reason = leftOut ?? said.trimmingCharacters(in: .whitespacesAndNewlines)
        // Swift Testing 6.3 does not print a cancelled test case: say it here.
        print("libraries: \(venv.series) \(scenario): skipped: \(reason)")
        try Test.cancel(Comment(rawValue: "\(venv.series) \(scenario): \(reason)"))
    }
}
