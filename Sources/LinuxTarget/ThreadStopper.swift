#if canImport(Glibc)
import Glibc
#endif
import CPyInspectShims
import SystemPackage

/// Pauses every thread of a process so that its heap holds still while it is read, then lets it go.
///
/// It uses PTRACE_SEIZE + PTRACE_INTERRUPT, never SIGSTOP: the process's own signal state is left
/// alone, and if pyinspect dies for any reason the kernel detaches and resumes every thread.
///
/// All ptrace requests and waits for a tracee must come from the OS thread that attached it (the
/// tracer). So this type is used synchronously from one thread, in practice the main thread, with
/// no `await` between `stop()` and `resume()`; it is deliberately not `Sendable`. `deinit` resumes,
/// so the last reference must also be released on that thread.
public final class ThreadStopper {
    public let pid: Int32
    /// How long one thread may take to reach its stop before `stop()` gives up.
    public let stopTimeout: Duration
    /// How many times /proc/PID/task is listed looking for threads that appeared meanwhile.
    public let maxRounds: Int

    /// Threads currently held in a ptrace-stop, in the order they were stopped.
    public private(set) var stoppedThreads: [Int32] = []
    public var threadCount: Int { stoppedThreads.count }
    public var isStopped: Bool { !attached.isEmpty }

    /// CLOCK_MONOTONIC nanoseconds at the start of `stop()` and at the end of `resume()`.
    public private(set) var pauseStart: UInt64?
    public private(set) var pauseEnd: UInt64?
    /// Time the process was (being) held: from the start of `stop()` to the end of `resume()`, or
    /// to now while it is still stopped. nil before `stop()`.
    public var pauseDuration: Duration? {
        guard let start = pauseStart else { return nil }
        let end = pauseEnd ?? ProcFS.monotonicNanoseconds()
        return .nanoseconds(Int64(end &- start))
    }

    /// Seized threads (stopped or, transiently, on the way to a stop).
    private var attached: [Int32] = []
    /// Signals that arrived as a signal-delivery-stop instead of our interrupt stop; they are
    /// handed back to the thread on detach so the target still receives them.
    private var pendingSignals: [Int32: Int32] = [:]
    private var leaderExited = false

    public init(pid: Int32, stopTimeout: Duration = .seconds(5), maxRounds: Int = 100) {
        self.pid = pid
        self.stopTimeout = stopTimeout
        self.maxRounds = maxRounds
    }

    /// Creates a stopper and stops the process.
    public static func stop(pid: Int32, stopTimeout: Duration = .seconds(5)) throws(TargetError) -> ThreadStopper {
        let stopper = ThreadStopper(pid: pid, stopTimeout: stopTimeout)
        try stopper.stop()
        return stopper
    }

    deinit { resume() }

    /// Stops every thread. On failure every thread already stopped is resumed before throwing.
    public func stop() throws(TargetError) {
        if isStopped { return }
        pauseStart = ProcFS.monotonicNanoseconds()
        pauseEnd = nil
        leaderExited = false
        var vanished = Set<Int32>()
        do throws(TargetError) {
            var round = 0
            while true {
                round += 1
                if round > maxRounds { throw TargetError.threadsKeepAppearing(pid: pid, rounds: maxRounds) }
                let known = Set(attached).union(vanished)
                let fresh = try listThreads().filter { !known.contains($0) }
                // Every thread listed is stopped or gone, and a stopped thread cannot start new ones.
                if fresh.isEmpty { break }
                for tid in fresh {
                    try stopThread(tid, vanished: &vanished)
                    if leaderExited { throw TargetError.processGone(pid: pid) }
                }
            }
            if stoppedThreads.isEmpty { throw TargetError.processGone(pid: pid) }
        } catch {
            resume()
            throw error
        }
    }

    /// Detaches every thread (letting them run). Safe to call more than once.
    public func resume() {
        if attached.isEmpty { return }
        for tid in attached {
            detach(tid)
        }
        attached = []
        stoppedThreads = []
        pendingSignals = [:]
        pauseEnd = ProcFS.monotonicNanoseconds()
    }

    // MARK: - Stopping

    private func listThreads() throws(TargetError) -> [Int32] {
        do {
            return try ProcFS.listDirectory("/proc/\(pid)/task").compactMap { Int32($0) }.sorted()
        } catch {
            switch error {
            case .noSuchFileOrDirectory, .noSuchProcess:
                throw ProcFS.exists("/proc/\(pid)") || isStopped ? .processGone(pid: pid) : .noSuchProcess(pid: pid)
            case .permissionDenied, .notPermitted:
                throw TargetError.permission(pid: pid, "cannot list /proc/\(pid)/task (\(error))")
            default:
                throw .notReadable("/proc/\(pid)/task: \(error)")
            }
        }
    }

