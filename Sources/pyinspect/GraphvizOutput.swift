import Foundation

/// `--format svg`: pipes the DOT text through Graphviz's `dot -Tsvg` to stdout.
func renderSVG(_ dot: String) throws(ReportedError) {
    let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/dot" }
    guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ReportedError(exit: .graphvizMissing,
                            message: "--format svg needs Graphviz: install it (`sudo apt-get install graphviz`) or use --format dot")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["-Tsvg"]
    let input = Pipe()
    process.standardInput = input
    do {
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(dot.utf8))
        try input.fileHandleForWriting.close()
    } catch {
        throw ReportedError(exit: .outputFailed, message: "cannot run \(binary): \(error)")
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ReportedError(exit: .outputFailed, message: "\(binary) -Tsvg failed with status \(process.terminationStatus)")
    }
}
