/// A read-through cache of whole blocks of target memory.
///
/// While the target is paused, every read the walker makes pulls in the surrounding block (up to
/// 1 MiB, clamped to its mapping) in one syscall, so walking a million objects costs about as many
/// syscalls as the heap has megabytes. Once the read is done and the target resumed, the copy keeps
/// answering from the state at pause time. Addresses outside every readable mapping are refused
/// without a syscall, which is what makes corrupt pointers cheap.
public final class CachedMemory: MemoryReader {
    @usableFromInline
    final class Block {
        @usableFromInline let start: UInt64
        @usableFromInline let end: UInt64
        @usableFromInline let storage: UnsafeMutableRawPointer

        init(start: UInt64, end: UInt64) {
            self.start = start
            self.end = end
            storage = UnsafeMutableRawPointer.allocate(byteCount: Int(end - start), alignment: 16)
        }

        deinit { storage.deallocate() }
    }

    private struct BlockKey: Hashable {
        var aligned: UInt64
        var region: Int
    }

    public let base: any MemoryReader
    public let regions: RegionTable
    public let blockSize: UInt64
    private var blocks: [BlockKey: Block] = [:]
    /// Blocks whose bulk read failed; reads there go straight to `base`, uncached.
    private var unreadable: Set<BlockKey> = []
    @usableFromInline var last: Block?

    /// Once sealed, memory that was not copied while the target was stopped is never read from the
    /// live process again (it may have changed): such reads fail and count in `sealedMisses`.
    /// Read-only mappings (code, constant data) cannot change and are still read on demand.
    public private(set) var sealed = false
    public private(set) var sealedMisses = 0

    public func seal() { sealed = true }

    /// Copies every block of the writable mappings that `include` accepts and that is not cached
    /// yet, in batches of up to 1024 blocks per read. Returns the bytes copied.
    @discardableResult
    public func prefetchWritable(include: (MemoryRegion) -> Bool = { _ in true }) throws(MemoryError) -> Int {
        let before = bytesCopied
        var wanted: [(BlockKey, Block)] = []
        for (index, region) in regions.regions.enumerated() where region.writable && include(region) {
            var aligned = region.start & ~(blockSize - 1)
            while aligned < region.end {
                let key = BlockKey(aligned: aligned, region: index)
                if blocks[key] == nil && !unreadable.contains(key) {
                    wanted.append((key, Block(start: max(aligned, region.start), end: min(aligned &+ blockSize, region.end))))
                }
                aligned &+= blockSize
            }
        }
        try fill(wanted)
        return bytesCopied - before
    }

    /// Bytes copied from `base` into blocks, and the number of batched reads that did it.
    public private(set) var bytesCopied = 0
    public private(set) var blockReads = 0

    public init(base: any MemoryReader, regions: [MemoryRegion], blockSize: Int = 1 << 20) {
        precondition(blockSize > 0 && blockSize & (blockSize - 1) == 0, "block size must be a power of two")
        self.base = base
        self.regions = RegionTable(regions)
        self.blockSize = UInt64(blockSize)
    }

    /// Fast path for one machine word: the last block used answers most reads of a list walk.
    @inlinable
    public func word(at address: UInt64) throws(MemoryError) -> UInt64 {
        if let block = last, address >= block.start, address < block.end, block.end - address >= 8 {
            return block.storage.loadUnaligned(fromByteOffset: Int(address - block.start), as: UInt64.self)
        }
        return try load(UInt64.self, at: address)
    }

    /// Calls `body` with `count` bytes at `address`: a view straight into the cached block when the
    /// range lies inside one block (no copy, no allocation), else a temporary copy.
    @inlinable
    public func withBytes<R>(at address: UInt64, count: Int, limit: Int = ReadLimits.maxBlobBytes,
                             _ body: (UnsafeRawBufferPointer) -> R) throws(MemoryError) -> R {
        guard count >= 0, count <= limit else {
            throw MemoryError.limitExceeded(what: "byte count", value: count, limit: limit)
        }
        if let block = last, address >= block.start, address < block.end, UInt64(count) <= block.end - address {
            return body(UnsafeRawBufferPointer(start: block.storage + Int(address - block.start), count: count))
        }
        if count > 0, let block = try? block(for: address), UInt64(count) <= block.end - address {
            last = block
            return body(UnsafeRawBufferPointer(start: block.storage + Int(address - block.start), count: count))
        }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 8)
        defer { copy.deallocate() }
        try read(address, into: UnsafeMutableRawBufferPointer(rebasing: copy[0..<count]))
        return body(UnsafeRawBufferPointer(rebasing: copy[0..<count]))
    }

    public func read(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(MemoryError) {
        if buffer.isEmpty { return }
        var cursor = address
        var done = 0
        while done < buffer.count {
            let remaining = buffer.count - done
            let destination = UnsafeMutableRawBufferPointer(rebasing: buffer[done...])
            guard let block = try block(for: cursor) else {
                // Unreadable as a block (e.g. a page the kernel refuses): ask the source directly.
                try base.read(cursor, into: destination)
                return
            }
            let available = Int(block.end - cursor)
            let take = min(available, remaining)
            destination.baseAddress!.copyMemory(from: block.storage + Int(cursor - block.start), byteCount: take)
            done += take
            cursor &+= UInt64(take)
            last = block
        }
    }

    /// Reads, in as few syscalls as the source allows, every block that holds one of `addresses`.
    public func prefetch(_ addresses: [UInt64]) throws(MemoryError) {
        var wanted: [(BlockKey, Block)] = []
        var seen = Set<BlockKey>()
        for address in addresses {
            guard let (key, start, end) = blockBounds(for: address), blocks[key] == nil, !unreadable.contains(key),
                  seen.insert(key).inserted else { continue }
            wanted.append((key, Block(start: start, end: end)))
        }
        try fill(wanted)
    }

    private func blockBounds(for address: UInt64) -> (BlockKey, UInt64, UInt64)? {
        guard let regionIndex = regions.index(of: address) else { return nil }
        let region = regions.regions[regionIndex]
        let aligned = address & ~(blockSize - 1)
        let start = max(aligned, region.start)
        let end = min(aligned &+ blockSize, region.end)
        return (BlockKey(aligned: aligned, region: regionIndex), start, end)
    }

    @usableFromInline
    func block(for address: UInt64) throws(MemoryError) -> Block? {
        guard let (key, start, end) = blockBounds(for: address) else {
            throw MemoryError.unmapped(address: address, count: 1)
        }
        if let block = blocks[key] { return block }
        if sealed && regions.regions[key.region].writable {
            sealedMisses += 1
            throw MemoryError.unmapped(address: address, count: 1)
        }
        if unreadable.contains(key) { return nil }
        try fill([(key, Block(start: start, end: end))])
        return blocks[key]
    }

    private func fill(_ wanted: [(BlockKey, Block)]) throws(MemoryError) {
        var index = 0
        while index < wanted.count {
            let batch = wanted[index..<min(index + 1024, wanted.count)]
            let requests = batch.map {
                ReadRequest(address: $0.1.start,
                            destination: UnsafeMutableRawBufferPointer(start: $0.1.storage, count: Int($0.1.end - $0.1.start)))
            }
            let results = try base.readMany(requests)
            blockReads += 1
            for ((key, block), ok) in zip(batch, results) {
                if ok {
                    blocks[key] = block
                    bytesCopied += Int(block.end - block.start)
                } else {
                    unreadable.insert(key)
                }
            }
            index += batch.count
        }
    }
}
