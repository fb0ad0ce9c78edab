import CPythonLayouts
import HeapModel
import RemoteMemory

/// Where the allocations of the objects found live (MemoryBreakdown): in a pymalloc pool — the
/// allocation's address rounded down to the pool size holds a pool header that validates, and the
/// allocation sits on that pool's block grid — or in a malloc chunk (glibc's size word before it
/// confirms it), or in the interpreter's own files (static objects). The arenas holding found pools
/// are then walked pool by pool from their headers, so their pools, blocks in use and free space
/// are the allocator's own figures, not estimates. Reads only the paused copy; every walk is bounded
/// by the pools one arena holds.
struct PymallocCensus {
    let memory: CachedMemory
    let candidates: [PymallocLayout]

    /// One allocation: where it starts, the least it spans, and the most (sys.getsizeof, or the least).
    struct Allocation {
        var start: UInt64
        var least: Int
        var most: Int
    }

    /// A pool header that validates.
    struct Pool {
        var count: Int
        var arena: UInt32
        var sizeIndex: Int
        var nextOffset: Int
    }

    /// Arena indexes above this are no arena (2^24 arenas of 1 MiB would be 16 TiB).
    static let maxArenaIndex: UInt32 = 1 << 24

    /// `count` allocations, the `i`th given by `allocation(i)` (nil: unreadable, left out).
    func run(count: Int, residentAnonymous: Int?, _ allocation: (Int) -> Allocation?) -> MemoryBreakdown {
        // The first geometry that places most allocations; the others only when it does not.
        var best: Placement?
        for layout in candidates {
            let placement = place(count: count, layout: layout, allocation)
            if best == nil || placement.placed > best!.placed { best = placement }
            if placement.placed * 2 >= count { break }
        }
        var breakdown = MemoryBreakdown()
        breakdown.residentAnonymousBytes = residentAnonymous
        var outside: [Int] = Array(0..<count)
        if let best, best.placed > 0 {
            outside = best.outside
            describePools(best, into: &breakdown)
        }
        for index in outside {
            guard let a = allocation(index) else { continue }
            guard let number = memory.regions.index(of: a.start) else { continue }
            let region = memory.regions.regions[number]
            if isStatic(number) {
                breakdown.staticObjects += 1
            } else if let size = mallocChunk(a, region: region) {
                breakdown.mallocBlocks += 1
                breakdown.mallocBytes += size
            } else {
                breakdown.otherObjects += 1
                breakdown.otherBytes += a.most
            }
        }
        return breakdown
    }

    /// A mapping of a file (the interpreter, libpython, an extension), or the anonymous one right
    /// after it, which is its .bss (3.8's small ints live there).
    private func isStatic(_ number: Int) -> Bool {
        let regions = memory.regions.regions
        func isFile(_ region: MemoryRegion) -> Bool { !region.path.isEmpty && !region.path.hasPrefix("[") }
        if isFile(regions[number]) { return true }
        return regions[number].path.isEmpty && number > 0 && regions[number - 1].end == regions[number].start && isFile(regions[number - 1])
    }

    private struct Placement {
        var layout: PymallocLayout
        /// Pools holding found allocations, and how many each holds.
        var pools: [UInt64: Pool] = [:]
        var found: [UInt64: Int] = [:]
        var placed = 0
        var outside: [Int] = []
    }

    /// Puts each allocation in its pool, or outside. Allocations come mostly in address order: the
    /// last pool answers most of them without a lookup.
    private func place(count: Int, layout: PymallocLayout, _ allocation: (Int) -> Allocation?) -> Placement {
        var placement = Placement(layout: layout)
        var rejected = Set<UInt64>()
        let mask = ~UInt64(layout.poolSize - 1)
        var lastAddress: UInt64 = 1
        var last: Pool?
        for index in 0..<count {
            guard let a = allocation(index) else { continue }
            let address = a.start & mask
            if address != lastAddress {
                lastAddress = address
                if let known = placement.pools[address] {
                    last = known
                } else if rejected.contains(address) {
                    last = nil
                } else if let pool = header(at: address, layout: layout), pool.count > 0 {
                    placement.pools[address] = pool
                    last = pool
                } else {
                    rejected.insert(address)
                    last = nil
                }
            }
            if let pool = last, fits(a, pool: address, pool, layout: layout) {
                placement.found[address, default: 0] += 1
                placement.placed += 1
            } else {
                placement.outside.append(index)
            }
        }
        return placement
    }

