import ArgumentParser
import LinuxTarget

/// The processes a command reads: pids given, and with `--children` every descendant of them.
struct TargetSelection: ParsableArguments {
    @Argument(help: "Process ids of running CPython 3.8–3.13 interpreters.")
    var pids: [Int32] = []

    @Flag(name: .long, help: "Also read every descendant of the given processes (the workers of a gunicorn or uvicorn master).")
    var children = false

    func validate() throws {
        if pids.isEmpty { throw ValidationError("give at least one PID") }
        if pids.contains(where: { $0 <= 0 }) { throw ValidationError("a PID is a positive number") }
    }

    /// The given pids, then their descendants, each once.
    var resolved: [Int32] {
        var seen = Set<Int32>()
        var all = pids.filter { seen.insert($0).inserted }
        if children { all += ProcessTree.descendants(of: pids).filter { seen.insert($0).inserted } }
        return all
    }
}
