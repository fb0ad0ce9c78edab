/// How long one read may keep the target stopped (`--max-pause`), in total over all its attempts
/// (a collection in progress, or a list caught mid-update, makes the read pause again).
///
/// An attempt's pause is measured from the start of stopping to the start of resuming (the
/// stopper's `stoppedNanoseconds`); the time resuming takes is counted apart. The read is within
/// the limit when the stopped time adds up to at most the limit, checked both in nanoseconds and
/// in the seconds the report prints (`pause_seconds - resume_seconds <= limit`, as a reader of the
/// JSON computes it), so that what is promised is what can be checked.
public struct PauseBudget: Sendable, Equatable {
    /// The limit as given, in seconds.
    public let limitSeconds: Double
    /// The limit in whole nanoseconds, the nearest (5.185 ms arrives as 0.0051849999… s).
    public let limitNanoseconds: UInt64
    /// Stopped time of the attempts so far, start of stopping to start of resuming.
    public private(set) var stoppedNanoseconds: UInt64 = 0
    /// Time the resumes of those attempts took (detaching every thread).
    public private(set) var resumeNanoseconds: UInt64 = 0
    /// Time pyinspect's own thread waited for a CPU during those pauses (nil: not known): what a
    /// pause that overran the limit between two checks was usually made of, on a busy machine.
    public private(set) var cpuWaitNanoseconds: UInt64?
    public private(set) var attempts = 0

    public init(limitSeconds: Double) {
        self.limitSeconds = limitSeconds
        let nanoseconds = (limitSeconds * 1e9).rounded()
        limitNanoseconds = nanoseconds.isFinite && nanoseconds > 0 ? UInt64(min(nanoseconds, 1e18)) : 0
    }

    /// What the next attempt may still use.
    public var remainingNanoseconds: UInt64 {
        limitNanoseconds > stoppedNanoseconds ? limitNanoseconds - stoppedNanoseconds : 0
    }

    /// The deadline of an attempt whose stopping starts at `start` (MonotonicClock nanoseconds).
    public func deadline(startingAt start: UInt64) -> UInt64 {
        let (sum, overflow) = start.addingReportingOverflow(remainingNanoseconds)
        return overflow ? .max : sum
    }

    /// Adds an attempt's stopped, resume and CPU-wait times.
    public mutating func record(stopped: UInt64, resume: UInt64, cpuWait: UInt64? = nil) {
        stoppedNanoseconds &+= stopped
        resumeNanoseconds &+= resume
        if let cpuWait { cpuWaitNanoseconds = (cpuWaitNanoseconds ?? 0) &+ cpuWait }
        attempts += 1
    }

    /// Total time the target was held, resumes included: the report's `pause_seconds`.
    public var heldSeconds: Double { Double(stoppedNanoseconds &+ resumeNanoseconds) / 1e9 }
    /// The report's `resume_seconds`.
    public var resumeSeconds: Double { Double(resumeNanoseconds) / 1e9 }

    /// The attempts so far stayed within the limit, exactly as the report will show them.
    public var withinLimit: Bool {
        stoppedNanoseconds <= limitNanoseconds && heldSeconds - resumeSeconds <= limitSeconds
    }
}
