#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Why pyinspect could not open, pause or describe a live process. Each case prints as one line.
public enum TargetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There is no /proc/PID.
    case noSuchProcess(pid: Int32)
    /// The process (or the thread group leader) exited while pyinspect was working on it.
    case processGone(pid: Int32)
    /// The kernel refused access. `hint` says what to do about it.
    case permissionDenied(pid: Int32, detail: String, hint: String)
    /// Something pyinspect needs could not be read (a /proc file, an ELF file).
    case notReadable(String)
    /// A ptrace request failed for a reason other than a vanished thread or a permission problem.
    case ptraceFailed(tid: Int32, request: String, errno: Int32)
    /// The pause budget ran out before thread `tid` reached its ptrace-stop (e.g. it is stuck in
    /// uninterruptible sleep; nil: before the next listing of the threads); `state` is its /proc
    /// state letter afterwards, when it could be read.
    case stopTimedOut(pid: Int32, tid: Int32?, state: Character?)
    /// Threads kept appearing after every round of stopping.
    case threadsKeepAppearing(pid: Int32, rounds: Int)

    public var description: String {
        switch self {
        case let .noSuchProcess(pid):
            return "no process with pid \(pid)"
        case let .processGone(pid):
            return "process \(pid) exited while pyinspect was attaching to it"
        case let .permissionDenied(pid, detail, hint):
            return "permission denied for process \(pid): \(detail). \(hint)"
        case let .notReadable(what):
            return "cannot read \(what)"
        case let .ptraceFailed(tid, request, errno):
            return "\(request) on thread \(tid) failed: \(Errno(rawValue: errno))"
        case let .stopTimedOut(pid, tid?, state):
            return "thread \(tid) of process \(pid) had not stopped when the pause budget ran out" + Self.stateNote(state)
        case let .stopTimedOut(pid, nil, _):
            return "the pause budget ran out before every thread of process \(pid) was stopped"
        case let .threadsKeepAppearing(pid, rounds):
            return "process \(pid) kept starting new threads through \(rounds) rounds of stopping"
        }
    }

    /// ` (state D: uninterruptible sleep)` and the like, for a thread that would not stop.
    public static func stateNote(_ state: Character?) -> String {
        guard let state else { return "" }
        switch state {
        case "D": return " (state D: uninterruptible sleep)"
        case "R": return " (state R: running)"
        case "S": return " (state S: sleeping)"
        default: return " (state \(state))"
        }
    }

    /// What to do about a refused attach or read, adapted to this machine's Yama setting.
    public static func permissionHint() -> String {
        var parts = ["run pyinspect as the target's user or with sudo",
                     "in a container, start it with --cap-add=SYS_PTRACE"]
        let scopePath = "/proc/sys/kernel/yama/ptrace_scope"
        if let text = try? ProcFS.readText(scopePath), let scope = Int(Substring(text).trimmingSpaces) {
            switch scope {
            case 0:
                parts.append("kernel.yama.ptrace_scope is 0, so Yama is not the cause")
            case 3:
                parts.append("kernel.yama.ptrace_scope is 3: attaching is disabled until reboot, even for root")
            default:
                parts.append("kernel.yama.ptrace_scope is \(scope): run as root, or `sudo sysctl kernel.yama.ptrace_scope=0`")
            }
        } else {
            parts.append("(\(scopePath) does not exist: no Yama restriction)")
        }
        return parts.joined(separator: "; ")
    }

    static func permission(pid: Int32, _ detail: String) -> TargetError {
        .permissionDenied(pid: pid, detail: detail, hint: permissionHint())
    }
}
