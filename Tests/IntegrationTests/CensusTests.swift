import Foundation
import Testing

// Every test here starts a real `census_target.py` under one installed interpreter, attaches the
// built CLI to it, and compares the report with the truth the target computed in-process.

/// One test per supported series. An interpreter that is absent (or left out by
/// PYINSPECT_TEST_PYTHONS) shows up as a skipped test with its reason, never as a silent pass; the
/// other suites are parameterised over the installed interpreters only.
@Suite("interpreters")
struct InterpreterAvailabilityTests {
    /// The interpreter runs and its version belongs to its series.
    func check(_ series: String) throws {
        let interpreter = try #require(Interpreters.find(series), "python \(series) not installed")
        let result = try runProgram(interpreter.command + ["-S", "-c", "import sys; print(sys.version.split()[0])"], timeout: 60)
        #expect(result.status == .exited(0), "\(result)")
        let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = version.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3 && parts[0] == 3 && (8...13).contains(parts[1]), "\(interpreter): version \(version) is not 3.8–3.13")
        if let fromDirectory = interpreter.versionFromDirectory {
            #expect(version == fromDirectory)
            #expect(version.hasPrefix(series + "."))
        }
        print("python \(series): \(interpreter.path) is \(version)")
    }

    @Test("PYINSPECT_TEST_PYTHONS names only known series")
    func knownSeries() {
        for series in Interpreters.requestedSeries {
            #expect(Interpreters.allSeries.contains(series),
                    "unknown series \(series) in PYINSPECT_TEST_PYTHONS (known: \(Interpreters.allSeries.joined(separator: ",")))")
        }
    }

    @Test("python 3.8", .enabled(if: Interpreters.isRequested("3.8"), "3.8 not in PYINSPECT_TEST_PYTHONS"),
          .enabled(if: Interpreters.find("3.8") != nil, "python 3.8 not installed"))
    func python38() throws { try check("3.8") }

    @Test("python 3.9", .enabled(if: Interpreters.isRequested("3.9"), "3.9 not in PYINSPECT_TEST_PYTHONS"),
          .enabled(if: Interpreters.find("3.9") != nil, "python 3.9 not installed"))
    func python39() throws { try check("3.9") }

    @Test("python 3.10", .enabled(if: Interpreters.isRequested("3.10"), "3.10 not in PYINSPECT_TEST_PYTHONS"),
          .enabled(if: Interpreters.find("3.10") != nil, "python 3.10 not installed"))
    func python310() throws { try check("3.10") }

    @Test("python 3.11", .enabled(if: Interpreters.isRequested("3.11"), "3.11 not in PYINSPECT_TEST_PYTHONS"),
          .enabled(if: Interpreters.find("3.11") != nil, "python 3.11 not installed"))
    func python311() throws { try check("3.11") }

    @Test("python 3.12", .enabled(if: Interpreters.isRequested("3.12"), "3.12 not in PYINSPECT_TEST_PYTHONS"),
          .enabled(if: Interpreters.find("3.12") != nil, "python 3.12 not installed"))
    func python312() throws { try check("3.12") }

    @Test("python 3.13", .enabled(if: Interpreters.isRequested("3.13"), "3.13 not in PYINSPECT_TEST_PYTHONS"),
          .enabled(if: Interpreters.find("3.13") != nil, "python 3.13 not installed"))
    func python313() throws { try check("3.13") }

    @Test("python debian (/usr/bin/python3)", .enabled(if: Interpreters.isRequested("debian"), "debian not in PYINSPECT_TEST_PYTHONS"),
          .enabled(if: Interpreters.find("debian") != nil, "/usr/bin/python3 not installed"))
    func pythonDebian() throws { try check("debian") }
}

@Suite("attach: census against the in-process truth")
struct CensusTests {
    /// The nested class's qualified name: module.__qualname__, or (2.7, which has no __qualname__) module.__name__.
    static func innerQualified(_ interpreter: Interpreter) -> String {
        interpreter.series == "2.7" ? "__main__.Inner" : "__main__.Outer.Inner"
    }

    // MARK: helpers

