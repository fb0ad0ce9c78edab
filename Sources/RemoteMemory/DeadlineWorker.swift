import Glibc

/// A thread started ahead of time that runs one piece of work when told, while the caller waits
/// for it until it is done (`join`) or only until a deadline (`wait(until:)`). The pause's copy runs on one: a `process_vm_readv` call cannot be
/// cut short, and on a loaded machine one can take several times longer than the rate measured a
/// moment before; the tracer does not wait for it past the deadline but resumes the target, and
/// the copy then ends on a running target (read-only, its result thrown away).
public final class DeadlineWorker: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var work: (() -> Void)?
    private var done = false
    private var thread = pthread_t()
    private var started = false
    private var joined = false

    /// Starts the thread, which waits for `run`. nil when no thread can be had.
    public init?() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
        let context = Unmanaged.passRetained(self).toOpaque()
        guard pthread_create(&thread, nil, { context in
            let worker = Unmanaged<DeadlineWorker>.fromOpaque(context!).takeRetainedValue()
            worker.serve()
            return nil
        }, context) == 0 else {
            Unmanaged<DeadlineWorker>.fromOpaque(context).release()
            return nil
        }
        started = true
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    private func serve() {
        pthread_mutex_lock(&mutex)
        while work == nil { pthread_cond_wait(&condition, &mutex) }
        let job = work!
        pthread_mutex_unlock(&mutex)
        job()
        pthread_mutex_lock(&mutex)
        done = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Hands `job` to the thread (once).
    public func run(_ job: @escaping () -> Void) {
        pthread_mutex_lock(&mutex)
        work = job
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Waits until the job is done or the CLOCK_MONOTONIC `deadline` (nanoseconds) passes; true when
    /// done. The last `spinning` nanoseconds are spent polling, not asleep: on a loaded VM a timed
    /// wake-up can come tens of microseconds late, and none of that shows as waiting for a CPU.
    public func wait(until deadline: UInt64, spinning: UInt64 = 500_000) -> Bool {
        let sleepUntil = deadline &- min(deadline, spinning)
        var limit = timespec(tv_sec: Int(sleepUntil / 1_000_000_000), tv_nsec: Int(sleepUntil % 1_000_000_000))
        pthread_mutex_lock(&mutex)
        while !done {
            if pthread_cond_timedwait(&condition, &mutex, &limit) == ETIMEDOUT { break }
        }
        var finished = done
        pthread_mutex_unlock(&mutex)
        while !finished && MonotonicClock.nanoseconds() < deadline {
            pthread_mutex_lock(&mutex)
            finished = done
            pthread_mutex_unlock(&mutex)
        }
        return finished
    }

    /// Waits for the job to end (it must have been given one) and for the thread; idempotent.
    public func join() {
        guard started, !joined else { return }
        if work == nil { run({}) }
        pthread_join(thread, nil)
        joined = true
    }
}
