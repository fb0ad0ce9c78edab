import RemoteMemory

/// Runs one read's ptrace work on a thread of its own that ends with it. The kernel detaches every
/// tracee of a thread that exits (`exit_ptrace`), stop requests still pending included, so a
/// target thread that could not be stopped in time — stuck in uninterruptible sleep, it takes the
/// stop only when it wakes, perhaps minutes later — is let go when the read ends, not when
/// pyinspect exits (a `watch` or a `check` of many processes may run for hours).
public enum TracerThread {
    /// Calls `body` on a new thread and waits for it; the thread's tracees are released when it ends.
    /// (`body` escapes only formally: the thread is joined before this returns.)
    public static func run<T>(_ body: @escaping () -> T) -> T {
        // No thread to be had: run here; a pending stop then lasts until pyinspect exits, as before.
        guard let thread = DeadlineWorker() else { return body() }
        let result = Box<T>()
        thread.run { result.value = body() }
        thread.join()
        return result.value!
    }

    /// Written by the thread, read after the join.
    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }
}
