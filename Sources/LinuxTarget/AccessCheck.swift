import CPyInspectShims
import RemoteMemory
import Glibc

/// What `pyinspect doctor` finds: whether this process may read another one, and why not. Each
/// finding is a fact with a verdict (nil when it is only information).
public struct AccessFinding: Sendable, Equatable {
    public var ok: Bool?
    public var subject: String
    public var detail: String

    public init(ok: Bool?, subject: String, detail: String) {
        self.ok = ok
        self.subject = subject
        self.detail = detail
    }
}

public enum AccessCheck {
    /// CAP_SYS_PTRACE is capability 19.
    static let sysPtrace = 19

    /// This process: who it runs as, its capabilities, Yama, seccomp, whether it is in a container.
    public static func system() -> [AccessFinding] {
        var findings: [AccessFinding] = []
        let status = (try? ProcFS.readText("/proc/self/status")) ?? ""
        let uid = geteuid()
        let capable = capabilityEffective(status, sysPtrace)
        findings.append(AccessFinding(ok: nil, subject: "user", detail: uid == 0 ? "root (uid 0)" : "uid \(uid), not root"))
        findings.append(AccessFinding(ok: capable || uid == 0 ? true : nil, subject: "CAP_SYS_PTRACE",
                                      detail: capable ? "in the effective set: any process of any user can be read (Yama permitting)"
                                          : "not held: only processes of uid \(uid) can be read"))
        if let text = try? ProcFS.readText("/proc/sys/kernel/yama/ptrace_scope"), let scope = Int(Substring(text).trimmingSpaces) {
            let (ok, meaning): (Bool, String) = switch scope {
            case 0: (true, "0 (classic): same-user processes can be read")
            case 1: (capable, "1 (restricted): only descendants, unless CAP_SYS_PTRACE" + (capable ? " (held)" : "; run with sudo, or `sudo sysctl kernel.yama.ptrace_scope=0`"))
            case 2: (capable, "2 (admin only): CAP_SYS_PTRACE needed" + (capable ? " (held)" : "; run with sudo"))
            default: (false, "\(scope) (no attach): ptrace is disabled until reboot, even for root")
            }
            findings.append(AccessFinding(ok: ok, subject: "kernel.yama.ptrace_scope", detail: meaning))
        } else {
            findings.append(AccessFinding(ok: true, subject: "kernel.yama.ptrace_scope", detail: "no Yama: no restriction beyond user and capabilities"))
        }
        if let mode = field(status, "Seccomp"), mode != "0" {
            findings.append(AccessFinding(ok: nil, subject: "seccomp", detail: "a seccomp filter is active (mode \(mode)); a container runtime's default profile may refuse ptrace and process_vm_readv — start the container with --cap-add=SYS_PTRACE (Docker then allows them)"))
        }
        if let container = containerHint() {
            findings.append(AccessFinding(ok: nil, subject: "container", detail: "pyinspect runs in a container (\(container)): it sees only that container's processes unless started with --pid=host or --pid=container:NAME"))
        }
        return findings
    }

    /// One process: does it exist, may it be read (process_vm_readv) and seized (PTRACE_SEIZE, which
    /// does not stop it; it is detached again at once), is it already traced, which namespace is it in.
    public static func process(_ pid: Int32) -> [AccessFinding] {
        guard ProcFS.exists("/proc/\(pid)") else {
            return [AccessFinding(ok: false, subject: "pid \(pid)", detail: "no such process")]
        }
        var findings: [AccessFinding] = []
        let status = (try? ProcFS.readText("/proc/\(pid)/status")) ?? ""
        let owner = field(status, "Uid").flatMap { $0.split(separator: "\t").first.map(String.init) } ?? "?"
        findings.append(AccessFinding(ok: nil, subject: "pid \(pid)", detail: "\(field(status, "Name") ?? "?"), uid \(owner), state \(field(status, "State") ?? "?")"))
        if let namespaced = namespacePids(status), namespaced.count > 1 {
            findings.append(AccessFinding(ok: nil, subject: "pid namespace", detail: "pid \(namespaced.last!) in its own namespace; its files are read through /proc/\(pid)/root"))
        }
        let tracer = ProcFS.tracerPid(of: pid) ?? 0
        if tracer != 0 {
            let name = ProcessStatus.name(of: tracer).map { " (\($0))" } ?? ""
            findings.append(AccessFinding(ok: false, subject: "tracer", detail: "already traced by pid \(tracer)\(name), and a process has only one tracer: stop or detach it first, or read with --no-pause"))
        }
        do {
            let maps = try ProcMaps.read(pid: pid)
            findings.append(AccessFinding(ok: true, subject: "/proc/\(pid)/maps", detail: "readable (\(maps.count) mappings)"))
            if let region = maps.first(where: { $0.readable && $0.end > $0.start }) {
                do {
                    _ = try ProcessMemory(pid: pid).load(UInt64.self, at: region.start)
                    findings.append(AccessFinding(ok: true, subject: "process_vm_readv", detail: "its memory can be read"))
                } catch {
                    findings.append(AccessFinding(ok: false, subject: "process_vm_readv", detail: "refused: \(error); \(TargetError.permissionHint())"))
                }
            }
        } catch {
            findings.append(AccessFinding(ok: false, subject: "/proc/\(pid)/maps", detail: "\(error)"))
        }
        if tracer != 0 {
            findings.append(AccessFinding(ok: false, subject: "PTRACE_SEIZE", detail: "not tried: pid \(tracer) traces it"))
        } else if pyi_ptrace_seize(pid) == 0 {
            _ = pyi_ptrace_detach(pid)
            findings.append(AccessFinding(ok: true, subject: "PTRACE_SEIZE", detail: "allowed: its threads can be paused for a read (seized and detached again, never stopped)"))
        } else {
            let error = errno
            findings.append(AccessFinding(ok: false, subject: "PTRACE_SEIZE", detail: "refused: \(String(cString: strerror(error))); \(TargetError.permissionHint()) (or read with --no-pause)"))
        }
        return findings
    }

    /// `NSpid:` of /proc/PID/status: the pid in each nested namespace, outermost first.
    public static func namespacePids(_ status: String) -> [Int32]? {
        field(status, "NSpid").map { $0.split(whereSeparator: { $0 == "\t" || $0 == " " }).compactMap { Int32($0) } }
    }

    /// The pid of `pid` in its own (innermost) namespace, when that differs.
    public static func namespacePid(of pid: Int32) -> Int32? {
        guard let status = try? ProcFS.readText("/proc/\(pid)/status"), let pids = namespacePids(status),
              let inner = pids.last, inner != pid else { return nil }
        return inner
    }

    static func field(_ status: String, _ name: String) -> String? { ProcessStatus.field(status, name) }

    static func capabilityEffective(_ status: String, _ capability: Int) -> Bool {
        guard let hex = field(status, "CapEff"), let mask = UInt64(hex, radix: 16) else { return false }
        return mask & (1 << UInt64(capability)) != 0
    }

    static func containerHint() -> String? {
        if ProcFS.exists("/.dockerenv") { return "/.dockerenv" }
        if ProcFS.exists("/run/.containerenv") { return "/run/.containerenv" }
        if let cgroup = try? ProcFS.readText("/proc/1/cgroup"),
           let word = ["docker", "kubepods", "containerd", "libpod", "lxc"].first(where: { cgroup.contains($0) }) {
            return "/proc/1/cgroup mentions \(word)"
        }
        return nil
    }
}
