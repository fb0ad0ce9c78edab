/// Maps object addresses to node numbers.
///
/// Objects are 16-byte aligned and packed into the allocator's arenas, so the index is a bitmap
/// with one bit per 16 bytes of the address space the objects occupy, in 64 KiB chunks found
/// through a small hash table: a million objects in a 120 MB heap take 2 MB of bitmap, small
/// enough to stay in the cache, where a hash table of 16-byte slots (25 MB) missed it on nearly
/// every lookup. An object's number in address order (its rank) is the count of bits before its
/// own, kept per 64-bit word next to the word. When the nodes are numbered in address order (the
/// collectable analysis sorts them so), the rank is the node; otherwise one array maps it.
///
/// Address sets the bitmap cannot hold (unaligned, duplicated, or scattered so thinly that the
/// bitmap would outweigh a table) fall back to `HashedAddressTable`.
public struct AddressIndex: Sendable {
    private enum Storage: Sendable {
        case ranks(RankBitmap)
        case hashed(HashedAddressTable)
    }
    private let storage: Storage
    /// The node of each rank; nil when nodes are numbered in address order.
    private let nodeOfRank: [Int32]?

    public init(_ addresses: [UInt64]) {
        guard let bitmap = RankBitmap(addresses) else {
            storage = .hashed(HashedAddressTable(addresses))
            nodeOfRank = nil
            return
        }
        storage = .ranks(bitmap)
        if zip(addresses, addresses.dropFirst()).allSatisfy({ $0 < $1 }) {
            nodeOfRank = nil
        } else {
            var nodes = [Int32](repeating: 0, count: addresses.count)
            for (node, address) in addresses.enumerated() { nodes[Int(bitmap.rank(of: address)!)] = Int32(node) }
            nodeOfRank = nodes
        }
    }

    private init(storage: Storage) {
        self.storage = storage
        nodeOfRank = nil
    }

    /// Whether the bitmap holds the addresses (false: the hashed fallback).
    public var isBitmap: Bool {
        if case .ranks = storage { return true }
        return false
    }

    /// An index of `addresses` whose node numbers are the ranks in address order (`node(of:)`
    /// tells where each address goes when columns are sorted); nil when only the hashed table
    /// can hold them.
    public static func rankedByAddress(_ addresses: [UInt64]) -> AddressIndex? {
        RankBitmap(addresses).map { AddressIndex(storage: .ranks($0)) }
    }

    /// An index of `addresses` numbered in address order, and the number of each address:
    /// `numbers[i]` is the rank of `addresses[i]`, duplicates included. Callers reorder their
    /// columns by it.
    public static func numberedByAddress(_ addresses: [UInt64]) -> (index: AddressIndex, numbers: [Int32]) {
        if let bitmap = RankBitmap(addresses) {
            return (AddressIndex(storage: .ranks(bitmap)), bitmap.ranks(of: addresses))
        }
        let order = (0..<Int32(addresses.count)).sorted { addresses[Int($0)] < addresses[Int($1)] }
        var numbers = [Int32](repeating: 0, count: addresses.count)
        for (rank, position) in order.enumerated() { numbers[Int(position)] = Int32(rank) }
        return (AddressIndex(storage: .hashed(HashedAddressTable(order.map { addresses[Int($0)] }))), numbers)
    }

    /// The node of `address`, or nil.
    @inline(__always)
    public func node(of address: UInt64) -> Int32? {
        switch storage {
        case .ranks(let bitmap):
            guard let rank = bitmap.rank(of: address) else { return nil }
            return nodeOfRank.map { $0[Int(rank)] } ?? Int32(rank)
        case .hashed(let table):
            return table.node(of: address)
        }
    }