    /// Runs `attach PID --format json` plus `extra`, checks exit 0 and an empty stderr, and that the
    /// target was left running.
    func attachJSON(_ target: TargetProcess, _ extra: [String] = []) throws -> [String: Any] {
        let result = try runCLI(["attach", String(target.pid), "--format", "json"] + extra)
        try #require(result.status == .exited(0), "\(result)")
        #expect(result.stderr == "", "\(result)")
        expectLeftRunning(target)
        return try parseJSONObject(Data(result.stdout.utf8), what: "pyinspect --format json output")
    }

    func attachText(_ target: TargetProcess, _ extra: [String]) throws -> String {
        let result = try runCLI(["attach", String(target.pid)] + extra)
        try #require(result.status == .exited(0), "\(result)")
        #expect(result.stderr == "", "\(result)")
        expectLeftRunning(target)
        return result.stdout
    }

    /// The permanent generation split by who put the objects there, exactly as the target's forked
    /// child counted them: immortal objects (the collector's, 3.12+) and the rest (gc.freeze()'s).
    func expectPermanentOrigin(_ gc: [String: Any], _ truth: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let immortal = try J.int(truth["permanent_immortal"], "truth permanent_immortal")
        let total = try J.int(truth["freeze_count"], "truth freeze_count")
        #expect(try J.int(gc["permanent_immortal"], "gc.permanent_immortal") == immortal, sourceLocation: sourceLocation)
        #expect(try J.int(gc["frozen"], "gc.frozen") == total - immortal, sourceLocation: sourceLocation)
    }

