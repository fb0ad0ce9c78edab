import ArgumentParser

/// Every way pyinspect can end, with the exit code documented in the README. Codes 1–9 are left for
/// results (1: a `check` limit exceeded); errors use 10 and up, usage errors 64 (argument parser).
enum PyInspectExit: Int32, CaseIterable {
    case success = 0
    case limitExceeded = 1
    case noSuchProcess = 10
    case notPython = 11
    case permissionDenied = 12
    case unsupportedVersion = 13
    case freeThreaded = 14
    case processExited = 15
    case inconsistentMemory = 16
    case layoutMismatch = 17
    case outputFailed = 18
    case demoFailed = 19
    case noSuchCycle = 20
    case graphvizMissing = 21
    case badSnapshot = 22
    case newerSnapshot = 23
    case pauseLimit = 24
    case traversalDisagreement = 25
    case noSuchObject = 26
    case usage = 64
    case internalError = 70
    case interrupted = 130

    var code: ExitCode { ExitCode(rawValue) }

    var meaning: String {
        switch self {
        case .success: return "success"
        case .limitExceeded: return "a `check` limit was exceeded"
        case .noSuchProcess: return "no such process"
        case .notPython: return "the process is not a CPython interpreter"
        case .permissionDenied: return "permission denied (ptrace or /proc access)"
        case .unsupportedVersion: return "unsupported Python version"
        case .freeThreaded: return "free-threaded (no-GIL) build"
        case .processExited: return "the process exited while it was being read"
        case .inconsistentMemory: return "the target's gc structures could not be read consistently"
        case .layoutMismatch: return "no layout table fits the target (its _Py_DebugOffsets or its gc state disagree)"
        case .outputFailed: return "the output could not be written"
        case .demoFailed: return "the demo target could not be started"
        case .noSuchCycle: return "--cycle names a cycle shape the report does not have"
        case .graphvizMissing: return "--format svg needs Graphviz's `dot`, which is not installed"
        case .badSnapshot: return "the file is not a pyinspect snapshot, or it is truncated or damaged"
        case .newerSnapshot: return "the snapshot was written by a newer pyinspect (unknown schema), or is too old for the command (schema 1: no retainer paths)"
        case .pauseLimit: return "the read could not finish within --max-pause; the target was resumed"
        case .traversalDisagreement: return "--verify-traversal found a native plan that disagrees with the type's own tp_traverse"
        case .noSuchObject: return "`why` names an address that is no tracked object, or a type no tracked object has"
        case .usage: return "usage error"
        case .internalError: return "internal error"
        case .interrupted: return "interrupted (SIGINT or SIGTERM); the target was resumed"
        }
    }
}

extension PyInspectExit {
    /// With several processes the exit code is the most serious outcome, in this order (README,
    /// Exit codes): an interrupt or an output that could not be written ends the run; a `check`
    /// limit exceeded is a finding about a live process and is never hidden by a process that
    /// could not be read; then errors of pyinspect or of the target's memory, then reasons the
    /// process cannot be read, and last a process that is simply gone.
    static let severity: [PyInspectExit] = [
        .interrupted, .outputFailed, .limitExceeded, .traversalDisagreement, .internalError, .layoutMismatch, .inconsistentMemory, .pauseLimit,
        .permissionDenied, .unsupportedVersion, .freeThreaded, .noSuchCycle, .noSuchObject, .graphvizMissing, .notPython,
        .processExited, .noSuchProcess, .demoFailed, .badSnapshot, .newerSnapshot, .usage, .success,
    ]

    static func mostSerious(_ codes: [PyInspectExit]) -> PyInspectExit {
        codes.min { (severity.firstIndex(of: $0) ?? 0) < (severity.firstIndex(of: $1) ?? 0) } ?? .success
    }
}

/// An error already explained in one line; the command prints it and exits with its code.
struct ReportedError: Error {
    var exit: PyInspectExit
    var message: String
}