    /// Appends the node of each of `addresses` that has one to `out`; `ends[i]` is the end of
    /// group `i` in `addresses`, and `groupEnds` receives each group's end in `out`.
    public func resolve(_ addresses: [UInt64], ends: [Int], into out: inout [Int32], groupEnds: inout [Int32]) {
        let targets = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, addresses.count))
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, ends.count))
        defer {
            targets.deallocate()
            groups.deallocate()
        }
        let written = addresses.withUnsafeBufferPointer { addresses in
            ends.withUnsafeBufferPointer { ends in
                resolve(addresses, ends: ends, targets: targets, groupEnds: groups, base: Int32(out.count))
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(start: targets, count: written))
        groupEnds.append(contentsOf: UnsafeBufferPointer(start: groups, count: ends.count))
    }

    /// Writes the node of each of `addresses` that has one to `targets` (room for all of them)
    /// and, for each group end in `ends` (positions in `addresses`), the matching end in
    /// `targets` plus `base` to `groupEnds`. Returns how many targets were written.
    func resolve(_ addresses: UnsafeBufferPointer<UInt64>, ends: UnsafeBufferPointer<Int>, targets: UnsafeMutablePointer<Int32>,
                 groupEnds: UnsafeMutablePointer<Int32>, base: Int32) -> Int {
        guard case .ranks(let bitmap) = storage else {
            guard case .hashed(let table) = storage else { return 0 }
            return table.resolve(addresses, ends: ends, targets: targets, groupEnds: groupEnds, base: base)
        }
        var written = 0, group = 0
        bitmap.withLookup { rankOf in
            for position in 0..<addresses.count {
                while group < ends.count && ends[group] == position {
                    groupEnds[group] = base + Int32(written)
                    group += 1
                }
                guard let rank = rankOf(addresses[position]) else { continue }
                targets[written] = nodeOfRank.map { $0[Int(rank)] } ?? Int32(rank)
                written += 1
            }
        }
        while group < ends.count {
            groupEnds[group] = base + Int32(written)
            group += 1
        }
        return written
    }
}

/// One bit per 16-byte granule of the chunks that hold objects, with the rank of each word's
/// first bit stored beside the word.
struct RankBitmap: Sendable {
    /// 64 KiB of address space per chunk: 4,096 granules, 64 words.
    static let chunkShift: UInt64 = 16
    static let granuleShift: UInt64 = 4
    static let wordsPerChunk = 1 << Int(chunkShift - granuleShift - 6)
    /// Above this bitmap size per object (beyond a first megabyte) the hashed table (25.6 bytes per
    /// object) is the smaller one. A dense heap needs about 2 (one 64th of the heap's size).
    static let maxBytesPerObject = 24
    /// x86-64 and arm64 user space: a chunk number plus one fits in 32 bits.
    static let addressLimit: UInt64 = 1 << 47

    /// Open addressing: (chunk number + 1) << 32 | index of the chunk's first word; 0 is empty.
    private let chunks: [UInt64]
    private let chunkMask: Int
    /// Pairs: the bits of a word, then the rank of its first bit.
    private let words: [UInt64]

    init?(_ addresses: [UInt64]) {
        var table = ChunkTable(capacity: max(64, (addresses.count / 512).nextPowerOfTwo))
        let maxChunks = ((1 << 20) + Self.maxBytesPerObject * addresses.count) / (Self.wordsPerChunk * 16)
        var lastChunk = UInt64.max
        for address in addresses {
            guard address != 0, address & 15 == 0, address < Self.addressLimit else { return nil }
            // Neighbours in a gc list are mostly neighbours in memory: skip the table for them.
            let chunk = address >> Self.chunkShift
            guard chunk != lastChunk else { continue }
            lastChunk = chunk
            table.insert(chunk)
            guard table.count <= maxChunks else { return nil }
        }
        // Chunks laid out in address order, so a position in `words` orders like an address.
        let ordered = table.keys.sorted()
        var slots = [UInt64](repeating: 0, count: (ordered.count * 2).nextPowerOfTwo)
        let mask = slots.count - 1
        for (position, chunk) in ordered.enumerated() {
            var slot = Self.slot(of: chunk, mask: mask)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (chunk + 1) << 32 | UInt64(position * Self.wordsPerChunk)
        }
        chunks = slots
        chunkMask = mask
        var pairs = [UInt64](repeating: 0, count: ordered.count * Self.wordsPerChunk * 2)
        let duplicate: Bool = slots.withUnsafeBufferPointer { slots in
            pairs.withUnsafeMutableBufferPointer { pairs in
                var lastChunk = UInt64.max, firstWord = 0
                for address in addresses {
                    let chunk = address >> Self.chunkShift
                    if chunk != lastChunk {
                        lastChunk = chunk
                        firstWord = Self.firstWord(ofChunk: chunk, chunks: slots, mask: mask)!
                    }
                    let granule = Int(truncatingIfNeeded: address >> Self.granuleShift) & (Self.wordsPerChunk * 64 - 1)
                    let word = firstWord + granule >> 6, bit: UInt64 = 1 << UInt64(granule & 63)
                    if pairs[2 * word] & bit != 0 { return true }
                    pairs[2 * word] |= bit
                }
                return false
            }
        }
        guard !duplicate else { return nil }
        var rank: UInt64 = 0
        for word in 0..<pairs.count / 2 {
            pairs[2 * word + 1] = rank
            rank += UInt64(pairs[2 * word].nonzeroBitCount)
        }
        words = pairs
    }

