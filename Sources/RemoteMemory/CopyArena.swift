import Glibc

/// Local memory for the copy of a paused target, mapped and faulted in *before* the pause.
///
/// Copying into freshly allocated memory makes the kernel fault in every destination page while
/// the target is stopped (about a third of the copy's time). An arena sized from the mappings seen
/// just before the pause moves that cost out of it: its pages are populated up front, on every
/// core (`MADV_POPULATE_WRITE`, Linux 5.14+, else one write per page). Huge pages are not asked
/// for: where the kernel must compact memory to find them, faulting them in stalls for 100 ms and
/// more. Blocks that do not fit (the target grew in between) fall back to ordinary allocations.
public final class CopyArena: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    public let capacity: Int
    public private(set) var used = 0

    /// Maps and pre-faults `bytes` (rounded up to 2 MiB); nil when the kernel refuses the mapping.
    public init?(bytes: Int) {
        let unit = 2 << 20
        let size = max(unit, (bytes + unit - 1) / unit * unit)
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapped != MAP_FAILED else { return nil }
        let shares = Parallel.ranges(of: size / unit, shares: min(Parallel.cores, 4))
        Parallel.run(shares: shares.count) { share in
            let start = mapped + shares[share].lowerBound * unit
            let length = shares[share].count * unit
            if madvise(start, length, Self.populateWrite) != 0 {
                for offset in stride(from: 0, to: length, by: 4096) { start.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self) }
            }
        }
        base = mapped
        capacity = size
    }

    /// `MADV_POPULATE_WRITE` (not in every libc's headers yet).
    static let populateWrite: Int32 = 23
    /// `count` bytes of the arena, 64-byte aligned, or nil when it is full.
    public func allocate(_ count: Int) -> UnsafeMutableRawPointer? {
        let start = (used + 63) & ~63
        guard count >= 0, start + count <= capacity else { return nil }
        used = start + count
        return base + start
    }

    deinit { munmap(base, capacity) }
}
