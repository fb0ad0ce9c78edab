import Foundation
import Testing

/// Checks pyinspect against the independent, fork-computed ground truth of the shared gc fixtures
/// (`../shared/fixtures`, beside the repository) on every installed interpreter. The project's own
/// tests do not need them; when they are absent this suite says so and checks nothing.
@Suite(.serialized) struct OracleMatrixTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")

    @Test(.timeLimit(.minutes(20)))
    func generationsAndGarbageMatchTheForkTruth() throws {
        try runMatrix(sections: "gen0,gen1,gen2,garbage", cases: ["tree", "runner", "cached", "exc", "asgi", "tasks", "scale", "saveall"])
    }

    /// What the next full collection would free, exactly, in every scenario.
    @Test(.timeLimit(.minutes(20)))
    func collectableMatchesTheForkTruth() throws {
        try runMatrix(sections: "collectable", cases: ["tree", "runner", "cached", "exc", "asgi", "tasks", "scale", "saveall"])
    }

    func runMatrix(sections: String, cases: [String]) throws {
        let matrix = Self.fixtures.appendingPathComponent("check_matrix.py")
        guard FileManager.default.fileExists(atPath: matrix.path) else {
            print("OracleMatrixTests: skipped: \(Self.fixtures.path) is not present (the shared fixtures are optional)")
            return
        }
        let binary = ProcessInfo.processInfo.environment["PYINSPECT_BIN"]
            ?? Self.repoRoot.appendingPathComponent(".build/debug/pyinspect").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build pyinspect first (scripts/test.sh does)")
        // The roots' interpreters are the suite's own targets (RootFiles); the shared matrix runs the host's.
        let pythons = Interpreters.requestedSeries.filter { !Interpreters.rootSeries.contains($0) }.joined(separator: ",")
        guard !pythons.isEmpty else { return }
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
