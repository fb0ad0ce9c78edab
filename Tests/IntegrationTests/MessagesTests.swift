import Foundation
import Glibc
import Testing

/// What pyinspect says is true and fits in one line: usage errors with their reason, limits that
/// cannot fire, `--cycle` in every format, and damaged snapshots judged alike by `diff` and `export`.
@Suite("truthful messages")
struct MessagesTests {
    func expectUsage(_ arguments: [String], saying needle: String, command: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try runCLI(arguments)
        #expect(result.status == .exited(64), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stdout == "", "\(result)", sourceLocation: sourceLocation)
        #expect(isOneErrorLine(result.stderr), "one line: \(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(needle), "should say \(needle): \(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasSuffix("(see `\(command) --help`)\n"), "\(result)", sourceLocation: sourceLocation)
    }

    @Test("usage errors: one `pyinspect: ` line with the reason and the --help to read; no process needed")
    func usageErrors() throws {
        // Pid 1 is never read: every one of these is refused before anything is attached.
        let cases: [([String], String, String)] = [
            (["attach"], "give at least one PID", "pyinspect attach"),
            (["attach", "1", "--top", "-1"], "--top -1: show at least 1 type", "pyinspect attach"),
            (["attach", "1", "--cycle", "0"], "--cycle 0: shapes are numbered from 1", "pyinspect attach"),
            (["attach", "1", "--max-pause", "5"], "give a unit: 5s or 5ms", "pyinspect attach"),
            (["attach", "1", "--max-pause", "0"], "--no-pause reads it without stopping it", "pyinspect attach"),
            (["attach", "1", "--max-pause", "-1ms"], "a duration cannot be negative", "pyinspect attach"),
            (["attach", "1", "--max-pause", "soon"], "not a duration", "pyinspect attach"),
            (["attach", "1", "--no-pause", "--max-pause", "1s"], "give one or the other", "pyinspect attach"),
            (["attach", "1", "--no-cycles", "--cycle", "2"], "cannot be combined with --no-cycles", "pyinspect attach"),
            (["attach", "1", "--pid"], "missing value for '--pid", "pyinspect attach"),
            (["attach", "1", "--frobnicate"], "unknown option '--frobnicate'", "pyinspect attach"),
            (["watch", "1", "--interval", "0"], "--interval 0", "pyinspect watch"),
            (["watch", "1", "--interval", "10ms"], "below the 1s floor", "pyinspect watch"),
            (["watch", "1", "--interval", "30"], "give a unit: 30s or 30ms", "pyinspect watch"),
            (["check", "1", "--max-type", "Session"], "give TYPE=N", "pyinspect check"),
            (["check", "1", "--max-collectable", "-3"], "--max-collectable -3", "pyinspect check"),
            (["check", "1", "--max-collectable-bytes", "lots"], "not a size", "pyinspect check"),
            (["snapshot", "1", "2", "-o", "x.db"], "must contain {pid}", "pyinspect snapshot"),
            (["frobnicate"], "unexpected argument 'frobnicate'", "pyinspect"),
        ]
        for (arguments, needle, command) in cases { try expectUsage(arguments, saying: needle, command: command) }
        let help = try runCLI(["attach", "--help"])
        #expect(help.status == .exited(0) && help.stdout.contains("USAGE: pyinspect attach"), "\(help)")
    }

