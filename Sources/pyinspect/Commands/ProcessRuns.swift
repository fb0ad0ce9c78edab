import ArgumentParser
import HeapModel
import HeapRendering
import LinuxTarget

/// What became of one selected process in a run.
enum ProcessOutcome<Value> {
    /// Read, and handled by the command (`Value` is what it kept: a JSON document, a check result).
    case done(SelectedProcess, Value)
    /// A descendant found by `--children` that is not Python, or exited before it was read: not a failure.
    case skipped(SelectedProcess, reason: String)
    case failed(SelectedProcess, ReportedError)

    var process: SelectedProcess {
        switch self {
        case let .done(process, _), let .skipped(process, _), let .failed(process, _): return process
        }
    }
}

/// Reads each selected process in turn and hands the report to the command. Every process gets an
/// outcome; a failure is one line on stderr and the next process is still read — except an
/// interrupt (SIGINT/SIGTERM), which ends the run at once.
enum ProcessRuns {
    /// `prepare` runs before a process is read (a check that must not cost the target a pause).
    static func each<Value>(_ selected: [SelectedProcess], options: InspectionOptions,
                            prepare: (SelectedProcess) throws(ReportedError) -> Void = { _ in },
                            _ handle: (SelectedProcess, HeapReport) throws(ReportedError) -> Value) -> [ProcessOutcome<Value>] {
        var outcomes: [ProcessOutcome<Value>] = []
        for process in selected {
            do {
                try prepare(process)
                // On a thread of its own: whatever it could not release is released when it ends.
                let read = TracerThread.run { () -> Result<HeapReport, ReportedError> in
                    Result { () throws(ReportedError) in try LiveInspection.run(pid: process.pid, options: options) }
                }
                let report = try read.get()
                outcomes.append(.done(process, try handle(process, report)))
            } catch {
                let error = Self.gone(error, pid: process.pid)
                if let parent = process.parent, Self.skippable.contains(error.exit) {
                    let prefix = "pid \(process.pid): "
                    let why = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
                    let reason = "pid \(process.pid) (child of \(parent)): skipped: \(why)"
                    writeStderr("pyinspect: \(reason)")
                    outcomes.append(.skipped(process, reason: reason))
                    continue
                }
                writeStderr("pyinspect: \(error.message)")
                outcomes.append(.failed(process, error))
                if error.exit == .interrupted { break }
            }
        }
        return outcomes
    }

    /// Memory that could not be read consistently (16) from a process that is gone or a zombie
    /// now: it exited while it was read (15), the true cause — a worker recycled mid-read tears
    /// down its memory under the reader, which shows as unreadable pages.
    static func gone(_ error: ReportedError, pid: Int32) -> ReportedError {
        guard error.exit == .inconsistentMemory, ProcessStatus.read(pid).map({ $0.isZombie }) ?? true else { return error }
        return ReportedError(exit: .processExited, message: "pid \(pid): the process exited while it was being read")
    }

    /// What a descendant may be without failing the run: not Python (a shell, a helper binary),
    /// or gone (a worker recycled between listing and reading).
    static let skippable: Set<PyInspectExit> = [.notPython, .noSuchProcess, .processExited]

    /// The run's exit code: the most serious outcome, `extra` included (a `check` limit exceeded).
    static func exit<Value>(_ outcomes: [ProcessOutcome<Value>], also extra: PyInspectExit = .success) -> PyInspectExit {
        var codes = [extra]
        for case let .failed(_, error) in outcomes { codes.append(error.exit) }
        return PyInspectExit.mostSerious(codes)
    }

    /// Ends the command with the run's exit code (0 returns).
    static func finish(_ code: PyInspectExit) throws {
        if code != .success { throw ExitCode(code.rawValue) }
    }

    /// The JSON entry of a process that was not read (in arrays of reports and in `check`).
    static func entry<Value>(_ outcome: ProcessOutcome<Value>) -> JSONValue? {
        switch outcome {
        case .done: return nil
        case let .skipped(process, reason):
            return .object([("pid", .int(Int(process.pid))), ("status", .string("skipped")), ("reason", .string(reason))])
        case let .failed(process, error):
            return .object([("pid", .int(Int(process.pid))), ("status", .string("error")),
                            ("exit_code", .int(Int(error.exit.rawValue))), ("error", .string(error.message))])
        }
    }
}
