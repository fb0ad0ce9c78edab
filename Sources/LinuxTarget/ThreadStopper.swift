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
    /// How long the whole pause may last (what is left of `--max-pause`): `stop()` gives up when
    /// the threads are not all stopped by then, and `deadline` tells the caller when to resume.
    public let budget: Duration
    /// How many times /proc/PID/task is listed looking for threads that appeared meanwhile.
    public let maxRounds: Int

    /// Threads currently held in a ptrace-stop, in the order they were stopped.
    public private(set) var stoppedThreads: [Int32] = []
    public var threadCount: Int { stoppedThreads.count }
    public var isStopped: Bool { !attached.isEmpty }

    /// CLOCK_MONOTONIC nanoseconds at the start of `stop()`, at the start and at the end of `resume()`.
    public private(set) var pauseStart: UInt64?
    public private(set) var resumeStart: UInt64?
    public private(set) var pauseEnd: UInt64?
    /// `pauseStart` plus `budget`: the latest the target may still be stopped.
    public private(set) var deadline: UInt64?
    /// Time the process was (being) held: from the start of `stop()` to the end of `resume()`, or
    /// to now while it is still stopped. nil before `stop()`.
    public var pauseDuration: Duration? {
        guard let start = pauseStart else { return nil }
        let end = pauseEnd ?? ProcFS.monotonicNanoseconds()
        return .nanoseconds(Int64(end &- start))
    }

    /// How long this (the tracer) thread waited for a CPU from just before stopping to just after
    /// resuming: time the target was held while pyinspect itself could not run. nil until resumed,
    /// or where the kernel keeps no such figure.
    public private(set) var cpuWaitNanoseconds: UInt64?
    private var runDelayBefore: UInt64?

    /// From the first thread's seizing to the start of resuming (or now): the pause `--max-pause`
    /// bounds. 0 when no thread was seized (a stop given up before it began never held the target).
    /// The deadline counts from the start of `stop()`, earlier, so this stays within the budget.
    public var stoppedNanoseconds: UInt64 {
        guard pauseStart != nil, let first = holdStart else { return 0 }
        return (resumeStart ?? ProcFS.monotonicNanoseconds()) &- first
    }
    /// CLOCK_MONOTONIC nanoseconds just before the first thread was seized (nil: none was).
    public private(set) var holdStart: UInt64?

    /// How long resuming (detaching every thread) took; 0 until it is done.
    public var resumeNanoseconds: UInt64 {
        guard let start = resumeStart, let end = pauseEnd else { return 0 }
        return end &- start
    }

    /// Seized threads (stopped or, transiently, on the way to a stop).
    private var attached: [Int32] = []
    /// Signals that arrived as a signal-delivery-stop instead of our interrupt stop; they are
    /// handed back to the thread on detach so the target still receives them.
    private var pendingSignals: [Int32: Int32] = [:]
    private var leaderExited = false
    /// The deadline less the resume reserve: when stopping gives up.
    private var stopBy: UInt64 = .max

    /// What listing /proc/PID/task is expected to cost until the first listing is measured (the
    /// caller may have timed one before the pause): a listing not expected to end in time is not started.
    public var expectedListingNanoseconds: UInt64 = 0
    /// Stopping gives up this long before the deadline, leaving time to resume (and for the first
    /// run of that code, which faults its pages in) within it.
    public var resumeReserveNanoseconds: UInt64 = 0

    public init(pid: Int32, budget: Duration = .seconds(5), maxRounds: Int = 100) {
        self.pid = pid
        self.budget = budget
        self.maxRounds = maxRounds
    }

    /// Creates a stopper and stops the process.
    public static func stop(pid: Int32, budget: Duration = .seconds(5)) throws(TargetError) -> ThreadStopper {
        let stopper = ThreadStopper(pid: pid, budget: budget)
        try stopper.stop()
        return stopper
    }

    deinit { resume() }

    /// Stops every thread. On failure every thread already stopped is resumed before throwing;
    /// `.stopTimedOut` when the budget ran out first (the thread it names had not stopped).
    public func stop() throws(TargetError) {
        if isStopped { return }
        runDelayBefore = ProcFS.runDelayNanoseconds()  // read before the pause starts: it costs time
        cpuWaitNanoseconds = nil
        let start = ProcFS.monotonicNanoseconds()
        pauseStart = start
        holdStart = nil
        resumeStart = nil
        pauseEnd = nil
        let end = Self.deadline(after: budget, from: start)
        deadline = end
        stopBy = end &- min(end, resumeReserveNanoseconds)
        leaderExited = false
        _ = pyi_set_timer_slack(1000)
        var vanished = Set<Int32>()
        var listing = expectedListingNanoseconds
        do throws(TargetError) {
            var round = 0
            while true {
                round += 1
                if round > maxRounds { throw TargetError.threadsKeepAppearing(pid: pid, rounds: maxRounds) }
                let known = Set(attached).union(vanished)
                let listed = ProcFS.monotonicNanoseconds()
                // Twice the last listing's cost: a margin for a slower one.
                if listed &+ listing &* 2 > stopBy { throw TargetError.stopTimedOut(pid: pid, tid: nil, state: nil) }
                let threads = try listThreads()
                listing = ProcFS.monotonicNanoseconds() &- listed
                let fresh = threads.filter { !known.contains($0) }
                // Every thread listed is stopped or gone, and a stopped thread cannot start new ones.
                if fresh.isEmpty { break }
                for tid in fresh {
                    if ProcFS.monotonicNanoseconds() >= stopBy { throw TargetError.stopTimedOut(pid: pid, tid: tid, state: nil) }
                    try stopThread(tid, vanished: &vanished)
                    if leaderExited { throw TargetError.processGone(pid: pid) }
                }
            }
            if stoppedThreads.isEmpty { throw TargetError.processGone(pid: pid) }
        } catch {
            resume()
            // The state once the others run again: "D" says why it could not stop (the read costs
            // time, so it is not taken while the target is held).
            if case let .stopTimedOut(pid, tid?, _) = error {
                throw TargetError.stopTimedOut(pid: pid, tid: tid, state: ProcFS.threadState(pid: pid, tid: tid))
            }
            throw error
        }
    }

    /// What one listing of /proc/PID/task takes now (the process runs), for `expectedListingNanoseconds`.
    public static func listingNanoseconds(pid: Int32) -> UInt64 {
        let started = ProcFS.monotonicNanoseconds()
        _ = try? ProcFS.listDirectory("/proc/\(pid)/task")
        return ProcFS.monotonicNanoseconds() &- started
    }

    /// `start` plus `budget`, saturating.
    static func deadline(after budget: Duration, from start: UInt64) -> UInt64 {
        let (seconds, attoseconds) = budget.components
        let nanoseconds = UInt64(max(0, seconds)).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow) = start.addingReportingOverflow(nanoseconds.partialValue &+ UInt64(max(0, attoseconds / 1_000_000_000)))
        return overflow || nanoseconds.overflow ? .max : total
    }

    /// Detaches every thread (letting them run). Safe to call more than once.
    public func resume() {
        if attached.isEmpty {
            // A stop that failed before seizing anything: its pause ends here, with nothing to detach.
            if pauseStart != nil, resumeStart == nil {
                resumeStart = ProcFS.monotonicNanoseconds()
                pauseEnd = resumeStart
                measureCPUWait()
            }
            return
        }
        resumeStart = ProcFS.monotonicNanoseconds()
        for tid in attached {
            detach(tid)
        }
        attached = []
        stoppedThreads = []
        pendingSignals = [:]
        pauseEnd = ProcFS.monotonicNanoseconds()
        measureCPUWait()
    }

    private func measureCPUWait() {
        if let before = runDelayBefore, let after = ProcFS.runDelayNanoseconds() { cpuWaitNanoseconds = after &- min(after, before) }
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
        if holdStart == nil { holdStart = ProcFS.monotonicNanoseconds() }
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
        switch try waitForStop(tid, deadline: stopBy) {
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

    /// Waits (polling, so a thread stuck in uninterruptible sleep cannot hang pyinspect) until the
    /// tracee reports a ptrace-stop or its exit, or `deadline` passes.
    ///
    /// A thread that is running stops within microseconds: the first polls spin. After that the
    /// thread is waiting for a CPU (perhaps this one), so the poll sleeps, briefly at first, never
    /// closer to the deadline than a wake-up may be late, and the last stretch spins again.
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
                let now = ProcFS.monotonicNanoseconds()
                if now >= deadline { throw .stopTimedOut(pid: pid, tid: tid, state: nil) }
                polls += 1
                let nap = min(UInt64(polls) * 2_000, 500_000)  // 2 us more each time, at most 0.5 ms
                if polls > 20, deadline - now > nap &+ Self.lateWakeup { Self.sleep(nanoseconds: nap) }
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == ECHILD { return .gone }
            throw .ptraceFailed(tid: tid, request: "waitpid", errno: code)
        }
    }

    /// No sleep this close to the deadline: on a busy machine a wake-up can come that late (up to
    /// milliseconds, measured, when the CPU went to another task meanwhile); the last stretch spins.
    static let lateWakeup: UInt64 = 500_000

    static func sleep(nanoseconds: UInt64) {
        var interval = timespec(tv_sec: 0, tv_nsec: Int(nanoseconds))
        _ = nanosleep(&interval, nil)
    }

    // MARK: - Resuming

    private func detach(_ tid: Int32) {
        let signal = pendingSignals[tid] ?? 0
        if pyi_ptrace_detach_signal(tid, signal) == 0 { return }
        guard errno == ESRCH else { return }
        // ESRCH: the thread is not in a ptrace-stop (seized but its stop not yet collected, e.g.
        // when stop() failed midway) or it has died. Collect its stop, or make one, then detach.
        _ = pyi_ptrace_interrupt(tid)
        let limit = ProcFS.monotonicNanoseconds() &+ 20_000_000
        guard let outcome = try? waitForStop(tid, deadline: limit) else {
            // Not stopped within 20 ms (uninterruptible sleep): leave it; the kernel detaches it
            // when the tracing thread exits (pyinspect reads on a `TracerThread`) or pyinspect does.
            return
        }
        if case .stopped(let late) = outcome {
            _ = pyi_ptrace_detach_signal(tid, signal != 0 ? signal : late)
        }
    }
}
