import Foundation
import Testing

/// Checks pyinspect against the independent, fork-computed ground truth of the shared gc fixtures
/// (`../shared/fixtures`, beside the repository) on every installed interpreter. The project's own
/// tests do not need them; when they are absent this suite says so and checks nothing.
@Suite(.serialized) struct OracleMatrixTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")

    static let cases = ["tree", "runner", "cached", "exc", "asgi", "tasks", "scale", "saveall"]
    /// 3.6 and 3.7, whose fork truth counts one `tuple` in generation 0 that the idle target does not
    /// have: `('fd',)`, the keyword tuple the argument parser of `os.close` builds on its first call,
    /// which only the truth child makes (`_run_child` closes a pipe end before the snapshot; 3.8+ parse
    /// positional calls without building it). A gdb walk of the idle target's generation 0 finds
    /// exactly what pyinspect finds, and `os_close::_parser.kwtuple` is still NULL there. Their
    /// generation 0 is left out of the comparison; everything else is exact (2.7 is exact in all).
    static let legacy = ["3.6", "3.7"]

    /// The requested interpreters (`PYINSPECT_TEST_PYTHONS`, else every supported one), legacy or not.
    static func pythons(legacy wanted: Bool) -> String {
        // Empty means unset, as for Interpreters.requestedSeries.
        let requested = ProcessInfo.processInfo.environment["PYINSPECT_TEST_PYTHONS"].flatMap { $0.isEmpty ? nil : $0 }
            .map { $0.split(separator: ",").map(String.init) }
            ?? ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "debian"]
        // The roots' interpreters are the suite's own targets (RootFiles); the shared matrix runs the host's.
        return requested.filter { legacy.contains($0) == wanted && !Interpreters.rootSeries.contains($0) }.joined(separator: ",")
    }

    @Test(.timeLimit(.minutes(20)))
    func generationsAndGarbageMatchTheForkTruth() throws {
        try runMatrix(sections: "gen0,gen1,gen2,garbage", cases: Self.cases, pythons: Self.pythons(legacy: false))
        try runMatrix(sections: "gen1,gen2,garbage", cases: Self.cases, pythons: Self.pythons(legacy: true))
    }

    /// What the next full collection would free, exactly, in every scenario.
    @Test(.timeLimit(.minutes(20)))
    func collectableMatchesTheForkTruth() throws {
        try runMatrix(sections: "collectable", cases: Self.cases, pythons: Self.pythons(legacy: false))
        try runMatrix(sections: "collectable", cases: Self.cases, pythons: Self.pythons(legacy: true))
    }

    func runMatrix(sections: String, cases: [String], pythons: String) throws {
        guard !pythons.isEmpty else { return }
        let matrix = Self.fixtures.appendingPathComponent("check_matrix.py")
        guard FileManager.default.fileExists(atPath: matrix.path) else {
            print("OracleMatrixTests: skipped: \(Self.fixtures.path) is not present (the shared fixtures are optional)")
            return
        }
        let binary = ProcessInfo.processInfo.environment["PYINSPECT_BIN"]
            ?? Self.repoRoot.appendingPathComponent(".build/debug/pyinspect").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build pyinspect first (scripts/test.sh does)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Foundation's Process starts children with most signals blocked, and that mask is inherited
        // across exec: leaky.py takes its truth from a SIGALRM handler, so unblock them first.
        let unblock = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])"
        process.arguments = ["python3", "-c", unblock, "python3", matrix.path, binary, sections, "--pythons", pythons, "--cases"] + cases
        // check_matrix.py asks `pyenv root` where the interpreters are; CI's PATH may lack pyenv.
        var environment = ProcessInfo.processInfo.environment
        let pyenvRoot = environment["PYENV_ROOT"] ?? (NSHomeDirectory() + "/.pyenv")
        environment["PATH"] = "\(pyenvRoot)/bin:" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print(text)
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        let parts = last.split(separator: " ").first?.split(separator: "/").compactMap { Int($0) } ?? []
        #expect(process.terminationStatus == 0, "check_matrix.py: \(last)")
        #expect(parts.count == 2 && parts[0] == parts[1] && parts[1] > 0, "\(last)")
    }
}