    private func stopThread(_ tid: Int32, vanished: inout Set<Int32>) throws(TargetError) {
        if pyi_ptrace_seize(tid) != 0 {
            let code = errno
            switch code {
            case ESRCH:
                vanished.insert(tid)
                if tid == pid { leaderExited = true }
                return
            case EPERM, EACCES:
                // A thread that is exiting (or a zombie leader) also refuses with EPERM.
                if let state = ProcFS.threadState(pid: pid, tid: tid), state != "Z", state != "X" {
                    if let tracer = ProcFS.tracerPid(of: tid), tracer != 0 {
                        throw TargetError.alreadyTraced(pid: pid, tracer: tracer, tracerName: ProcessStatus.name(of: tracer))
                    }
                    throw TargetError.permission(pid: pid, "ptrace(PTRACE_SEIZE) of thread \(tid) refused (errno \(code))")
                }
                vanished.insert(tid)
                return
            default:
                throw .ptraceFailed(tid: tid, request: "PTRACE_SEIZE", errno: code)
            }
        }
        attached.append(tid)
        if pyi_ptrace_interrupt(tid) != 0 {
            let code = errno
            // ESRCH: it died after the seize; the wait below collects its exit.
            if code != ESRCH { throw .ptraceFailed(tid: tid, request: "PTRACE_INTERRUPT", errno: code) }
        }
        switch try waitForStop(tid, deadline: deadline()) {
        case .stopped(let signal):
            stoppedThreads.append(tid)
            if signal != 0 { pendingSignals[tid] = signal }
        case .gone:
            attached.removeAll { $0 == tid }
            vanished.insert(tid)
            if tid == pid { leaderExited = true }
        }
    }

    private enum WaitOutcome {
        /// In a ptrace-stop; `signal` is non-zero for a signal-delivery-stop.
        case stopped(signal: Int32)
        /// Exited (and reaped by this wait) or no longer our tracee.
        case gone
    }

    private func deadline() -> UInt64 {
        let (seconds, attoseconds) = stopTimeout.components
        return ProcFS.monotonicNanoseconds() &+ UInt64(max(0, seconds)) * 1_000_000_000
            &+ UInt64(max(0, attoseconds / 1_000_000_000))
    }

    /// Waits (polling, so a thread stuck in uninterruptible sleep cannot hang pyinspect) until the
    /// tracee reports a ptrace-stop or its exit.
    ///
    /// The stop we asked for is PTRACE_EVENT_STOP (also what a group-stop looks like under SEIZE).
    /// A thread that had a signal on its way may report a signal-delivery-stop instead. That is a
    /// ptrace-stop too, and waiting again would block: a stopped tracee reports nothing more until
    /// it is restarted. So it counts as stopped, and the signal is remembered and passed to
    /// PTRACE_DETACH, which delivers it (detaching without it would swallow the signal). The
    /// interrupt still queued for that thread is cleared by the detach.
    private func waitForStop(_ tid: Int32, deadline: UInt64) throws(TargetError) -> WaitOutcome {
        var polls = 0
        while true {
            var status: Int32 = 0
            let result = pyi_waitpid_all(tid, &status, 1)
            if result == tid {
                if pyi_wifexited(status) != 0 || pyi_wifsignaled(status) != 0 { return .gone }
                if pyi_wifstopped(status) != 0 {
                    let event = pyi_ptrace_event(status)
                    if event == PYI_PTRACE_EVENT_STOP { return .stopped(signal: 0) }
                    if event == 0 { return .stopped(signal: pyi_wstopsig(status)) }
                    // Another event stop (unexpected: we set no options). Held all the same.
                    return .stopped(signal: 0)
                }
                continue
            }
            if result == 0 {
                if ProcFS.monotonicNanoseconds() > deadline {
                    let ms = Int(stopTimeout.components.seconds * 1000)
                        + Int(stopTimeout.components.attoseconds / 1_000_000_000_000_000)
                    throw .stopTimedOut(pid: pid, tid: tid, milliseconds: ms)
                }
                polls += 1
                if polls < 200 { sched_yield() } else { usleep(100) }
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == ECHILD { return .gone }
            throw .ptraceFailed(tid: tid, request: "waitpid", errno: code)
        }
    }

    // MARK: - Resuming

    private func detach(_ tid: Int32) {
        let signal = pendingSignals[tid] ?? 0
        if pyi_ptrace_detach_signal(tid, signal) == 0 { return }
        guard errno == ESRCH else { return }
        // ESRCH: the thread is not in a ptrace-stop (seized but its stop not yet collected, e.g.
        // when stop() failed midway) or it has died. Collect its stop, or make one, then detach.
        _ = pyi_ptrace_interrupt(tid)
        let limit = ProcFS.monotonicNanoseconds() &+ 1_000_000_000
        guard let outcome = try? waitForStop(tid, deadline: limit) else {
            // Still running after a second: leave it; the kernel detaches it when pyinspect exits.
            return
        }
        if case .stopped(let late) = outcome {
            _ = pyi_ptrace_detach_signal(tid, signal != 0 ? signal : late)
        }
    }
}
