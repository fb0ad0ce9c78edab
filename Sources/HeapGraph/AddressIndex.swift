/// Maps object addresses to node numbers: open addressing with linear probing, sized once for the
/// number of objects. Addresses are 16-byte aligned, so the low bits are dropped before a
/// Fibonacci multiply; a million lookups cost a few milliseconds, not the ~100 ms of a
/// SipHash-keyed `Dictionary`.
public struct AddressIndex: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private let shift: UInt64
    private let mask: Int

    public init(_ addresses: [UInt64]) {
        var capacity = 16
        while capacity < addresses.count * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: capacity)
        values = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        for (node, address) in addresses.enumerated() where address != 0 {
            var slot = slotFor(address)
            while keys[slot] != 0 && keys[slot] != address { slot = (slot + 1) & mask }
            keys[slot] = address
            values[slot] = Int32(node)
        }
    }

    @inline(__always)
    private func slotFor(_ address: UInt64) -> Int {
        Int(truncatingIfNeeded: ((address >> 4) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The node of `address`, or nil.
    @inline(__always)
    public func node(of address: UInt64) -> Int32? {
        guard address != 0 else { return nil }
        var slot = slotFor(address)
        while true {
            let key = keys[slot]
            if key == address { return values[slot] }
            if key == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }
}
