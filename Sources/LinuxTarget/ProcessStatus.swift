/// What /proc says of a pid before anything is attached: whether it exists, is a zombie, a kernel
/// thread or a thread of another process, and who traces it. Every command asks this first, so the
/// same cause gives the same exit code from `attach`, `check`, `snapshot`, `watch` and `doctor`.
public struct ProcessStatus: Sendable, Equatable {
    public var pid: Int32
    /// `comm`: the name the kernel keeps (at most 15 bytes).
    public var name: String
    /// R, S, D, T, t, Z, X, I ...
    public var state: Character
    public var parent: Int32
    /// `Tgid`: the process a thread id belongs to (equal to `pid` for a process).
    public var threadGroup: Int32
    /// PF_KTHREAD in the stat flags: a kernel thread has no memory of its own to read.
    public var isKernelThread: Bool
    /// `TracerPid`: 0 when nothing traces it.
    public var tracer: Int32

    /// PF_KTHREAD (include/linux/sched.h).
    static let kernelThreadFlag: UInt64 = 0x0020_0000

    /// `VmRSS` and `RssAnon` of /proc/PID/status, in bytes (nil when not read or not there).
    public var residentBytes: Int?
    public var residentAnonymousBytes: Int?

    public var isZombie: Bool { state == "Z" || state == "X" }
    public var isThread: Bool { threadGroup != pid }

    /// nil when there is no such process (or thread) now.
    public static func read(_ pid: Int32) -> ProcessStatus? {
        guard pid > 0, let stat = try? ProcFS.readText("/proc/\(pid)/stat"), var parsed = parse(stat: stat, pid: pid) else { return nil }
        if let status = try? ProcFS.readText("/proc/\(pid)/status") {
            parsed.threadGroup = field(status, "Tgid").flatMap { Int32($0) } ?? pid
            parsed.tracer = field(status, "TracerPid").flatMap { Int32($0) } ?? 0
            parsed.residentBytes = kilobytes(status, "VmRSS")
            parsed.residentAnonymousBytes = kilobytes(status, "RssAnon")
        }
        return parsed
    }

    /// Fields of /proc/PID/stat after the command name, which may hold spaces and parentheses:
    /// state (3), ppid (4), flags (9).
    static func parse(stat: String, pid: Int32) -> ProcessStatus? {
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), open < close else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 6, let state = fields[0].first, let parent = Int32(fields[1]), let flags = UInt64(fields[6]) else { return nil }
        return ProcessStatus(pid: pid, name: String(stat[stat.index(after: open)..<close]), state: state, parent: parent,
                             threadGroup: pid, isKernelThread: flags & kernelThreadFlag != 0, tracer: 0)
    }

    /// A `NAME:   123 kB` field, in bytes.
    static func kilobytes(_ status: String, _ name: String) -> Int? {
        field(status, name).flatMap { $0.split(separator: " ").first.flatMap { Int($0) } }.map { $0 * 1024 }
    }

    static func field(_ status: String, _ name: String) -> String? {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            return String(line.dropFirst(name.count + 1).trimmingSpaces)
        }
        return nil
    }

    /// The reason this pid cannot be read at all, whatever the permissions: the error every command
    /// gives for it. nil for a live user-space process.
    public var unreadableReason: TargetError? {
        if isZombie { return .zombie(pid: pid, parent: parent) }
        if isKernelThread { return .kernelThread(pid: pid, name: name) }
        return nil
    }

    /// The name of a tracer, for "traced by pid 812 (strace)".
    public static func name(of pid: Int32) -> String? {
        guard let text = try? ProcFS.readText("/proc/\(pid)/comm") else { return nil }
        let name = Substring(text).trimmingSpaces
        return name.isEmpty ? nil : String(name)
    }
}
