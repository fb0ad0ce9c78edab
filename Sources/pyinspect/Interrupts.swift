import Glibc

/// While the target is stopped, SIGINT and SIGTERM set a flag instead of killing pyinspect: the
/// pause (milliseconds) finishes, pyinspect resumes the target itself, then stops with exit code
/// 130. Once the target runs again the default action is back, so Ctrl-C during the analysis ends
/// pyinspect at once. `watch` keeps the flag for its whole loop and stops after the current read,
/// with its totals. (SIGKILL cannot be caught; then the kernel resumes the target, because its
/// threads were seized with PTRACE_SEIZE.)
enum StopRequest {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0

    static var requested: Bool { flag != 0 }

    static func install() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in StopRequest.flag = 1 }
            sigaddset(&unblock, signalNumber)
        }
        // A parent may have started pyinspect with them blocked (they are inherited): unblock them.
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Back to the default: once the target runs again, Ctrl-C may end pyinspect at once.
    static func restoreDefault() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// Sleeps up to `seconds`, waking early when a stop is requested.
    static func sleep(seconds: Double) {
        let deadline = monotonicSeconds() + seconds
        while !requested {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return }
            usleep(UInt32(min(left, 0.1) * 1_000_000))
        }
    }
}
