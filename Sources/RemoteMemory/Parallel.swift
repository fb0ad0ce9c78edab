import Dispatch
import Glibc

/// Splits work across the machine's cores. The copy of a paused target and the reference
/// extraction are both bound by memory latency, which one core alone cannot saturate.
public enum Parallel {
    /// Online cores, at most 8.
    public static let cores = max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

    /// Runs `body(share)` for every share in `0..<shares`, each on its own thread, and returns
    /// when all are done. `body` must only touch what its share owns.
    public static func run(shares: Int, _ body: (Int) -> Void) {
        guard shares > 1 else {
            if shares == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: shares) { work.value($0) }
        }
    }
}

extension Parallel {
    /// `body(share)` for every share, computed in parallel, in share order.
    public static func map<T>(shares: Int, _ body: (Int) -> T) -> [T] {
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: max(shares, 0))
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        run(shares: shares) { results[$0] = body($0) }
        return results.map { $0! }
    }

    /// `0..<count` cut into `shares` contiguous ranges of nearly equal size.
    public static func ranges(of count: Int, shares: Int) -> [Range<Int>] {
        let shares = max(1, shares)
        return (0..<shares).map { count * $0 / shares..<count * ($0 + 1) / shares }
    }
}

/// Hands a value to the threads of `Parallel.run`, whose callers guarantee each thread touches
/// only its own part.
private final class UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
