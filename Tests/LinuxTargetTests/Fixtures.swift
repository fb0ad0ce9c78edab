import Foundation

/// Paths of the interpreters these tests use, and helpers to run them.
enum Fixtures {
    static var pyenvRoot: String {
        if let root = ProcessInfo.processInfo.environment["PYENV_ROOT"], !root.isEmpty { return root }
        return NSHomeDirectory() + "/.pyenv"
    }

    static var python312: String { pyenvRoot + "/versions/3.12.1/bin/python3.12" }
    static var libpython312: String { pyenvRoot + "/versions/3.12.1/lib/libpython3.12.so.1.0" }
    static let debianPython311 = "/usr/bin/python3.11"

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// A pid no process can have (pid_max is at most 2^22).
    static let impossiblePid: Int32 = 0x7fff_fff0

    /// State letters of every thread of `pid` (from /proc/PID/task/*/stat).
    static func threadStates(_ pid: Int32) -> [Int32: Character] {
        var states: [Int32: Character] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for name in tasks {
            guard let tid = Int32(name),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let rest = stat[stat.index(after: close)...].drop(while: { $0 == " " })
            if let state = rest.first { states[tid] = state }
        }
        return states
    }
}

/// A python started for a test and killed when the test is done.
///
/// With `grandchild: true` a `/bin/sh` starts it in the background and exits, so it is not this
/// process's child. A process that is both our child and our tracee would have its ptrace stops
/// collected by Foundation's blocking `waitpid(pid, ..., 0)` on its manager thread (any thread of
/// the tracer may wait), and production targets are never pyinspect's children anyway. The shell
/// must not `wait`: it inherits the test runner's signal mask with SIGCHLD blocked and would sleep
/// forever. For the same reason children are killed with SIGKILL (SIGTERM is blocked too).
final class SpawnedPython {
    let process: Process
    /// The python's pid (the line it printed when `grandchild`, else the child's pid).
    let pid: Int32
    /// The first line the script printed.
    let firstLine: String

    /// `script` must print one line starting with "ready" once it is set up; as a grandchild it
    /// must print "ready <pid>".
    init(python: String, script: String, grandchild: Bool = false) throws {
        process = Process()
        if grandchild {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\"$0\" -c \"$1\" &", python, script]
        } else {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", script]
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        firstLine = line
        if grandchild {
            let fields = line.split(separator: " ")
            pid = fields.count >= 2 ? Int32(fields[1]) ?? -1 : -1
        } else {
            pid = process.processIdentifier
        }
    }

    func stop() {
        if pid > 0 { kill(pid, SIGKILL) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