    func expectLeftRunning(_ target: TargetProcess, sourceLocation: SourceLocation = #_sourceLocation) {
        let state = processState(target.pid)
        #expect(state != nil && state != "t" && state != "T" && state != "Z",
                "target \(target.pid) is in state \(state.map(String.init) ?? "gone") after the attach", sourceLocation: sourceLocation)
    }

    /// The target still answers: it exits 0 when its stdin is closed.
    func expectCleanExit(_ target: TargetProcess, sourceLocation: SourceLocation = #_sourceLocation) {
        let status = target.stop()
        #expect(status == .exited(0), "target \(target.pid) ended with \(status) after stdin EOF", sourceLocation: sourceLocation)
    }

    /// count, types, qualified_types and by_type of a report section equal the truth exactly.
    func expectSection(_ section: [String: Any], equals truth: [String: Any], _ label: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try J.int(section["count"], "\(label).count") == J.int(truth["count"], "truth \(label).count"),
                "\(label).count", sourceLocation: sourceLocation)
        for key in ["types", "qualified_types", "by_type"] {
            let got = try J.counts(section[key], "\(label).\(key)")
            let expected = try J.counts(truth[key], "truth \(label).\(key)")
            #expect(got == expected, "\(label).\(key) differs from the truth:\n\(countDiff(expected: expected, got: got))",
                    sourceLocation: sourceLocation)
        }
    }

    func generations(_ report: [String: Any]) throws -> [[String: Any]] {
        let list = try J.array(report["generations"], "generations")
        try #require(list.count == 3, "expected 3 generations, got \(list.count)")
        return try list.enumerated().map { try J.object($0.element, "generations[\($0.offset)]") }
    }

    /// Rows `count  label` of one text section (`title: N objects, K types` up to the next blank
    /// line), as label -> count; nil if the section is missing.
    func textSection(_ text: String, title: String) -> (header: String, rows: [String: Int])? {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix(title + ": ") }) else { return nil }
        var rows: [String: Int] = [:]
        for line in lines[(start + 1)...] {
            if line.isEmpty || !line.hasPrefix("  ") { break }
            let trimmed = line.drop(while: { $0 == " " })
            guard let gap = trimmed.range(of: "  ") else { continue }
            let number = trimmed[..<gap.lowerBound].replacingOccurrences(of: ",", with: "")
            guard let count = Int(number) else { continue }  // the "count  type" heading
            rows[String(trimmed[gap.upperBound...]), default: 0] += count
        }
        return (lines[start], rows)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }

    // MARK: tests

    @Test("JSON: generations, gc state and gc.garbage equal the truth (--saveall)", arguments: Interpreters.installed)
    func jsonMatchesTruth(interpreter: Interpreter) throws {
        let target = try TargetProcess.census(interpreter, ["--saveall"])
        defer { target.stop() }
        let truth = target.truth
        let report = try attachJSON(target)

        #expect(report["schema"] as? String == "pyinspect-report/1")
        #expect(report["type_key"] as? String == "name")
        let process = try J.object(report["process"], "process")
        #expect(try J.int(process["pid"], "process.pid") == Int(target.pid))
        #expect(try J.bool(process["paused"], "process.paused") == true)

        // The truth itself must hold the markers, or comparing with it would prove little.
        let truth2 = try J.object(truth["generation2"], "truth generation2")
        let truthTypes2 = try J.counts(truth2["types"], "truth generation2.types")
        #expect(truthTypes2["Alpha"] == 123 && truthTypes2["Leak"] == 10, "truth file lacks the markers: \(truthTypes2)")
        #expect(try J.counts(truth2["qualified_types"], "truth")[Self.innerQualified(interpreter)] == 7)

        let gens = try generations(report)
        for (index, generation) in gens.enumerated() {
            #expect(try J.int(generation["generation"], "generation") == index)
        }
        // Generation 2: exact, every type, three namings.
        try expectSection(gens[2], equals: truth2, "generations[2]")
        // Generation 1: empty (everything was promoted by the last gc.collect(), gc is disabled since).
        #expect(try J.int(truth["generation1"].flatMap { $0 as? [String: Any] }?["count"], "truth generation1.count") == 0)
        #expect(try J.int(gens[1]["count"], "generations[1].count") == 0)
        #expect(try J.counts(gens[1]["types"], "generations[1].types") == [:])
        #expect(try J.counts(gens[1]["by_type"], "generations[1].by_type") == [:])
        // Generation 0: the 11 Gamma objects created after the census (other gen-0 objects are the
        // census's own leftovers and are not asserted).
        let addresses = try J.object(truth["type_addresses"], "truth type_addresses")
        let gammaAddress = try J.string(addresses["Gamma"], "Gamma address")
        #expect(try J.counts(gens[0]["types"], "generations[0].types")["Gamma"] == 11)
        #expect(try J.counts(gens[0]["qualified_types"], "generations[0].qualified_types")["__main__.Gamma"] == 11)
        #expect(try J.counts(gens[0]["by_type"], "generations[0].by_type")[gammaAddress] == 11)
        for marker in ["Alpha", "Inner", "Leak"] {
            #expect(try J.counts(gens[0]["types"], "generations[0].types")[marker] == nil, "\(marker) in generation 0")
        }

        // Collector state.
        let gc = try J.object(report["gc"], "gc")
        #expect(try J.ints(gc["threshold"], "gc.threshold") == [1234, 56, 78])
        #expect(try J.ints(truth["threshold"], "truth threshold") == [1234, 56, 78])
        #expect(try J.bool(gc["enabled"], "gc.enabled") == false)
        #expect(try J.bool(truth["enabled"], "truth enabled") == false)
        #expect(try J.int(gc["debug"], "gc.debug") == 32)
        #expect(try J.int(truth["debug"], "truth debug") == 32)
        #expect(try J.strings(gc["debug_flags"], "gc.debug_flags") == ["saveall"])
        #expect(try J.bool(gc["collecting"], "gc.collecting") == false)
        #expect(try J.int(gc["freeze_count"], "gc.freeze_count") == J.int(truth["freeze_count"], "truth freeze_count"))
        // No gc.freeze() here: whatever sits in the permanent generation is immortal (3.12+), put there by the collector.
        try expectPermanentOrigin(gc, truth)
        #expect(try J.int(gc["frozen"], "gc.frozen") == 0)
        #expect(try J.ints(gc["count"], "gc.count").count == 3)
        // gc.get_stats() exactly (3.15: the latest entries of its ring buffers; 2.7 keeps none).
        let stats = try J.array(gc["stats"], "gc.stats").map { try J.counts($0, "gc.stats entry") }
        let truthStats = try J.array(truth["stats"], "truth stats").map { try J.counts($0, "truth stats entry") }
        #expect(stats == truthStats && stats.count == (interpreter.series == "2.7" ? 0 : 3), "\(interpreter): \(stats) vs \(truthStats)")

        // gc.garbage: the 10 Leak objects, exact census and ids in list order.
        let garbage = try J.object(report["garbage"], "garbage")
        let truthGarbage = try J.object(truth["garbage"], "truth garbage")
        try expectSection(garbage, equals: truthGarbage, "garbage")
        #expect(try J.counts(garbage["types"], "garbage.types") == ["Leak": 10])
        #expect(try J.counts(garbage["qualified_types"], "garbage.qualified_types") == ["__main__.Leak": 10])
        #expect(try J.counts(garbage["by_type"], "garbage.by_type") == [J.string(addresses["Leak"], "Leak address"): 10])
        let ids = try J.strings(garbage["ids"], "garbage.ids")
        #expect(ids == (try J.strings(truthGarbage["ids"], "truth garbage.ids")))
        #expect(ids.count == 10)

        // Permanent generation: empty without --freeze, as far as gc.get_freeze_count() says.
        let permanent = try J.object(report["permanent_generation"], "permanent_generation")
        #expect(try J.int(permanent["count"], "permanent.count") == J.int(truth["freeze_count"], "truth freeze_count"))

        let issues = try J.object(report["issues"], "issues")
        #expect(try J.int(issues["unreadable_objects"], "issues.unreadable_objects") == 0)
        #expect(try J.int(issues["truncated_lists"], "issues.truncated_lists") == 0)

        // Every type address of the report is described in type_table.
        let table = try J.object(report["type_table"], "type_table")
        for section in gens + [garbage, permanent] {
            for address in try J.counts(section["by_type"], "by_type").keys {
                #expect(table[address] != nil, "type \(address) missing from type_table")
            }
        }
        let gammaRow = try J.object(table[gammaAddress], "type_table[Gamma]")
        #expect(gammaRow["name"] as? String == "Gamma")
        #expect(gammaRow["qualified"] as? String == "__main__.Gamma")
        #expect(gammaRow["tp_name"] as? String == "Gamma")
        #expect(gammaRow["heap_type"] as? Bool == true)

        expectCleanExit(target)
    }

    // gc.freeze() and the permanent generation are new in 3.7.
    @Test("JSON: gc.freeze() objects sit in the permanent generation (--freeze, also with --no-pause)",
          arguments: Interpreters.installed.filter { !["2.7", "3.6"].contains($0.series) })
    func frozenObjects(interpreter: Interpreter) throws {
        let target = try TargetProcess.census(interpreter, ["--freeze"])
        defer { target.stop() }
        let truth = target.truth
        let frozenAddress = try J.string(try J.object(truth["type_addresses"], "type_addresses")["Frozen"], "Frozen address")
        let freezeCount = try J.int(truth["freeze_count"], "truth freeze_count")
        #expect(freezeCount >= 9)

        for extra in [[], ["--no-pause"]] {
            let report = try attachJSON(target, extra)
            let process = try J.object(report["process"], "process")
            #expect(try J.bool(process["paused"], "process.paused") == extra.isEmpty, "\(extra)")

            let permanent = try J.object(report["permanent_generation"], "permanent_generation")
            #expect(try J.int(permanent["count"], "permanent.count") == freezeCount, "\(extra)")
            #expect(try J.counts(permanent["types"], "permanent.types")["Frozen"] == 9, "\(extra)")
            #expect(try J.counts(permanent["qualified_types"], "permanent.qualified_types")["__main__.Frozen"] == 9, "\(extra)")
            #expect(try J.counts(permanent["by_type"], "permanent.by_type")[frozenAddress] == 9, "\(extra)")
            let gc = try J.object(report["gc"], "gc")
            #expect(try J.int(gc["freeze_count"], "gc.freeze_count") == freezeCount, "\(extra)")
            try expectPermanentOrigin(gc, truth)

            // The rest of the heap is still exact (the target is idle, so even --no-pause is exact).
            let gens = try generations(report)
            try expectSection(gens[2], equals: try J.object(truth["generation2"], "truth generation2"), "generations[2] \(extra)")
            #expect(try J.int(gens[1]["count"], "generations[1].count") == 0)
            #expect(try J.counts(gens[0]["types"], "generations[0].types")["Gamma"] == 11)
            for generation in gens {
                #expect(try J.counts(generation["types"], "types")["Frozen"] == nil, "Frozen outside the permanent generation")
            }
            // No --saveall: debug 0, gc.garbage empty.
            #expect(try J.int(gc["debug"], "gc.debug") == 0)
            #expect(try J.strings(gc["debug_flags"], "gc.debug_flags") == [])
            #expect(try J.bool(gc["enabled"], "gc.enabled") == false)
            #expect(try J.ints(gc["threshold"], "gc.threshold") == [1234, 56, 78])
            let garbage = try J.object(report["garbage"], "garbage")
            #expect(try J.int(garbage["count"], "garbage.count") == 0)
            #expect(try J.strings(garbage["ids"], "garbage.ids") == [])
        }
        expectCleanExit(target)
    }

    @Test("text: --qualified --all names __main__.Outer.Inner, --list prints the 10 Leak objects", arguments: Interpreters.installed)
    func textQualifiedAndList(interpreter: Interpreter) throws {
        let target = try TargetProcess.census(interpreter, ["--saveall"])
        defer { target.stop() }
        let truth = target.truth
        let text = try attachText(target, ["--qualified", "--all", "--list"])
        let truth2 = try J.object(truth["generation2"], "truth generation2")
        let truthQualified = try J.counts(truth2["qualified_types"], "truth qualified_types")

        let gen2 = try #require(textSection(text, title: "generation 2"), "no generation 2 section in:\n\(text)")
        let count2 = try J.int(truth2["count"], "truth count")
        #expect(gen2.header == "generation 2: \(Self.grouped(count2)) objects, \(truthQualified.count) types")
        #expect(gen2.rows == truthQualified, "text generation 2 differs:\n\(countDiff(expected: truthQualified, got: gen2.rows))")
        let inner = Self.innerQualified(interpreter)
        #expect(gen2.rows[inner] == 7)
        #expect(gen2.rows["__main__.Alpha"] == 123)
        #expect(text.components(separatedBy: "\n").contains { $0.hasSuffix("  " + inner) && $0.trimmingCharacters(in: .whitespaces).hasPrefix("7  ") })

        let gen1 = try #require(textSection(text, title: "generation 1"))
        #expect(gen1.header == "generation 1: 0 objects, 0 types")
        let gen0 = try #require(textSection(text, title: "generation 0"))
        #expect(gen0.rows["__main__.Gamma"] == 11)

        #expect(text.contains("\ngc  disabled; debug 32 (DEBUG_SAVEALL); collecting no\n"), "collector line missing:\n\(text)")

        let garbage = try #require(textSection(text, title: "gc.garbage"))
        #expect(garbage.header == "gc.garbage: 10 objects, 1 type")
        #expect(garbage.rows == ["__main__.Leak": 10])

        // --list: exactly the 10 Leak objects, in gc.garbage order, with the addresses id() gave.
        let ids = try J.strings(try J.object(truth["garbage"], "truth garbage")["ids"], "truth ids")
        let listed = text.components(separatedBy: "\n").filter { $0.hasPrefix("gc: uncollectable ") }
        #expect(listed == ids.map { "gc: uncollectable <Leak \($0)>" }, "got:\n\(listed.joined(separator: "\n"))")
        #expect(listed.count == 10)

        expectCleanExit(target)
    }

    // The 3.8–3.10 pyenv builds have no Py_Version; their micro version is in the static buffer
    // of Py_GetVersion(), whose local symbol GCC names `version.0` (clang: `Py_GetVersion.version`).
    // Regression guard: an earlier pyinspect looked only for the clang name and printed "3.8"
    // (from the libpython file name) instead of "3.8.18".
    @Test("text header and JSON show the interpreter's exact X.Y.Z version", arguments: Interpreters.installed)
    func versionHeader(interpreter: Interpreter) throws {
        let target = try TargetProcess.census(interpreter)
        defer { target.stop() }
        let version = try J.string(target.truth["version"], "truth version")
        if let fromDirectory = interpreter.versionFromDirectory { #expect(version == fromDirectory) }

        let text = try attachText(target, [])
        let lines = text.components(separatedBy: "\n")
        try #require(lines.count > 2, "short output:\n\(text)")
        #expect(lines[0].hasPrefix("pid \(target.pid)  "), "first line: \(lines[0])")
        let header = lines[1]
        #expect(header.hasPrefix("  python   \(version) (from "), "expected the python header line to show \(version), got: \(header)")

        let report = try attachJSON(target)
        let process = try J.object(report["process"], "process")
        #expect(process["python_version"] as? String == version,
                "process.python_version \(String(describing: process["python_version"])) (from \(String(describing: process["version_source"])))")
        expectCleanExit(target)
    }
}
