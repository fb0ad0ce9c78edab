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
    /// It has exited, but its parent has not collected its exit status: a pid with no memory.
    case zombie(pid: Int32, parent: Int32)
    /// A kernel thread (kthreadd, kworker/...): no user memory, no Python.
    case kernelThread(pid: Int32, name: String)
    /// A debugger or profiler already traces it, so it cannot be seized (a process has one tracer).
    case alreadyTraced(pid: Int32, tracer: Int32, tracerName: String?)

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
        case let .zombie(pid, parent):
            return "process \(pid) has exited (a zombie: its parent, pid \(parent), has not reaped it)"
        case let .kernelThread(pid, name):
            return "process \(pid) is a kernel thread (\(name)), not a Python process"
        case let .alreadyTraced(pid, tracer, name):
            return "process \(pid) is already traced by pid \(tracer)\(name.map { " (\($0))" } ?? "") and a process can have "
                + "only one tracer: stop or detach that one first, or read with --no-pause"
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

    /// What to do about a refused attach or read: what applies to this user, its capabilities and
    /// this machine's Yama setting (no "sudo" advice to root).
    public static func permissionHint() -> String {
        let scope = (try? ProcFS.readText("/proc/sys/kernel/yama/ptrace_scope")).flatMap { Int(Substring($0).trimmingSpaces) }
        if scope == 3 { return "kernel.yama.ptrace_scope is 3: attaching is disabled until reboot, even for root" }
        let status = (try? ProcFS.readText("/proc/self/status")) ?? ""
        let capable = AccessCheck.capabilityEffective(status, AccessCheck.sysPtrace)
        if geteuid() != 0 && !capable {
            var hint = "run pyinspect as the target's user or with sudo"
            if let scope, scope > 0 { hint += " (kernel.yama.ptrace_scope is \(scope): same-user reads need sudo too, or `sudo sysctl kernel.yama.ptrace_scope=0`)" }
            return hint
        }
        if !capable {
            return "pyinspect runs as root but without CAP_SYS_PTRACE: in a container, start it with --cap-add=SYS_PTRACE"
        }
        return "pyinspect already runs with CAP_SYS_PTRACE, so the kernel protects this process itself: it is not dumpable "
            + "(a setuid program, or one that called prctl(PR_SET_DUMPABLE, 0)), it belongs to a parent user namespace, "
            + "or a security module (AppArmor, SELinux) denies ptrace"
    }

    static func permission(pid: Int32, _ detail: String) -> TargetError {
        .permissionDenied(pid: pid, detail: detail, hint: permissionHint())
    }
}
