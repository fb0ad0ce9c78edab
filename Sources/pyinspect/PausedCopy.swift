import HeapRendering
import LinuxTarget
import RemoteMemory

/// One attempt at copying a live target's writable memory while every thread is stopped, within
/// what is left of the read's `--max-pause` budget: stop, read /proc/PID/maps, copy, resume.
///
/// Each step is checked against the deadline (the start of stopping plus what is left): the stop
/// of each thread, the maps read before it starts (it must be expected to fit) and after it, and
/// the copy between calls (PacedCopy). A read that would go past the deadline is abandoned, the
/// target resumed at once and exit 24 reported; so is one whose measured pause (start of stopping
/// to start of resuming) came out longer than the limit although every check passed. On every
/// path the target is resumed before anything is reported.
enum PausedCopy {
    /// What is learnt before the pause: the size of the copy, and what listing the threads and
    /// reading the maps cost.
    struct Plan {
        var bytes: Int
        var listingNanoseconds: UInt64
        var mapsNanoseconds: UInt64
    }

    /// Reads the mappings as they are now (the target runs): the copy's size, with room for some
    /// growth before the pause (what does not fit in the arena is allocated during the copy).
    static func plan(pid: Int32) -> Plan {
        let listing = ThreadStopper.listingNanoseconds(pid: pid)
        let started = MonotonicClock.nanoseconds()
        guard let maps = try? ProcMaps.read(pid: pid) else { return Plan(bytes: 0, listingNanoseconds: listing, mapsNanoseconds: 0) }
        let mapsNanoseconds = MonotonicClock.nanoseconds() &- started
        let stacks = ThreadStackRegions(maps)
        let total = ProcMaps.regions(maps).filter { $0.writable && $0.readable && !stacks.contains($0) }.reduce(0) { $0 + Int($1.size) }
        return Plan(bytes: total + total / 32 + (2 << 20), listingNanoseconds: listing, mapsNanoseconds: mapsNanoseconds)
    }

    /// Kept free at the end of the budget for what follows the last check: ending the stop or the
    /// copy (the first run of that code faults its pages in), sealing, starting to resume. Measured
    /// on a busy 2-core VM: 15-45 us in a release build, up to 160 us in a debug build (the tests'),
    /// and up to 450 us there while the whole suite loads both cores (issue 12's library targets).
    #if DEBUG
    static let wrapUp: UInt64 = 600_000
    #else
    static let wrapUp: UInt64 = 100_000
    #endif

    /// What the copy thread found, read by the tracer once that thread is done.
    private final class CopyOutcome: @unchecked Sendable {
        var maps: [MapsEntry]?
        var snapshot: CachedMemory?
        var error: ReportedError?
        var copyError: MemoryError?
        /// The pause ran out before the copy began (no time left to read the maps and copy).
        var noTime = false
    }

    /// The sealed copy and the number of threads that were stopped. `budget` gets this attempt's
    /// stopped and resume times, whatever the outcome.
    ///
    /// The maps are read and the memory copied on a thread started before the pause
    /// (`DeadlineWorker`), while this thread — the tracer — waits for it only until the deadline:
    /// a copy call that overruns (a loaded machine can make one several times slower than the rate
    /// measured a moment before) does not hold the target, which is resumed on time; the call then
    /// ends on the running target and its copy is thrown away.
    static func take(pid: Int32, live: ProcessMemory, plan: Plan, arena: CopyArena?,
                     budget: inout PauseBudget) throws(ReportedError) -> (snapshot: CachedMemory, threads: Int) {
        let worker = DeadlineWorker()
        defer { worker?.join() }
        let stopper = ThreadStopper(pid: pid, budget: .nanoseconds(Int64(clamping: budget.remainingNanoseconds)))
        stopper.expectedListingNanoseconds = plan.listingNanoseconds
        stopper.resumeReserveNanoseconds = Self.wrapUp
        func record() {
            budget.record(stopped: stopper.stoppedNanoseconds, resume: stopper.resumeNanoseconds, cpuWait: stopper.cpuWaitNanoseconds)
        }
        do {
            try stopper.stop()  // resumes what it stopped when it fails
        } catch {
            record()
            if case let .stopTimedOut(_, tid, state) = error {
                throw PauseLimitExceeded(pid: pid, budget: budget, step: .stopping(tid: tid, state: state)).error
            }
            throw LiveInspection.describe(error, pid: pid)
        }
        let deadline = stopper.deadline ?? .max
        let threads = stopper.threadCount
        func resume() {
            stopper.resume()
            record()
        }

        let copyDeadline = deadline &- min(deadline, Self.wrapUp)
        let outcome = CopyOutcome()
        let copy = {
            // Mappings change as the target allocates: read them while it is stopped, when that
            // fits (twice what it took just before, a margin for a slower read).
            if MonotonicClock.nanoseconds() &+ plan.mapsNanoseconds &* 2 > copyDeadline { outcome.noTime = true; return }
            do {
                outcome.maps = try ProcMaps.read(pid: pid)
            } catch {
                outcome.error = LiveInspection.describe(error, pid: pid)
                return
            }
            if MonotonicClock.nanoseconds() > copyDeadline { outcome.noTime = true; return }
            let maps = outcome.maps!
            let snapshot = CachedMemory(base: live, regions: ProcMaps.regions(maps), arena: arena)
            outcome.snapshot = snapshot
            // The pause is one bulk copy of the writable memory (the copy floor); everything else,
            // the list walk included, reads the sealed copy after the target runs again.
            let stacks = ThreadStackRegions(maps)
            do throws(MemoryError) {
                try snapshot.prefetchWritable(deadline: copyDeadline) { !stacks.contains($0) }
            } catch {
                outcome.copyError = error
            }
        }
        var finished = true
        if let worker {
            worker.run(copy)
            // Given up half the wrap-up before the deadline, so that resuming starts by then.
            finished = worker.wait(until: deadline &- min(deadline, Self.wrapUp / 2))
        } else {
            copy()  // no thread to be had: the copy runs here, its calls still paced by the deadline
        }
        resume()
        if !finished {
            // Resumed on time; the copy thread ends its call on the running target, then it is joined.
            worker?.join()
            let copied = outcome.snapshot?.bytesCopied ?? 0
            throw PauseLimitExceeded(pid: pid, budget: budget, step: .copying(copied: copied, total: plan.bytes)).error
        }
        if let error = outcome.error { throw error }
        guard let snapshot = outcome.snapshot, !outcome.noTime else {
            throw PauseLimitExceeded(pid: pid, budget: budget, step: .beforeCopy).error
        }
        snapshot.seal()
        switch outcome.copyError {
        case let .deadlinePassed(copied, total)?:
            throw PauseLimitExceeded(pid: pid, budget: budget, step: .copying(copied: copied, total: total)).error
        case let error?:
            throw LiveInspection.describe(error, pid: pid)
        case nil:
            // Every check passed, but the end may still have come late: the measurement decides.
            if !budget.withinLimit {
                let copied = snapshot.bytesCopied
                throw PauseLimitExceeded(pid: pid, budget: budget, step: .copying(copied: copied, total: copied)).error
            }
        }
        return (snapshot, threads)
    }
}

