import LinuxTarget
import Testing

/// The arithmetic of `--max-pause`: one limit for every attempt of a read, checked exactly as the
/// report will print it.
@Suite struct PauseBudgetTests {
    @Test func limitsInNanoseconds() {
        #expect(PauseBudget(limitSeconds: 1 * 0.001).limitNanoseconds == 1_000_000)
        #expect(PauseBudget(limitSeconds: 0.1 * 0.001).limitNanoseconds == 100_000)
        // 5.185 ms arrives as 0.0051849999999999995 s: the nearest nanosecond, not one less.
        #expect(PauseBudget(limitSeconds: 5.185 * 0.001).limitNanoseconds == 5_185_000)
        #expect(PauseBudget(limitSeconds: 5).limitNanoseconds == 5_000_000_000)
        #expect(PauseBudget(limitSeconds: 0).limitNanoseconds == 0)
        #expect(PauseBudget(limitSeconds: -1).limitNanoseconds == 0)
        #expect(PauseBudget(limitSeconds: .infinity).limitNanoseconds == 0)
    }

    @Test func attemptsShareOneLimit() {
        var budget = PauseBudget(limitSeconds: 0.001)
        #expect(budget.remainingNanoseconds == 1_000_000)
        #expect(budget.deadline(startingAt: 5_000) == 1_005_000)
        budget.record(stopped: 600_000, resume: 10_000)
        #expect(budget.remainingNanoseconds == 400_000)
        #expect(budget.deadline(startingAt: 5_000) == 405_000)
        #expect(budget.attempts == 1)
        #expect(budget.withinLimit)
        budget.record(stopped: 400_000, resume: 20_000)
        #expect(budget.remainingNanoseconds == 0)
        #expect(budget.withinLimit, "exactly the limit is within it")
        #expect(budget.heldSeconds == 1_030_000 / 1e9)
        #expect(budget.resumeSeconds == 30_000 / 1e9)
        budget.record(stopped: 1, resume: 0)
        #expect(budget.remainingNanoseconds == 0)
        #expect(!budget.withinLimit, "one nanosecond over is over")
        #expect(budget.attempts == 3)
    }

    @Test func deadlinesSaturate() {
        let budget = PauseBudget(limitSeconds: 5)
        #expect(budget.deadline(startingAt: .max - 10) == .max)
    }

    @Test("within the limit as the report prints it, not only in nanoseconds")
    func checkedInPrintedSeconds() {
        // 0.9999996 ms rounds to 1,000,000 ns; a pause of exactly that many is over the limit as given.
        var budget = PauseBudget(limitSeconds: 0.0009999996)
        #expect(budget.limitNanoseconds == 1_000_000)
        budget.record(stopped: 1_000_000, resume: 12_345)
        #expect(!budget.withinLimit)
        // What a reader of the JSON computes, for a pause within the limit.
        var fits = PauseBudget(limitSeconds: 0.001)
        fits.record(stopped: 999_999, resume: 777_777)
        #expect(fits.withinLimit)
        #expect(fits.heldSeconds - fits.resumeSeconds <= 0.001)
    }

    @Test func cpuWaitAddsUpWhenKnown() {
        var budget = PauseBudget(limitSeconds: 0.001)
        budget.record(stopped: 10, resume: 1)
        #expect(budget.cpuWaitNanoseconds == nil)
        budget.record(stopped: 10, resume: 1, cpuWait: 300)
        budget.record(stopped: 10, resume: 1, cpuWait: 200)
        #expect(budget.cpuWaitNanoseconds == 500)
    }
}
