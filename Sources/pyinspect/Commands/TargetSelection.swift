import ArgumentParser
import LinuxTarget

/// The processes a command reads: pids given (as arguments or, the way py-spy users type them,
/// `-p/--pid`), and with `--children` every descendant of them.
struct TargetSelection: ParsableArguments {
    @Argument(help: "Process ids of running CPython 3.8–3.13 interpreters.")
    var pids: [Int32] = []

    @Option(name: [.customShort("p"), .customLong("pid")], help: "A process id, as py-spy takes it (repeatable; same as a PID argument).")
    var pidOptions: [Int32] = []

    @Flag(name: .long, help: "Also read every descendant of the given processes (the workers of a gunicorn or uvicorn master); children that are not Python, or exit before they are read, are reported as skipped.")
    var children = false

    var given: [Int32] { pids + pidOptions }

    /// More than one process may be read (a JSON array, `{pid}` in output paths).
    var isMultiple: Bool { given.count > 1 || children }

    func validate() throws {
        if given.isEmpty { throw ValidationError("give at least one PID") }
        if let bad = given.first(where: { $0 <= 0 }) { throw ValidationError("\(bad) is not a PID: a PID is a positive number") }
    }

    /// The given pids (a thread id becomes its process, and a note says so), then their
    /// descendants, each once.
    func resolve() -> [SelectedProcess] {
        var seen = Set<Int32>()
        var selected: [SelectedProcess] = []
        for pid in given {
            var process = pid
            if let status = ProcessStatus.read(pid), status.isThread {
                process = status.threadGroup
                writeStderr("pyinspect: \(pid) is a thread of process \(process) (\(status.name)): reading process \(process)")
            }
            if seen.insert(process).inserted { selected.append(SelectedProcess(pid: process, parent: nil)) }
        }
        if children {
            let roots = selected.map(\.pid)
            for (child, parent) in ProcessTree.descendantsWithParents(of: roots) where seen.insert(child).inserted {
                selected.append(SelectedProcess(pid: child, parent: parent))
            }
        }
        return selected
    }
}

/// One process to read, and how it was chosen.
struct SelectedProcess: Equatable {
    var pid: Int32
    /// For a descendant found by `--children`: its parent. Such a process may be skipped (it is not
    /// Python, or it exited first) where a pid the user named is an error.
    var parent: Int32?
}
