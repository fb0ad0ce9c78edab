import Glibc
import RemoteMemory
import Testing

@Suite struct DeadlineWorkerTests {
    @Test func doneBeforeTheDeadline() throws {
        let worker = try #require(DeadlineWorker())
        nonisolated(unsafe) var ran = false
        worker.run { ran = true }
        #expect(worker.wait(until: MonotonicClock.nanoseconds() + 5_000_000_000))
        worker.join()
        #expect(ran)
    }

    /// The caller is back at the deadline, not when the work ends; the work still ends, then joins.
    @Test func deadlinePassesFirst() throws {
        let worker = try #require(DeadlineWorker())
        nonisolated(unsafe) var finished = false
        worker.run { usleep(300_000); finished = true }
        let start = MonotonicClock.nanoseconds()
        let deadline = start + 20_000_000
        #expect(!worker.wait(until: deadline))
        let back = MonotonicClock.nanoseconds()
        #expect(back >= deadline && back < start + 250_000_000, "back after \(back - start) ns")
        #expect(!finished)
        worker.join()
        #expect(finished)
    }

    @Test func joinWithoutWork() throws {
        let worker = try #require(DeadlineWorker())
        worker.join()
        worker.join()
    }
}
