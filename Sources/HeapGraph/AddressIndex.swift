/// Maps object addresses to node numbers: open addressing with linear probing, sized once for the
/// number of objects. Addresses are 16-byte aligned, so the low bits are dropped before a
/// Fibonacci multiply; a million lookups cost a few milliseconds, not the ~100 ms of a
/// SipHash-keyed `Dictionary`.
public struct AddressIndex: Sendable {
    /// Key and node side by side: a lookup costs one cache miss, not two.
    private struct Entry {
        var key: UInt64
        var node: Int32
    }
    private var entries: [Entry]
    private let shift: UInt64
    private let mask: Int

    public init(_ addresses: [UInt64]) {
        var capacity = 16
        while capacity < addresses.count * 2 { capacity <<= 1 }
        entries = [Entry](repeating: Entry(key: 0, node: -1), count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        for (node, address) in addresses.enumerated() where address != 0 {
            var slot = slotFor(address)
            while entries[slot].key != 0 && entries[slot].key != address { slot = (slot + 1) & mask }
            entries[slot] = Entry(key: address, node: Int32(node))
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
            let entry = entries[slot]
            if entry.key == address { return entry.node }
            if entry.key == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }
}