/// The one line of exit 24: the limit, what was measured, and that the target runs again. Only
/// times, sizes and a thread id: no value from the target.
struct PauseLimitExceeded {
    enum Step {
        /// The budget ran out before thread `tid` stopped (nil: before the threads were listed again).
        case stopping(tid: Int32?, state: Character?)
        /// Stopped, but no time left to read the mappings and copy.
        case beforeCopy
        /// `copied` of `total` bytes were copied when the copy was given up (or, all of them, overran).
        case copying(copied: Int, total: Int)
    }

    var pid: Int32
    var budget: PauseBudget
    var step: Step

    var error: ReportedError { ReportedError(exit: .pauseLimit, message: message) }

    var message: String {
        var figures = "stopped \(Self.milliseconds(budget.stoppedNanoseconds)) ms"
        if budget.attempts > 1 { figures += " over \(budget.attempts) attempts" }
        switch step {
        case let .stopping(tid?, state):
            figures += "; thread \(tid) had not stopped" + TargetError.stateNote(state) + ";"
        case .stopping(nil, _):
            figures += " while stopping its threads;"
        case .beforeCopy:
            figures += ", before the copy,"
        case let .copying(copied, total):
            figures += ", \(byteSize(copied)) of \(byteSize(total)) copied,"
        }
        figures += " resumed in \(Self.milliseconds(budget.resumeNanoseconds)) ms"
        if let wait = budget.cpuWaitNanoseconds {
            figures += ", pyinspect waited \(Self.milliseconds(wait, roundingUp: false)) ms for a CPU"
        }
        return "pid \(pid): the read needed more than --max-pause \(Self.limitText(budget.limitNanoseconds)) (\(figures)); "
            + "the target was resumed (raise --max-pause, or read with --no-pause)"
    }

    /// Milliseconds with three decimals. The stopped time is rounded up to the microsecond and the
    /// CPU wait down, so that `stopped <= limit + wait` as stated holds for the measured figures too.
    static func milliseconds(_ nanoseconds: UInt64, roundingUp: Bool = true) -> String {
        let micros = nanoseconds / 1000 + (roundingUp && nanoseconds % 1000 != 0 ? 1 : 0)
        let fraction = String(micros % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// The limit as given: "1 ms", "0.05 ms", "5 s".
    static func limitText(_ nanoseconds: UInt64) -> String {
        let (unit, scale): (String, UInt64) = nanoseconds >= 1_000_000_000 ? ("s", 1_000_000_000) : ("ms", 1_000_000)
        var text = String(nanoseconds / scale)
        var rest = nanoseconds % scale
        if rest > 0 {
            var digits = ""
            var step = scale / 10
            while rest > 0, step > 0 {
                digits.append(Character(String(rest / step)))
                rest %= step
                step /= 10
            }
            text += "." + digits
        }
        return text + " " + unit
    }
}
