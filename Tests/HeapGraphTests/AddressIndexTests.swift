import HeapGraph
import Testing

/// The address index answers exactly as a dictionary would, whichever storage it picks.
@Suite struct AddressIndexTests {
    /// A deterministic spread of 16-byte aligned addresses over a few arenas and a far mapping.
    func heapLike(_ count: Int) -> [UInt64] {
        var state: UInt64 = 0x9E37_79B9
        var seen = Set<UInt64>()
        var out: [UInt64] = []
        while out.count < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let arena: UInt64 = [0x5555_5555_0000, 0x7f00_1230_0000, 0x7f00_9990_0000][Int(state >> 62) % 3]
            let address = arena + ((state >> 20) % (4 << 20)) & ~15
            if seen.insert(address).inserted { out.append(address) }
        }
        return out
    }

    @Test func bitmapAgreesWithADictionary() {
        let addresses = heapLike(20_000)
        let index = AddressIndex(addresses)
        #expect(index.isBitmap)
        for (node, address) in addresses.enumerated() { #expect(index.node(of: address) == Int32(node)) }
        let expected = Dictionary(uniqueKeysWithValues: addresses.enumerated().map { ($1, Int32($0)) })
        for probe in heapLike(40_000).map({ $0 &+ 16 }) + [0, 8, 0x10, UInt64.max & ~15, 1 << 47, 0x5555_5555_0008] {
            #expect(index.node(of: probe) == expected[probe])
        }
    }

    @Test func rankedIndexNumbersByAddress() throws {
        let addresses = heapLike(5_000)
        let ranked = try #require(AddressIndex.rankedByAddress(addresses))
        let sorted = addresses.sorted()
        for (rank, address) in sorted.enumerated() { #expect(ranked.node(of: address) == Int32(rank)) }
        let (index, numbers) = AddressIndex.numberedByAddress(addresses)
        #expect(index.isBitmap)
        #expect(numbers.map { sorted[Int($0)] } == addresses)
    }

    @Test func resolveMatchesNodeByNode() {
        let addresses = heapLike(3_000)
        let index = AddressIndex(addresses)
        let probes = heapLike(6_000)
        var out: [Int32] = [], ends: [Int32] = []
        index.resolve(probes, ends: [0, 1_000, 1_000, 6_000], into: &out, groupEnds: &ends)
        #expect(out == probes.compactMap { index.node(of: $0) })
        #expect(ends == [0, Int32(probes[..<1_000].compactMap { index.node(of: $0) }.count), ends[1], Int32(out.count)])
    }

    /// Unaligned or duplicated addresses (a damaged list) and thinly scattered ones fall back to the
    /// hashed table, which answers the same.
    @Test(arguments: [
        [0x1000, 0x1008, 0x2000] as [UInt64],  // not 16-byte aligned
        [0x1000, 0x2000, 0x1000],  // a duplicate: the last one wins, as before
        (1...2_000).map { UInt64($0) << 24 },  // one object per 16 MiB: the bitmap would outweigh a table
    ])
    func fallbackAnswersTheSame(addresses: [UInt64]) {
        let index = AddressIndex(addresses)
        #expect(!index.isBitmap)
        var expected: [UInt64: Int32] = [:]
        for (node, address) in addresses.enumerated() where address != 0 { expected[address] = Int32(node) }
        for address in addresses + [0, 0x3000, 0x1010] { #expect(index.node(of: address) == expected[address]) }
        let (numbered, numbers) = AddressIndex.numberedByAddress(addresses)
        #expect(Set(numbers).count == addresses.count)
        let sorted = addresses.sorted()
        #expect(numbers.map { sorted[Int($0)] } == addresses)
        #expect(numbered.node(of: sorted.last!) != nil)
    }
}
