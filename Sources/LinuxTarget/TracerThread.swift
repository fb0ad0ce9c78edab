import CPyInspectShims
#if canImport(Glibc)
import Glibc
#endif

/// Runs one read's ptrace work on a thread of its own that ends with it. The kernel detaches every
/// tracee of a thread that exits (`exit_ptrace`), stop requests still pending included, so a
/// target thread that could not be stopped in time — stuck in uninterruptible sleep, it takes the
/// stop only when it wakes, perhaps minutes later — is let go when the read ends, not when
/// pyinspect exits (a `watch` or a `check` of many processes may run for hours).
public enum TracerThread {
    /// Calls `body` on a new thread and waits for it; the thread's tracees are released when it ends.
    /// (`body` escapes only formally: the thread is joined before this returns.)
    public static func run<T>(stackBytes: Int = 64 << 20, _ body: @escaping () -> T) -> T {
        let job = Job<T>(body)
        let context = Unmanaged.passRetained(job as AnyObject).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackBytes)
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { context in
            (Unmanaged<AnyObject>.fromOpaque(context!).takeRetainedValue() as! any Runnable).runOnce()
            return nil
        }, context)
        guard started == 0 else {
            // No thread to be had: run here; a pending stop then lasts until pyinspect exits, as before.
            Unmanaged<AnyObject>.fromOpaque(context).release()
            return body()
        }
        pthread_join(thread, nil)
        return job.result!
    }
}

private protocol Runnable: AnyObject { func runOnce() }

/// The closure and its result, handed to the thread by pointer; only one thread touches it at a time.
private final class Job<T>: Runnable, @unchecked Sendable {
    let body: () -> T
    var result: T?
    init(_ body: @escaping () -> T) { self.body = body }
    func runOnce() { result = body() }
}
