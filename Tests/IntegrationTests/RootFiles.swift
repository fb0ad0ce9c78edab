import Foundation

/// Makes a chrooted target see the files its arguments name: the project's target scripts (the whole
/// Targets directory, for the modules they import) are copied into the root at the same absolute path,
/// and files the target writes there (`--expect` truths) are copied back to the path the test reads.
struct RootFiles {
    let root: String?
    /// Tests start targets in parallel: one copy of the Targets directory at a time.
    private static let copying = NSLock()

    private var targets: String { Paths.repoRoot.appendingPathComponent("Tests/IntegrationTests/Targets").path }

    /// Before the start: every absolute path argument gets its directory inside the root, and existing
    /// files are copied in (the Targets directory whole).
    func copyIn(_ arguments: [String]) throws {
        guard let root else { return }
        let files = FileManager.default
        for argument in arguments where argument.hasPrefix("/") {
            let directory = (argument as NSString).deletingLastPathComponent
            try files.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
            if argument.hasPrefix(targets + "/") {
                try replace(root + targets, with: targets)
            } else if files.fileExists(atPath: argument), !files.fileExists(atPath: root + argument) {
                try files.copyItem(atPath: argument, toPath: root + argument)
            }
        }
    }

    /// After READY: files the target wrote inside the root, copied to where the test looks.
    func copyOut(_ arguments: [String]) {
        guard let root else { return }
        let files = FileManager.default
        for argument in arguments where argument.hasPrefix("/") && !argument.hasPrefix(targets + "/") {
            if files.fileExists(atPath: root + argument), !files.fileExists(atPath: argument) {
                try? files.copyItem(atPath: root + argument, toPath: argument)
            }
        }
    }

    private func replace(_ destination: String, with source: String) throws {
        Self.copying.lock()
        defer { Self.copying.unlock() }
        let files = FileManager.default
        let marker = destination + "/.copied-\(getpid())"
        if files.fileExists(atPath: marker) { return }  // once per test process
        try? files.removeItem(atPath: destination)
        try files.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try files.copyItem(atPath: source, toPath: destination)
        files.createFile(atPath: marker, contents: nil)
    }
}
