import Glibc

/// Local memory for the copy of a paused target, mapped and faulted in *before* the pause.
///
/// Copying into freshly allocated memory makes the kernel fault in every destination page while
/// the target is stopped (about a fifth of the copy's time at 2 GB/s). An arena sized from the
/// mappings seen just before the pause moves that cost out of it: its pages are asked to be huge
/// (one fault per 2 MiB where transparent huge pages allow it) and touched up front. Blocks that
/// do not fit (the target grew in between) fall back to ordinary allocations.
public final class CopyArena: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    public let capacity: Int
    public private(set) var used = 0

    /// Maps and pre-faults `bytes` (rounded up to 2 MiB); nil when the kernel refuses the mapping.
    public init?(bytes: Int) {
        let huge = 2 << 20
        let size = max(huge, (bytes + huge - 1) / huge * huge)
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapped != MAP_FAILED else { return nil }
        _ = madvise(mapped, size, MADV_HUGEPAGE)
        // One write per page faults it in now (per huge page where THP is enabled).
        var offset = 0
        while offset < size {
            mapped.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
            offset += 4096
        }
        base = mapped
        capacity = size
    }

    /// `count` bytes of the arena, 64-byte aligned, or nil when it is full.
    public func allocate(_ count: Int) -> UnsafeMutableRawPointer? {
        let start = (used + 63) & ~63
        guard count >= 0, start + count <= capacity else { return nil }
        used = start + count
        return base + start
    }

    deinit { munmap(base, capacity) }
}
