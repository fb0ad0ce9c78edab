/// Why a read from the target failed. `unmapped` is expected (a stale or corrupt pointer) and is
/// usually counted and skipped; `processGone` and `permissionDenied` end the session.
public enum MemoryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No readable mapping holds [address, address+count), or the source refused it (EFAULT/EIO).
    case unmapped(address: UInt64, count: Int)
    /// The process exited or was reaped while we were reading it (ESRCH).
    case processGone
    /// The kernel refused access to the process (EPERM/EACCES).
    case permissionDenied(errno: Int32)
    /// A length or count read from the target is beyond what pyinspect is willing to trust.
    case limitExceeded(what: String, value: Int, limit: Int)
    /// Any other failure of the underlying source.
    case system(errno: Int32, address: UInt64)
    /// A copy with a deadline (what is left of `--max-pause`) was given up: the next call would
    /// not have ended in time. `copiedBytes` of `totalBytes` were read by then.
    case deadlinePassed(copiedBytes: Int, totalBytes: Int)

    public var description: String {
        switch self {
        case let .unmapped(address, count):
            return "cannot read \(count) bytes at 0x\(String(address, radix: 16)): not mapped in the target"
        case .processGone:
            return "the process exited while it was being read"
        case let .permissionDenied(errno):
            return "permission denied reading the process (errno \(errno))"
        case let .limitExceeded(what, value, limit):
            return "\(what) \(value) exceeds the limit \(limit)"
        case let .system(errno, address):
            return "read at 0x\(String(address, radix: 16)) failed (errno \(errno))"
        case let .deadlinePassed(copied, total):
            return "the copy was given up at its deadline (\(copied >> 20) of \(total >> 20) MiB read)"
        }
    }
}
