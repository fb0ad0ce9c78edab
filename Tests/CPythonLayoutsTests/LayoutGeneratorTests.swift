import Foundation
import Testing

/// The layout generator's header-probe backend (scripts/layouts/probe.py), by its own unittest: offsets,
/// sizes, counts, bitfields, member types and enum values compiled against made-up headers, a core -D
/// flag read from sysconfigdata, and absent members reported as absent, never as 0.
@Suite struct LayoutGeneratorTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"), "gcc is not installed"))
    func probeBackendPassesItsTests() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "unittest", "-q",
                             Self.repoRoot.appendingPathComponent("scripts/layouts/test_probe.py").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("Ran 3 tests"), "\(text)")
    }
}