    /// The allocation starts on a block boundary of the pool, in its carved part, and fits a block.
    private func fits(_ a: Allocation, pool address: UInt64, _ pool: Pool, layout: PymallocLayout) -> Bool {
        let size = layout.blockSize(ofClass: pool.sizeIndex)
        let offset = Int(a.start &- address) - layout.poolOverhead
        return offset >= 0 && offset % size == 0 && offset + size <= pool.nextOffset - layout.poolOverhead && a.least <= size
    }

    /// The pool header at `address` when it holds together as pymalloc writes it: `init_pool` sets
    /// `maxnextoffset` to POOL_SIZE - block size and `nextoffset` two blocks in, which grows a block
    /// at a time up to POOL_SIZE; `count` is at most the blocks carved; `freeblock` is NULL (full)
    /// or a block of the carved part. An empty pool (count 0) keeps its last header.
    func header(at address: UInt64, layout: PymallocLayout) -> Pool? {
        let raw = try? memory.withBytes(at: address, count: PymallocLayout.headerSize) { raw in
            (count: Int(raw.loadUnaligned(fromByteOffset: PymallocLayout.countOffset, as: UInt32.self)),
             freeblock: raw.loadUnaligned(fromByteOffset: PymallocLayout.freeblockOffset, as: UInt64.self),
             arena: raw.loadUnaligned(fromByteOffset: PymallocLayout.arenaIndexOffset, as: UInt32.self),
             sizeIndex: Int(raw.loadUnaligned(fromByteOffset: PymallocLayout.sizeIndexOffset, as: UInt32.self)),
             next: Int(raw.loadUnaligned(fromByteOffset: PymallocLayout.nextOffsetOffset, as: UInt32.self)),
             maxNext: Int(raw.loadUnaligned(fromByteOffset: PymallocLayout.maxNextOffsetOffset, as: UInt32.self)))
        }
        guard let raw, raw.sizeIndex < layout.sizeClasses, raw.arena < Self.maxArenaIndex else { return nil }
        let size = layout.blockSize(ofClass: raw.sizeIndex), overhead = layout.poolOverhead
        guard raw.maxNext == layout.poolSize - size, raw.next >= overhead + 2 * size, raw.next <= layout.poolSize,
              (raw.next - overhead) % size == 0, raw.count <= (raw.next - overhead) / size else { return nil }
        if raw.freeblock != 0 {
            let offset = Int(bitPattern: UInt(raw.freeblock &- address)) - overhead
            guard raw.freeblock > address, offset >= 0, offset % size == 0, offset < raw.next - overhead else { return nil }
        }
        return Pool(count: raw.count, arena: raw.arena, sizeIndex: raw.sizeIndex, nextOffset: raw.next)
    }

    /// Every carved pool of the arenas holding found pools: pymalloc carves an arena's pools in
    /// address order and never uncarves one, so they are the run of valid headers with the arena's
    /// index around the found ones, at most one arena long.
    private func arenaPools(_ placement: Placement) -> (pools: [UInt64: Pool], arenas: Int) {
        let layout = placement.layout, step = UInt64(layout.poolSize), span = UInt64(layout.arenaSize)
        var ranges: [UInt32: (low: UInt64, high: UInt64)] = [:]
        for (address, pool) in placement.pools {
            let range = ranges[pool.arena] ?? (address, address)
            ranges[pool.arena] = (min(range.low, address), max(range.high, address))
        }
        var all = placement.pools
        for (arena, range) in ranges {
            // Found pools of one index further apart than an arena: not one arena; keep them as found.
            guard range.high - range.low < span else { continue }
            func same(_ address: UInt64) -> Bool {
                if let pool = all[address] { return pool.arena == arena }
                guard let pool = header(at: address, layout: layout), pool.arena == arena else { return false }
                all[address] = pool
                return true
            }
            var address = range.low
            while address < range.high { address += step; _ = same(address) }
            var low = range.low, high = range.high
            while high - low + step < span, low >= step, same(low - step) { low -= step }
            while high - low + step < span, same(high + step) { high += step }
        }
        return (all, ranges.count)
    }

