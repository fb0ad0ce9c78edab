import Foundation
import LinuxTarget
import RemoteMemory
import Testing

@Suite struct ThreadStopperTests {
    /// Main thread plus two: one spinning in Python code, one sleeping.
    static let threaded = """
    import os, threading, time
    def spin():
        n = 0
        while True:
            n += 1
    def nap():
        while True:
            time.sleep(0.01)
    threading.Thread(target=spin, daemon=True).start()
    threading.Thread(target=nap, daemon=True).start()
    while threading.active_count() < 3:
        time.sleep(0.01)
    print('ready', os.getpid(), flush=True)
    time.sleep(60)
    """

    // ptrace requests must all come from the thread that attached, so each test stops and
    // resumes synchronously with no suspension point in between.
    @Test(.enabled(if: Fixtures.exists(Fixtures.python312), "needs pyenv's 3.12.1 python"))
    func stopsAndResumesEveryThread() throws {
        let python = try SpawnedPython(python: Fixtures.python312, script: Self.threaded, grandchild: true)
        defer { python.stop() }
        try #require(python.pid > 0, "python did not report its pid: \(python.firstLine)")

        let stopper = try ThreadStopper.stop(pid: python.pid)
        #expect(stopper.isStopped)
        #expect(stopper.threadCount == 3)
        let stopped = Fixtures.threadStates(python.pid)
        #expect(stopped.count == 3)
        #expect(stopped.values.allSatisfy { $0 == "t" }, "states while stopped: \(stopped)")
        #expect(Set(stopper.stoppedThreads) == Set(stopped.keys))

        // Memory still reads while held.
        let image = try TargetProcess.open(pid: python.pid)
        let version = try #require(image.symbols["Py_Version"])
        let hex = try ProcessMemory(pid: python.pid).load(UInt64.self, at: version.address)
        #expect(hex == 0x030c_01f0)

        stopper.resume()
        #expect(!stopper.isStopped)
        let duration = try #require(stopper.pauseDuration)
        #expect(duration > .zero && duration < .seconds(30))
        let resumed = Fixtures.threadStates(python.pid)
        #expect(resumed.count == 3)
        #expect(resumed.values.allSatisfy { $0 != "t" && $0 != "T" }, "states after resume: \(resumed)")

        // Stopping again works, and dropping the stopper resumes.
        do {
            let again = try ThreadStopper.stop(pid: python.pid)
            #expect(again.threadCount == 3)
        }
        #expect(Fixtures.threadStates(python.pid).values.allSatisfy { $0 != "t" && $0 != "T" })
    }

    @Test(.enabled(if: Fixtures.exists(Fixtures.python312), "needs pyenv's 3.12.1 python"))
    func exitedProcessIsGone() throws {
        let python = try SpawnedPython(python: Fixtures.python312, script: Self.threaded, grandchild: true)
        try #require(python.pid > 0)
        python.stop()
        // Killed: a zombie until its new parent reaps it, then no process at all.
        for _ in 0..<200 where Fixtures.threadStates(python.pid).values.contains(where: { $0 != "Z" }) {
            usleep(10_000)
        }
        do {
            let stopper = try ThreadStopper.stop(pid: python.pid)
            Issue.record("stopped \(stopper.threadCount) threads of a dead process")
        } catch {
            #expect(error == .processGone(pid: python.pid) || error == .noSuchProcess(pid: python.pid))
        }
    }

    @Test("the budget bounds the pause: measured from the first seizing to the start of resuming",
          .enabled(if: Fixtures.exists(Fixtures.python312), "needs pyenv's 3.12.1 python"))
    func budgetAndMeasurements() throws {
        let python = try SpawnedPython(python: Fixtures.python312, script: Self.threaded, grandchild: true)
        defer { python.stop() }
        try #require(python.pid > 0, "python did not report its pid: \(python.firstLine)")

        let stopper = ThreadStopper(pid: python.pid, budget: .seconds(2))
        try stopper.stop()
        let start = try #require(stopper.pauseStart)
        #expect(stopper.deadline == start + 2_000_000_000)
        #expect(stopper.resumeNanoseconds == 0)
        stopper.resume()
        let resumeStart = try #require(stopper.resumeStart), end = try #require(stopper.pauseEnd)
        let held = try #require(stopper.holdStart)
        #expect(held >= start)
        #expect(stopper.stoppedNanoseconds == resumeStart - held)
        #expect(stopper.resumeNanoseconds == end - resumeStart)
        #expect(stopper.pauseDuration == .nanoseconds(Int64(end - start)))
        #expect(stopper.stoppedNanoseconds < 2_000_000_000)

        // No budget left: nothing is stopped, the failure says so, the pause is over at once.
        let starved = ThreadStopper(pid: python.pid, budget: .nanoseconds(1))
        do {
            try starved.stop()
            Issue.record("stopped \(starved.threadCount) threads with a budget of 1 ns")
        } catch {
            guard case .stopTimedOut(pid: python.pid, _, _) = error else {
                Issue.record("expected stopTimedOut, got \(error)")
                return
            }
        }
        #expect(!starved.isStopped)
        #expect(starved.resumeStart != nil)
        // Given up before a thread was seized: the target was never held.
        #expect(starved.holdStart == nil)
        #expect(starved.stoppedNanoseconds == 0)
        #expect(Fixtures.threadStates(python.pid).values.allSatisfy { $0 != "t" && $0 != "T" })
    }

    @Test func missingProcess() {
        #expect(throws: TargetError.noSuchProcess(pid: Fixtures.impossiblePid)) {
            try ThreadStopper.stop(pid: Fixtures.impossiblePid)
        }
    }
}
