import CPrefetch

/// Maps object addresses to node numbers: open addressing with linear probing, sized once for the
/// number of objects (1.6 slots per object, not rounded up to a power of two: at ten million
/// objects that rounding alone would cost 250 MB). The low bits are dropped before a Fibonacci
/// multiply whose high half picks the slot.
///
/// `AddressIndex`'s fallback, for address sets its rank bitmap cannot hold: addresses that are not
/// 16-byte aligned, duplicates (a damaged list), or objects scattered so thinly that the bitmap
/// would outweigh the table. Every lookup here is a cache miss in a table of 16 bytes per slot.
struct HashedAddressTable: Sendable {
    /// Key and node side by side: a lookup costs one cache miss, not two.
    private struct Entry {
        var key: UInt64
        var node: Int32
    }
    private var entries: [Entry]
    private let capacity: UInt64

    init(_ addresses: [UInt64]) {
        let capacity = max(16, addresses.count + addresses.count / 2 + addresses.count / 10)
        self.capacity = UInt64(capacity)
        entries = [Entry](repeating: Entry(key: 0, node: -1), count: capacity)
        for (node, address) in addresses.enumerated() where address != 0 {
            var slot = slotFor(address)
            while entries[slot].key != 0 && entries[slot].key != address { slot = next(slot) }
            entries[slot] = Entry(key: address, node: Int32(node))
        }
    }

    @inline(__always)
    private func slotFor(_ address: UInt64) -> Int {
        Int(truncatingIfNeeded: ((address >> 4) &* 0x9E37_79B9_7F4A_7C15).multipliedFullWidth(by: capacity).high)
    }

    @inline(__always)
    private func next(_ slot: Int) -> Int {
        slot + 1 == Int(truncatingIfNeeded: capacity) ? 0 : slot + 1
    }

    /// `AddressIndex.resolve`'s contract. Slots are prefetched a few lookups ahead, so the cache
    /// misses of a large table overlap.
    func resolve(_ addresses: UnsafeBufferPointer<UInt64>, ends: UnsafeBufferPointer<Int>, targets: UnsafeMutablePointer<Int32>,
                 groupEnds: UnsafeMutablePointer<Int32>, base: Int32) -> Int {
        let lookahead = 12
        var written = 0, group = 0
        entries.withUnsafeBufferPointer { entries in
            for position in 0..<min(lookahead, addresses.count) {
                pyi_prefetch(entries.baseAddress! + slotFor(addresses[position]))
            }
            for position in 0..<addresses.count {
                while group < ends.count && ends[group] == position {
                    groupEnds[group] = base + Int32(written)
                    group += 1
                }
                if position + lookahead < addresses.count {
                    pyi_prefetch(entries.baseAddress! + slotFor(addresses[position + lookahead]))
                }
                let address = addresses[position]
                guard address != 0 else { continue }
                var slot = slotFor(address)
                while true {
                    let entry = entries[slot]
                    if entry.key == address {
                        targets[written] = entry.node
                        written += 1
                        break
                    }
                    if entry.key == 0 { break }
                    slot = next(slot)
                }
            }
        }
        while group < ends.count {
            groupEnds[group] = base + Int32(written)
            group += 1
        }
        return written
    }

    /// The node of `address`, or nil.
    @inline(__always)
    func node(of address: UInt64) -> Int32? {
        guard address != 0 else { return nil }
        var slot = slotFor(address)
        while true {
            let entry = entries[slot]
            if entry.key == address { return entry.node }
            if entry.key == 0 { return nil }
            slot = next(slot)
        }
    }
}