    private func describePools(_ placement: Placement, into breakdown: inout MemoryBreakdown) {
        let layout = placement.layout
        let (pools, arenas) = arenaPools(placement)
        breakdown.poolSize = layout.poolSize
        breakdown.arenaSize = layout.arenaSize
        breakdown.arenas = arenas
        breakdown.poolObjects = placement.placed
        var classes = (0..<layout.sizeClasses).map {
            MemoryBreakdown.SizeClass(blockSize: layout.blockSize(ofClass: $0), pools: 0, blocks: 0, foundBlocks: 0)
        }
        for (address, pool) in pools {
            breakdown.pools += 1
            guard pool.count > 0 else { breakdown.emptyPools += 1; continue }
            let size = layout.blockSize(ofClass: pool.sizeIndex), capacity = layout.blocksPerPool(ofClass: pool.sizeIndex)
            let found = min(placement.found[address] ?? 0, pool.count)
            classes[pool.sizeIndex].pools += 1
            classes[pool.sizeIndex].blocks += pool.count
            classes[pool.sizeIndex].foundBlocks += found
            breakdown.usedBytes += pool.count * size
            breakdown.foundBytes += found * size
            breakdown.freeBytes += (capacity - pool.count) * size
            breakdown.overheadBytes += layout.poolSize - capacity * size
        }
        breakdown.sizeClasses = classes.filter { $0.pools > 0 }
    }

    /// glibc's chunk of an allocation: the word before it is the chunk size with flags in its low
    /// bits (1: previous chunk in use, 2: mmap'd). A heap chunk is followed by the next chunk, whose
    /// "previous in use" bit must be set; an mmap'd chunk starts a page and ends on one. The size, or nil.
    private func mallocChunk(_ a: Allocation, region: MemoryRegion) -> Int? {
        guard a.start % 16 == 0, a.start >= region.start + 16, let word = try? memory.word(at: a.start - 8) else { return nil }
        let size = Int(truncatingIfNeeded: word & ~7), chunk = a.start - 16
        guard size >= 32, size % 16 == 0, size < 1 << 40, UInt64(size) <= region.end - chunk,
              size - (word & 2 != 0 ? 16 : 8) >= a.least, size <= a.most + Self.mallocSlack else { return nil }
        if word & 2 != 0 {
            // The mapping is whole pages: the size is too, or (glibc 2.43) the size plus the 16-byte header.
            return chunk % 4096 == 0 && (size % 4096 == 0 || (size + 16) % 4096 == 0) ? size : nil
        }
        let next = chunk + UInt64(size)
        guard next + 16 <= region.end, let nextWord = try? memory.word(at: next + 8), nextWord & 1 == 1,
              (nextWord & ~7) >= 16, (nextWord & ~7) % 16 == 0 else { return nil }
        return size
    }

    /// What malloc may hand out beyond a request: a remainder too small to split, a page for mmap.
    static let mallocSlack = 4096 + 64
}

extension PymallocCensus {
    /// The breakdown of a heap index's objects (`sizes`: their sys.getsizeof) and of its lists' item
    /// arrays, which pymalloc or malloc hand out apart from the lists.
    static func breakdown(addresses: [UInt64], types: [UInt64], sizes: [Int], objectSizes: ObjectSizes, memory: CachedMemory,
                          layout: PythonLayout, listType: UInt64?) -> MemoryBreakdown {
        var buffers: [Allocation] = []
        if let listType {
            for (address, type) in zip(addresses, types) where type == listType {
                guard let items = try? memory.word(at: address &+ UInt64(layout.list.items)), items != 0,
                      let allocated = try? memory.load(Int64.self, at: address &+ UInt64(layout.list.allocated)),
                      allocated > 0, allocated < 1 << 32 else { continue }
                buffers.append(Allocation(start: items, least: Int(allocated) * 8, most: Int(allocated) * 8))
            }
        }
        let census = PymallocCensus(memory: memory, candidates: PymallocLayout.candidates(for: layout))
        let objects = addresses.count
        return census.run(count: objects + buffers.count, residentAnonymous: nil) { index in
            guard index < objects else { return buffers[index - objects] }
            guard let (start, basic) = objectSizes.allocation(of: addresses[index], type: types[index]) else { return nil }
            // A compact str is smaller than str's tp_basicsize (PyUnicodeObject): the size, when read, is the least.
            let size = index < sizes.count ? sizes[index] : 0
            return Allocation(start: start, least: size > 0 ? min(basic, size) : basic, most: max(basic, size))
        }
    }
}

