import Synchronization

/// Set by the first share of a bulk copy that gives up (deadline or error), so that the other
/// shares stop at their next call instead of holding a stopped target until their own check fails.
final class CopyAbandonment: Sendable {
    private let flag = Atomic<Bool>(false)
    func abandon() { flag.store(true, ordering: .relaxed) }
    var abandoned: Bool { flag.load(ordering: .relaxed) }
}

/// One reader's share of a bulk copy, in batched calls paced against a deadline (`--max-pause`).
///
/// Without a deadline a call takes up to 1024 ranges. With one, a call that is not expected to
/// end by the deadline is never started: the first call is a small probe that measures this
/// reader's rate; each later call takes what that rate says fits in a quarter of the time left
/// (so the deadline is checked several times before it comes, in ever smaller calls), and a
/// call's expected time is its bytes at the rate measured so far, with a margin. Ranges are cut
/// into pieces where a call ends; a range is done when all its pieces are.
struct PacedCopy {
    /// IOV_MAX: the most ranges one process_vm_readv call accepts.
    static let maxRangesPerCall = 1024
    /// The probe, and the smallest call worth making near the deadline.
    static let probeBytes = 64 << 10
    /// The largest call under a deadline (0.5-1 ms of copying): the copy checks its deadline at
    /// least that often. On a million-object heap (118 MiB) calls of 1 MiB, 4 MiB, 32 MiB and
    /// 1 GiB gave the same pause within noise (19.3-20.8 ms medians of 20-40 runs, busy 2-core VM).
    static let maxCallBytes = 4 << 20
    /// Before anything is measured: 1 ns per byte (1 GB/s), slower than the copies measured here (1.5-6 GB/s).
    static let assumedNanosecondsPerByte = 1.0
    /// A call is expected to take its bytes at the measured rate times this, plus the overhead.
    static let rateMargin = 1.5
    static let callOverheadNanoseconds = 20_000.0

    let reader: any MemoryReader
    /// CLOCK_MONOTONIC nanoseconds (MonotonicClock); nil: no limit.
    let deadline: UInt64?
    let abandonment: CopyAbandonment

    /// Calls made and the bytes they covered (read or refused by the source).
    private(set) var calls = 0
    private(set) var bytesCovered = 0
    private var busyNanoseconds: UInt64 = 0

    init(reader: any MemoryReader, deadline: UInt64?, abandonment: CopyAbandonment) {
        self.reader = reader
        self.deadline = deadline
        self.abandonment = abandonment
    }

    /// Per request, whether it was read completely. Throws `.deadlinePassed` (its byte counts
    /// are filled in by the caller, who knows every share) when a call would not end in time or
    /// another share gave up.
    mutating func copy(_ requests: ArraySlice<ReadRequest>, totalBytes: Int) throws(MemoryError) -> [Bool] {
        var done = [Bool](repeating: true, count: requests.count)
        var index = requests.startIndex
        var offset = 0
        var pieces: [ReadRequest] = []
        var owners: [Int] = []
        pieces.reserveCapacity(Self.maxRangesPerCall)
        owners.reserveCapacity(Self.maxRangesPerCall)
        // Each call settles at least one byte of one range, and every range is finite.
        while index < requests.endIndex {
            if abandonment.abandoned { throw MemoryError.deadlinePassed(copiedBytes: 0, totalBytes: totalBytes) }
            let budget = callBytes()
            pieces.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            var bytes = 0
            while index < requests.endIndex, bytes < budget, pieces.count < Self.maxRangesPerCall {
                let request = requests[index]
                let take = min(request.destination.count - offset, budget - bytes)
                if take > 0 {
                    let destination = UnsafeMutableRawBufferPointer(rebasing: request.destination[offset..<offset + take])
                    pieces.append(ReadRequest(address: request.address &+ UInt64(offset), destination: destination))
                    owners.append(index - requests.startIndex)
                    bytes += take
                    offset += take
                }
                if offset >= request.destination.count {
                    index += 1
                    offset = 0
                }
            }
            let started = MonotonicClock.nanoseconds()
            if let deadline, started &+ expectedNanoseconds(bytes) > deadline {
                abandonment.abandon()
                throw MemoryError.deadlinePassed(copiedBytes: 0, totalBytes: totalBytes)
            }
            let results: [Bool]
            do {
                results = try reader.readMany(pieces)
            } catch {
                abandonment.abandon()
                throw error
            }
            busyNanoseconds &+= MonotonicClock.nanoseconds() &- started
            calls += 1
            bytesCovered += bytes
            for (owner, ok) in zip(owners, results) where !ok { done[owner] = false }
        }
        return done
    }

    /// Bytes for the next call: everything (no deadline), the probe (nothing measured yet), or
    /// what fits in a quarter of the time left at the rate so far.
    private func callBytes() -> Int {
        guard let deadline else { return Int.max }
        guard calls > 0, bytesCovered > 0 else { return Self.probeBytes }
        let left = Double(deadline &- min(deadline, MonotonicClock.nanoseconds()))
        let fitting = left / 4 / nanosecondsPerByte
        return Int(min(Double(Self.maxCallBytes), max(Double(Self.probeBytes), fitting)))
    }

    private var nanosecondsPerByte: Double {
        bytesCovered > 0 && busyNanoseconds > 0 ? Double(busyNanoseconds) / Double(bytesCovered) : Self.assumedNanosecondsPerByte
    }

    private func expectedNanoseconds(_ bytes: Int) -> UInt64 {
        UInt64(Double(bytes) * nanosecondsPerByte * Self.rateMargin + Self.callOverheadNanoseconds)
    }
}