    @Test("watch --interval below 1s needs --force, and then reads that often",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func watchFloor() throws {
        let target = try TargetProcess.service(try #require(Interpreters.any))
        defer { target.stop() }
        let forced = try runCLI(["watch", String(target.pid), "--interval", "100ms", "--force", "--count", "2", "--no-cycles"])
        #expect(forced.status == .exited(0), "\(forced)")
        #expect(forced.stdout.split(separator: "\n").filter { $0.contains("  pid \(target.pid)  tracked ") }.count == 2, "\(forced)")
    }

    @Test("check --max-type names a type no object has: said in text, JSON and on stderr",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func unmatchedTypeLimit() throws {
        let target = try TargetProcess.service(try #require(Interpreters.any), requests: 3)
        defer { target.stop() }
        let pid = String(target.pid)
        let text = try runCLI(["check", pid, "--max-type", "Sesion=0", "--max-type", "Session=10"])
        #expect(text.status == .exited(0), "\(text)")
        #expect(text.stdout == "pid \(pid): ok: collectable 6, collectable_bytes \(try heldBytes(pid)), garbage 0, "
                + "type:Sesion 0 <= 0 (no tracked object has this type; similar: Session), type:Session 3 <= 10\n", "\(text)")
        #expect(text.stderr == "pyinspect: pid \(pid): --max-type Sesion: no tracked object has this type; similar: Session "
                + "(a type is named by its __name__ or module.qualname), so this limit cannot be exceeded\n", "\(text)")
        let json = try runCLI(["check", pid, "--max-type", "Sesion=0", "--format", "json"])
        let process = try J.object(try J.array(parseJSONObject(Data(json.stdout.utf8), what: "check")["processes"], "processes").first, "process")
        let figure = try J.object(try J.array(process["figures"], "figures").last, "figure")
        #expect(try J.string(figure["name"], "name") == "type:Sesion")
        #expect(try J.bool(figure["matched"], "matched") == false)
        #expect(try J.strings(figure["similar"], "similar") == ["Session"])
    }

    /// The collectable bytes `attach` reports, grouped as `check` prints them.
    func heldBytes(_ pid: String) throws -> String {
        let report = try parseJSONObject(Data(try runCLI(["attach", pid, "--format", "json"]).stdout.utf8), what: "report")
        let held = try J.int(J.object(report["collectable"], "collectable")["held_bytes"], "held_bytes")
        var digits = String(held), out = ""
        while digits.count > 3 { out = "," + digits.suffix(3) + out; digits.removeLast(3) }
        return digits + out
    }

    @Test("--cycle N: only shape N in text and JSON; a shape that does not exist is exit 20 in every format",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func cycleOption() throws {
        let target = try TargetProcess.service(try #require(Interpreters.any), requests: 2)
        defer { target.stop() }
        let pid = String(target.pid)
        let all = try runCLI(["attach", pid])
        let shapes = all.stdout.split(separator: "\n").filter { $0.hasPrefix("  #") }
        try #require(shapes.count >= 1, "\(all)")
        let one = try runCLI(["attach", pid, "--cycle", "1"])
        #expect(one.status == .exited(0), "\(one)")
        #expect(one.stdout.split(separator: "\n").filter { $0.hasPrefix("  #") } == [shapes[0]], "\(one)")
        let json = try parseJSONObject(Data(try runCLI(["attach", pid, "--format", "json", "--cycle", "1"]).stdout.utf8), what: "report")
        let cycles = try J.array(J.object(json["collectable"], "collectable")["cycles"], "cycles")
        #expect(cycles.count == 1)
        #expect(try J.int(J.object(cycles.first, "cycle")["number"], "number") == 1)
        for format in ["text", "json", "dot"] {
            let missing = try runCLI(["attach", pid, "--format", format, "--cycle", "99"])
            #expect(missing.status == .exited(20), "\(missing)")
            #expect(missing.stdout == "", "\(missing)")
            #expect(missing.stderr == "pyinspect: pid \(pid): no cycle shape #99 (the collectable set has \(shapes.count) shape\(shapes.count == 1 ? "" : "s"))\n", "\(missing)")
        }
    }

    @Test("diff, export, why and top call the same snapshots damaged: a reference to no object, a missing one, a label that is not there",
          .enabled(if: Interpreters.any != nil, "no python 3.8–3.13 installed"))
    func damagedReferences() throws {
        let target = try TargetProcess.service(try #require(Interpreters.any))
        defer { target.stop() }
        let good = target.directory + "/good.db"
        #expect(try runCLI(["snapshot", String(target.pid), "-o", good]).status == .exited(0))
        let damages = [("dangling", "UPDATE edges SET target = 99999999 WHERE source = (SELECT min(source) FROM edges)", "which is not in the snapshot"),
                       ("missing", "DELETE FROM edges WHERE source = (SELECT max(source) FROM edges)", "references"),
                       ("label", "UPDATE objects SET label_id = 99999999 WHERE id = (SELECT max(id) FROM objects WHERE label_id IS NOT NULL)",
                        "names a label, retainer, root or cycle that is not in the snapshot")]
        for (name, statement, words) in damages {
            let file = target.directory + "/\(name).db"
            try FileManager.default.copyItem(atPath: good, toPath: file)
            let edit = try runProgram(["/usr/bin/python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                                       file, statement])
            try #require(edit.status == .exited(0), "\(edit)")
            for argv in [["export", file], ["diff", good, file], ["diff", file, good], ["why", file, "dict"], ["top", file]] {
                let result = try runCLI(argv)
                #expect(result.status == .exited(22), "\(result)")
                #expect(result.stdout == "" && isOneErrorLine(result.stderr) && result.stderr.contains(words), "\(result)")
            }
        }
    }
}
