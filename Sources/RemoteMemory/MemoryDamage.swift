/// Damages a memory image the ways corrupt heaps are damaged — zero, all ones, huge counts,
/// negative sizes, pointers into the heap, at themselves, just past the end, unmapped, noise —
/// for the fuzz harnesses (the unit tests' synthetic heaps and `pyinspect fuzz` on a recording of
/// a real process). Deterministic for a seed, so a failure reproduces.
public struct MemoryDamage {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// SplitMix64.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value to write at `address`: one of the values that break readers.
    public mutating func value(at address: UInt64, pointers: [UInt64], heap: Range<UInt64>) -> UInt64 {
        switch next() % 11 {
        case 0: return 0
        case 1: return UInt64.max
        case 2: return 1 << 40
        case 3: return UInt64(bitPattern: -5)
        case 4: return pointers.isEmpty ? 0 : pointers[Int(next() % UInt64(pointers.count))]
        case 5: return address                 // a list that loops onto itself
        case 6: return address &- 8
        case 7: return heap.upperBound         // just past the end
        case 8: return 0xdead_0000_0000        // unmapped
        case 9: return heap.isEmpty ? 0 : (heap.lowerBound + next() % UInt64(heap.count)) & ~7
        default: return next()
        }
    }

    /// Writes 1–`maxWrites` damaging words into `image`, each at an aligned address inside one of
    /// `regions` — anywhere in them, or, when `aim` is given, within `near` bytes of one of those
    /// addresses (where objects are, damage matters).
    public mutating func damage(_ image: MemoryImage, regions: [Range<UInt64>], pointers: [UInt64], aim: [UInt64] = [],
                                near: UInt64 = 32, maxWrites: Int = 8) {
        let live = regions.filter { $0.count >= 8 }
        guard !live.isEmpty else { return }
        for _ in 0..<(1 + Int(next() % UInt64(maxWrites))) {
            var address: UInt64
            let region: Range<UInt64>
            if aim.isEmpty {
                region = live[Int(next() % UInt64(live.count))]
                address = region.lowerBound + next() % UInt64(region.count)
            } else {
                address = aim[Int(next() % UInt64(aim.count))] &- near &+ next() % (2 * near)
                guard let found = live.first(where: { $0.contains(address) }) else { continue }
                region = found
            }
            address &= ~7
            guard region.contains(address), region.contains(address + 7) else { continue }
            image.store(value(at: address, pointers: pointers, heap: region), at: address)
        }
    }
}