    @inline(__always)
    private static func slot(of chunk: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (chunk &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The index in `words` of the chunk's first word, or nil for a chunk that holds no object.
    @inline(__always)
    private static func firstWord(ofChunk chunk: UInt64, chunks: UnsafeBufferPointer<UInt64>, mask: Int) -> Int? {
        let key = (chunk + 1) << 32
        var slot = slot(of: chunk, mask: mask)
        while true {
            let entry = chunks[slot]
            if entry & ~0xFFFF_FFFF == key { return Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) }
            if entry == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// The word holding `address`'s bit and the bit itself, or nil outside every chunk.
    @inline(__always)
    private static func locate(_ address: UInt64, chunks: UnsafeBufferPointer<UInt64>, mask: Int) -> (Int, UInt64)? {
        guard let first = firstWord(ofChunk: address >> chunkShift, chunks: chunks, mask: mask) else { return nil }
        let granule = Int(truncatingIfNeeded: address >> granuleShift) & (wordsPerChunk * 64 - 1)
        return (first + granule >> 6, 1 << UInt64(granule & 63))
    }

    /// The rank of each of `addresses`, all of which are indexed.
    func ranks(of addresses: [UInt64]) -> [Int32] {
        withLookup { rankOf in addresses.map { Int32(bitPattern: rankOf($0)!) } }
    }

    /// The number of indexed addresses below `address`, if `address` is indexed.
    func rank(of address: UInt64) -> UInt32? {
        withLookup { $0(address) }
    }

    /// Runs `body` with a lookup that holds the tables' storage for its whole duration (no
    /// retain, release or bounds check per lookup on the hot path).
    @inline(__always)
    func withLookup<R>(_ body: ((UInt64) -> UInt32?) -> R) -> R {
        chunks.withUnsafeBufferPointer { chunks in
            words.withUnsafeBufferPointer { words in
                let mask = chunkMask
                return body { address in
                    guard address & 15 == 0, address != 0, address < Self.addressLimit,
                          let (word, bit) = Self.locate(address, chunks: chunks, mask: mask) else { return nil }
                    let bits = words[2 * word]
                    guard bits & bit != 0 else { return nil }
                    return UInt32(truncatingIfNeeded: words[2 * word + 1]) &+ UInt32((bits & (bit &- 1)).nonzeroBitCount)
                }
            }
        }
    }
}

/// A growable set of chunk numbers (open addressing), used while the bitmap is laid out.
private struct ChunkTable {
    private var slots: [UInt64]
    private(set) var count = 0

    init(capacity: Int) { slots = [UInt64](repeating: 0, count: capacity) }

    mutating func insert(_ chunk: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: ((chunk + 1) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while slots[slot] != 0 {
            if slots[slot] == chunk + 1 { return }
            slot = (slot + 1) & mask
        }
        slots[slot] = chunk + 1
        count += 1
        if count * 2 > slots.count { grow() }
    }

    private mutating func grow() {
        let old = keys
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        count = 0
        for chunk in old { insert(chunk) }
    }

    var keys: [UInt64] { slots.compactMap { $0 == 0 ? nil : $0 - 1 } }
}

private extension Int {
    var nextPowerOfTwo: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
