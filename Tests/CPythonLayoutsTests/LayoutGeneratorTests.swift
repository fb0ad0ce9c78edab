import Foundation
import Testing

/// The layout generator (scripts/gen-layouts.py, scripts/layouts/), by its own unittests: the header-probe
/// backend (probe.py: offsets, sizes, counts, bitfields, member types and enum values compiled against made-up
/// headers, a core -D flag read from sysconfigdata, and absent members reported as absent, never as 0), and
/// the disassembly check (field_visits.py, tracer.py, trace_shape.py, verify.py: plain-field visits, loops,
/// delegations and garbage on real and hand-written x86-64 traverse functions).
@Suite struct LayoutGeneratorTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `python3 -m unittest -q scripts/layouts/NAME`: its exit status and output.
    static func unittest(_ name: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "unittest", "-q",
                             repoRoot.appendingPathComponent("scripts/layouts/\(name)").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc"), "gcc is not installed"))
    func probeBackendPassesItsTests() throws {
        let (status, text) = try Self.unittest("test_probe.py")
        #expect(status == 0, "\(text)")
        #expect(text.contains("Ran 3 tests"), "\(text)")
    }

    @Test func disassemblyCheckPassesItsTests() throws {
        let (status, text) = try Self.unittest("test_tracer.py")
        #expect(status == 0, "\(text)")
        #expect(text.contains("Ran 20 tests"), "\(text)")
    }
}
