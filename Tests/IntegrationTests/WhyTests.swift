import Foundation
import Testing

/// `pyinspect why`: the retainer paths of objects kept alive the ways a service keeps them
/// (why_target.py), against the target's own breadth-first search over gc.get_referents from its
/// modules, computed in a forked child: the same root, the same types on the path, the same count,
/// the same first object and the same retained size, exactly.
@Suite("why: what keeps objects alive")
struct WhyTests {
    /// The path each scenario prints (3.x; 2.7 differs where noted).
    static let expectedText: [String: String] = [
        "CachedItem": "module __main__ .CACHE -> dict[<str>] -> CachedItem",
        "ClassHeld": "module __main__ .Registry.items -> list[*] -> ClassHeld",
        "Logger": "module logging .Logger.manager -> Manager.loggerDict -> dict[<str>] -> Logger",
    ]

    struct Target {
        var process: TargetProcess
        var truth: [String: Any]
    }

    func start(_ interpreter: Interpreter, freeze: Bool = false) throws -> Target {
        let directory = try makeTempDirectory()
        let expect = directory + "/expect.json"
        let process = try TargetProcess(interpreter: interpreter, arguments: ["-S", Paths.whyScript, "--expect", expect] + (freeze ? ["--freeze"] : []),
                                        directory: directory)
        let truth = try parseJSONObject(try #require(FileManager.default.contents(atPath: expect)), what: "why truth")
        return Target(process: process, truth: truth)
    }

    func why(_ pid: Int32, _ what: String, _ extra: [String] = []) throws -> [String: Any] {
        let result = try runCLI(["why", String(pid), what, "--format", "json"] + extra)
        try #require(result.status == .exited(0), "\(result)")
        let report = try parseJSONObject(Data(result.stdout.utf8), what: "why report")
        #expect(report["schema"] as? String == "pyinspect-why/1")
        return report
    }

    @Test("each way of keeping objects alive: the root, path, count and retained size the target computes", arguments: Interpreters.installed)
    func scenarios(_ interpreter: Interpreter) throws {
        let target = try start(interpreter)
        defer { target.process.stop() }
        let pid = target.process.pid
        let python2 = interpreter.series == "2.7"
        // The target's search says which scenarios its modules reach (atexit's callbacks: 2.7's
        // atexit is Python; 3.6-3.9 keep them in the module's state; 3.10+ in the interpreter's).
        let scenarios = ["CachedItem", "ClassHeld", "ClosureHeld", "LruResult", "Logger", "AtexitHeld"]
        let reachedFromModules = try scenarios.filter { try J.int(J.object(target.truth[$0], $0)["from_modules"], "from_modules") > 0 }
        #expect(Set(reachedFromModules).isSuperset(of: ["CachedItem", "ClassHeld", "ClosureHeld", "Logger"]), "\(interpreter): \(reachedFromModules)")
        #expect(reachedFromModules.contains("LruResult") == !python2, "\(interpreter): \(reachedFromModules)")   // 2.7 has no lru_cache
        for name in reachedFromModules {
            let truth = try J.object(target.truth[name], name)
            let report = try why(pid, name)
            let groups = try J.array(report["groups"], "groups").map { try J.object($0, "group") }
            try #require(groups.count == 1, "\(interpreter) \(name): \(groups)")
            let group = groups[0]
            #expect(try J.int(report["objects"], "objects") == J.int(truth["from_modules"], "truth from_modules"), "\(interpreter) \(name)")
            #expect(try J.int(group["count"], "count") == J.int(truth["objects"], "truth objects"), "\(interpreter) \(name)")
            #expect(try J.object(group["root"], "root")["name"] as? String == truth["root"] as? String, "\(interpreter) \(name): \(group)")
            let types = try J.array(group["steps"], "steps").map { try J.string(J.object($0, "step")["type"], "type").split(separator: ".").last.map(String.init) ?? "" }
            #expect(types == (truth["types"] as? [String]), "\(interpreter) \(name): \(types) vs \(truth["types"] ?? "-")")
            #expect(try J.strings(group["samples"], "samples").first == truth["first"] as? String, "\(interpreter) \(name)")
            #expect(try J.int(group["retained_bytes"], "retained") == J.int(truth["retained"], "truth retained"), "\(interpreter) \(name)")
            #expect(try J.int(report["retained_bytes"], "retained") == J.int(truth["retained"], "truth retained"), "\(interpreter) \(name)")
            if var text = Self.expectedText[name] {
                if python2 && name == "Logger" { text = text.replacingOccurrences(of: ".Logger.manager", with: "._loggerClass -> class Logger.manager") }
                let result = try runCLI(["why", String(pid), name])
                #expect(result.stdout.contains(": \(text)\n"), "\(interpreter) \(name): \(result.stdout)")
            }
        }
        if !reachedFromModules.contains("AtexitHeld") {
            // 3.10+ keep atexit's callbacks in the interpreter's state: held from outside the gc graph.
            let report = try why(pid, "AtexitHeld")
            let group = try J.object(try J.array(report["groups"], "groups").first, "group")
            #expect(try J.object(group["root"], "root")["kind"] as? String == "outside", "\(interpreter): \(group)")
            let text = try runCLI(["why", String(pid), "AtexitHeld"])
            #expect(text.stdout.contains(": held from outside the gc graph (1 reference): ") && text.stdout.contains("partial.args -> tuple[0] -> list[0] -> AtexitHeld\n"),
                    "\(interpreter): \(text.stdout)")
            #expect(try J.int(group["retained_bytes"], "retained") == J.int(J.object(target.truth["AtexitHeld"], "atexit")["retained"], "truth"))
        }
        // A running frame's local on a named thread (3.11+ on the thread's data stack, before in an
        // untracked frame object).
        let source = try String(contentsOfFile: Paths.whyScript, encoding: .utf8).components(separatedBy: "\n")
        let line = try #require(source.firstIndex { $0.contains("threading.Event().wait()") }) + 1
        let threadHeld = try why(pid, "ThreadHeld")
        let threadGroup = try J.object(try J.array(threadHeld["groups"], "groups").first, "group")
        #expect(try J.object(threadGroup["root"], "root")["kind"] as? String == "thread", "\(interpreter): \(threadGroup)")
        #expect(try J.int(threadGroup["count"], "count") == 3)
        #expect(try J.int(threadGroup["retained_bytes"], "retained") == J.int(J.object(target.truth["ThreadHeld"], "thread")["retained"], "truth"))
        let threadText = try runCLI(["why", String(pid), "ThreadHeld"])
        #expect(threadText.stdout.contains(": thread Worker-1: frame worker (why_target.py:\(line)) .pending -> list[*] -> ThreadHeld\n"),
                "\(interpreter): \(threadText.stdout)")
        // Garbage: said so, with its cycle.
        let orphan = try why(pid, "Orphan")
        #expect(try J.int(orphan["garbage"], "garbage") == 1 && J.int(orphan["objects"], "objects") == 0, "\(interpreter): \(orphan)")
        #expect(orphan["garbage_cycle"] as? String == "__main__.Orphan.me -> __main__.Orphan", "\(interpreter): \(orphan)")
        let text = try runCLI(["why", String(pid), "Orphan"])
        #expect(text.stdout.contains("1 Orphan is garbage: no root reaches it; the next full collection frees it\n  held in the cycle: Orphan.me -> Orphan\n"),
                "\(interpreter): \(text.stdout)")
        #expect(target.process.stop() == .exited(0))
    }

    @Test("after gc.freeze() the answers are the same: the permanent generation is part of the heap index",
          arguments: Interpreters.installed.filter { !["2.7", "3.6"].contains($0.series) })
    func frozen(_ interpreter: Interpreter) throws {
        let target = try start(interpreter, freeze: true)
        defer { target.process.stop() }
        let pid = target.process.pid
        for name in ["CachedItem", "ClassHeld", "Logger", "ThreadHeld"] {
            let truth = try J.object(target.truth[name], name)
            let report = try why(pid, name)
            let group = try J.object(try J.array(report["groups"], "groups").first, "\(interpreter) \(name): \(report)")
            #expect(try J.int(group["count"], "count") == J.int(truth["objects"], "objects"), "\(interpreter) \(name)")
            #expect(try J.int(group["retained_bytes"], "retained") == J.int(truth["retained"], "retained"), "\(interpreter) \(name)")
            if let root = truth["root"] as? String {
                #expect(try J.object(group["root"], "root")["name"] as? String == root, "\(interpreter) \(name): \(group)")
            }
        }
        // What C code holds (atexit's state, 3.10+) and gc.freeze() froze.
        if try J.int(J.object(target.truth["AtexitHeld"], "atexit")["from_modules"], "from_modules") == 0 {
            let text = try runCLI(["why", String(pid), "AtexitHeld"])
            #expect(text.stdout.contains(": frozen by gc.freeze(), held from outside the gc graph (1 reference): ")
                    && text.stdout.contains("partial.args -> tuple[0] -> list[0] -> AtexitHeld\n"), "\(interpreter): \(text.stdout)")
        }
        #expect(target.process.stop() == .exited(0))
    }

    @Test("why and top on a snapshot answer exactly as on the process (gc.freeze() too)",
          arguments: Interpreters.installed.flatMap { interpreter in [(interpreter, false)] + (["2.7", "3.6"].contains(interpreter.series) ? [] : [(interpreter, true)]) })
    func snapshotAnswersAsTheProcess(_ interpreter: Interpreter, freeze: Bool) throws {
        let target = try start(interpreter, freeze: freeze)
        defer { target.process.stop() }
        let pid = String(target.process.pid), file = try makeTempDirectory() + "/why.db"
        let taken = try runCLI(["snapshot", pid, "-o", file])
        try #require(taken.status == .exited(0), "\(taken)")
        // What differs between two reads of one paused process: how long each paused it, and the target's memory (RSS, pymalloc pools).
        func answer(_ argv: [String]) throws -> [String: Any] {
            let result = try runCLI(argv + ["--format", "json"])
            try #require(result.status == .exited(0), "\(argv): \(result)")
            var document = try parseJSONObject(Data(result.stdout.utf8), what: argv.joined(separator: " "))
            for key in ["pause_seconds", "phases", "target_resident_bytes", "target_resident_anonymous_bytes", "memory"] { document[key] = nil }
            return document
        }
        for name in ["CachedItem", "ClassHeld", "ClosureHeld", "LruResult", "Logger", "AtexitHeld", "ThreadHeld", "Orphan", "dict", "str"]
        where interpreter.series != "2.7" || name != "LruResult" {
            let live = try answer(["why", pid, name]), offline = try answer(["why", file, name])
            #expect(NSDictionary(dictionary: live).isEqual(to: offline), "\(interpreter) \(name): \(live) vs \(offline)")
        }
        let live = try answer(["top", pid]), offline = try answer(["top", file])
        #expect(NSDictionary(dictionary: live).isEqual(to: offline), "\(interpreter) top: \(live) vs \(offline)")
        #expect(target.process.stop() == .exited(0))
    }

    @Test("one object by address; dict keys only with --values; dot", arguments: Interpreters.primary)
    func oneObject(_ interpreter: Interpreter) throws {
        let target = try start(interpreter)
        defer { target.process.stop() }
        let pid = target.process.pid
        let cached = try J.object(target.truth["CachedItem"], "cached")
        let first = try J.string(cached["first"], "first")
        let each = try J.int(cached["retained"], "retained") / J.int(cached["objects"], "objects")
        let plain = try runCLI(["why", String(pid), first])
        try #require(plain.status == .exited(0), "\(plain)")
        #expect(plain.stdout.contains("1 CachedItem retained \(each) B: module __main__ .CACHE -> dict[<str>] -> CachedItem\n"), "\(plain.stdout)")
        let shown = try runCLI(["why", String(pid), first, "--values"])
        #expect(shown.stdout.range(of: #"\.CACHE -> dict\['k\d'\] -> CachedItem"#, options: .regularExpression) != nil, "\(shown.stdout)")
        // An untracked dict (str keys, bytes values): found through the module's dict, with all it holds.
        let blobs = try J.object(target.truth["BLOBS"], "blobs")
        #expect(blobs["tracked"] as? Bool == false)
        let untracked = try why(pid, try J.string(blobs["address"], "address"))
        let group = try J.object(try J.array(untracked["groups"], "groups").first, "group")
        #expect(try J.int(group["retained_bytes"], "retained") == J.int(blobs["retained"], "truth") && J.int(blobs["retained"], "truth") > 40_000,
                "\(interpreter): \(group) vs \(blobs)")
        #expect(try group["path"] as? [String] == [".BLOBS"] && J.object(group["root"], "root")["name"] as? String == "module __main__", "\(group)")
        let dot = try runCLI(["why", String(pid), "ClassHeld", "--format", "dot"])
        #expect(dot.status == .exited(0) && dot.stdout.hasPrefix("digraph why {") && dot.stdout.contains("label=\"module __main__\""), "\(dot)")
        #expect(target.process.stop() == .exited(0))
    }

    @Test("check and watch --max-retained: the figure is what the loggers retain, exactly; over it is exit 1", arguments: Interpreters.primary)
    func maxRetained(_ interpreter: Interpreter) throws {
        let target = try start(interpreter)
        defer { target.process.stop() }
        let pid = String(target.process.pid)
        let retained = try J.int(J.object(target.truth["Logger"], "logger")["retained"], "retained")
        let within = try runCLI(["check", pid, "--max-retained", "Logger=\(retained)", "--format", "json"])
        #expect(within.status == .exited(0), "\(within)")
        let document = try parseJSONObject(Data(within.stdout.utf8), what: "check")
        let process = try J.object(try J.array(document["processes"], "processes").first, "process")
        let figure = try J.array(process["figures"], "figures").map { try J.object($0, "figure") }.first { $0["name"] as? String == "retained:Logger" }
        #expect(try J.int(figure?["value"], "value") == retained, "\(document)")
        let over = try runCLI(["check", pid, "--max-retained", "logging.Logger=\(retained - 1)"])
        #expect(over.status == .exited(1) && over.stdout.contains("retained:logging.Logger \(CensusTests.grouped(retained)) > \(CensusTests.grouped(retained - 1)) EXCEEDED"), "\(over)")
        let watch = try runCLI(["watch", pid, "--count", "1", "--max-retained", "Logger=\(retained - 1)"])
        #expect(watch.status == .exited(1) && watch.stdout.contains("  retained Logger ") && watch.stdout.contains(" EXCEEDED\n"), "\(watch)")
        let typo = try runCLI(["check", pid, "--max-retained", "Loger=1MB"])
        #expect(typo.status == .exited(0) && typo.stderr.contains("--max-retained Loger: no tracked object has this type; similar: Logger"), "\(typo)")
        let bad = try runCLI(["check", pid, "--max-retained", "Logger=lots"])
        #expect(bad.status == .exited(64) && isOneErrorLine(bad.stderr), "\(bad)")
        #expect(target.process.stop() == .exited(0))
    }

    @Test("bad input: one clear line and a documented exit code", arguments: Interpreters.primary)
    func badInput(_ interpreter: Interpreter) throws {
        let target = try start(interpreter)
        defer { target.process.stop() }
        let pid = String(target.process.pid)
        let notObject = try runCLI(["why", pid, "0x10"])
        #expect(notObject.status == .exited(26) && isOneErrorLine(notObject.stderr) && notObject.stderr.contains("is no object pyinspect reached"), "\(notObject)")
        let noType = try runCLI(["why", pid, "NoSuchTypeAnywhere"])
        #expect(noType.status == .exited(26) && isOneErrorLine(noType.stderr) && noType.stderr.contains("NoSuchTypeAnywhere"), "\(noType)")
        let badAddress = try runCLI(["why", pid, "0xzz"])
        #expect(badAddress.status == .exited(64) && isOneErrorLine(badAddress.stderr), "\(badAddress)")
        let gone = try runCLI(["why", "999999999", "Logger"])
        #expect(gone.status == .exited(10) && isOneErrorLine(gone.stderr), "\(gone)")
        #expect(target.process.stop() == .exited(0))
    }
}
