import Glibc

/// A read-through cache of whole blocks of target memory.
///
/// While the target is paused, every read pulls in the surrounding block (up to 1 MiB, clamped to
/// its mapping) in one syscall, or `prefetchWritable` copies every writable mapping in batches, so
/// a million objects cost about as many syscalls as the heap has megabytes. Once the target is
/// resumed, the copy keeps answering from the state at pause time. Addresses outside every readable
/// mapping are refused without a syscall, which is what makes corrupt pointers cheap.
///
/// Blocks are found by arithmetic, not hashing: the mapping by binary search (skipped when the
/// last block used answers), then the block by its index inside the mapping.
public final class CachedMemory: MemoryReader {
    @usableFromInline
    struct Block {
        @usableFromInline var start: UInt64
        @usableFromInline var end: UInt64
        @usableFromInline var storage: UnsafeMutableRawPointer
    }

    private enum Slot {
        case unknown
        case cached(Block)
        /// The bulk read failed; reads there go straight to `base`, uncached.
        case unreadable
    }

    public let base: any MemoryReader
    public let regions: RegionTable
    public let blockSize: UInt64
    @usableFromInline let blockShift: UInt64
    /// Per region, per block index (`address >> blockShift` minus the region's first), created on first use.
    private var slots: [[Slot]]
    private let arena: CopyArena?
    private var owned: [UnsafeMutableRawPointer] = []

    @usableFromInline
    struct LastBlock {
        @usableFromInline var start: UInt64 = 1
        @usableFromInline var end: UInt64 = 0
        @usableFromInline var storage = UnsafeMutableRawPointer(bitPattern: 0x10)!
    }

    /// Recently used blocks, direct-mapped by address (`recentSlots` entries), behind a pointer: the
    /// hot path finds most blocks without the binary search over mappings, and touches no reference
    /// count and no exclusivity check (a class's stored `var`s cost a runtime access check per read).
    @usableFromInline let recent: UnsafeMutablePointer<LastBlock>
    @usableFromInline static let recentSlots = 256

    @inlinable
    func recentBlock(_ address: UInt64) -> LastBlock {
        recent[Int(truncatingIfNeeded: address >> blockShift) & (Self.recentSlots - 1)]
    }

    /// Once sealed, memory that was not copied while the target was stopped is never read from the
    /// live process again (it may have changed): such reads fail and count in `sealedMisses`.
    /// Read-only mappings (code, constant data) cannot change and are still read on demand.
    public private(set) var sealed = false
    public private(set) var sealedMisses = 0

    public func seal() { sealed = true }

    /// Bytes copied from `base` into blocks, and the number of batched reads that did it.
    public private(set) var bytesCopied = 0
    public private(set) var blockReads = 0

    /// `arena`, when given, holds the blocks (pre-faulted memory; see CopyArena) until it is full.
    public init(base: any MemoryReader, regions: [MemoryRegion], blockSize: Int = 1 << 20, arena: CopyArena? = nil) {
        precondition(blockSize > 0 && blockSize & (blockSize - 1) == 0, "block size must be a power of two")
        self.base = base
        self.regions = RegionTable(regions)
        self.blockSize = UInt64(blockSize)
        blockShift = UInt64(blockSize.trailingZeroBitCount)
        slots = Array(repeating: [], count: self.regions.regions.count)
        self.arena = arena
        owner = nil
        recent = .allocate(capacity: Self.recentSlots)
        recent.initialize(repeating: LastBlock(), count: Self.recentSlots)
    }

    /// The cache a view reads blocks of (kept alive by the view).
    private let owner: CachedMemory?

    private init(view source: CachedMemory, reader: any MemoryReader) {
        owner = source
        base = reader
        regions = source.regions
        blockSize = source.blockSize
        blockShift = source.blockShift
        slots = source.slots
        arena = nil
        sealed = source.sealed
        recent = .allocate(capacity: Self.recentSlots)
        recent.initialize(repeating: LastBlock(), count: Self.recentSlots)
    }

    /// A reader of the same copy for another thread: it shares every block copied so far (never
    /// changed again), has its own last-block cache, and reads anything else (read-only mappings)
    /// through its own source reader. nil when the source cannot be read from two threads at once.
    /// The view must not outlive this cache, whose blocks it uses.
    public func concurrentView() -> CachedMemory? {
        guard let reader = base.concurrentReader() else { return nil }
        return CachedMemory(view: self, reader: reader)
    }

    deinit {
        for pointer in owned { pointer.deallocate() }
        recent.deallocate()
    }

    /// Copies every block of the writable mappings that `include` accepts and that is not cached
    /// yet, in batches of up to 1024 blocks per read. Returns the bytes copied. With a `deadline`
    /// (MonotonicClock nanoseconds), calls are paced so that none is expected to end after it
    /// (PacedCopy); a copy that cannot go on in time stops between calls and throws
    /// `.deadlinePassed`: the caller resumes the target rather than hold it longer than promised.
    @discardableResult
    public func prefetchWritable(deadline: UInt64? = nil, include: (MemoryRegion) -> Bool = { _ in true }) throws(MemoryError) -> Int {
        let before = bytesCopied
        var wanted: [(region: Int, index: Int)] = []
        for (regionIndex, region) in regions.regions.enumerated() where region.writable && include(region) {
            for index in 0..<blockCount(regionIndex) where isUnknown(regionIndex, index) {
                wanted.append((regionIndex, index))
            }
        }
        try fill(wanted, deadline: deadline)
        return bytesCopied - before
    }

    /// Fast path for one machine word: the last block used answers most reads of a list walk.
    @inlinable
    public func word(at address: UInt64) throws(MemoryError) -> UInt64 {
        let block = recentBlock(address)
        if address >= block.start, address < block.end, block.end - address >= 8 {
            return block.storage.loadUnaligned(fromByteOffset: Int(address - block.start), as: UInt64.self)
        }
        return try readLoad(UInt64.self, at: address)
    }

    /// Fast path for any small integer: straight from the last block used when it holds it.
    @inlinable
    public func load<T: FixedWidthInteger>(_: T.Type = T.self, at address: UInt64) throws(MemoryError) -> T {
        let block = recentBlock(address)
        if address >= block.start, address < block.end, block.end - address >= UInt64(MemoryLayout<T>.size) {
            return block.storage.loadUnaligned(fromByteOffset: Int(address - block.start), as: T.self)
        }
        return try readLoad(T.self, at: address)
    }

    /// Calls `body` with `count` bytes at `address`: a view straight into the cached block when the
    /// range lies inside one block (no copy, no allocation), else a temporary copy.
    @inlinable
    public func withBytes<R>(at address: UInt64, count: Int, limit: Int = ReadLimits.maxBlobBytes,
                             _ body: (UnsafeRawBufferPointer) -> R) throws(MemoryError) -> R {
        guard count >= 0, count <= limit else {
            throw MemoryError.limitExceeded(what: "byte count", value: count, limit: limit)
        }
        let cached = recentBlock(address)
        if address >= cached.start, address < cached.end, UInt64(count) <= cached.end - address {
            return body(UnsafeRawBufferPointer(start: cached.storage + Int(address - cached.start), count: count))
        }
        if count > 0, let block = try? block(for: address), UInt64(count) <= block.end - address {
            remember(block)
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
            let take = min(Int(block.end - cursor), remaining)
            destination.baseAddress!.copyMemory(from: block.storage + Int(cursor - block.start), byteCount: take)
            done += take
            cursor &+= UInt64(take)
            remember(block)
        }
    }

    /// The block holding `address` as host memory (copied now when the copy may still read it):
    /// its bounds and storage, which stay valid and unchanged as long as this cache lives. For the
    /// traverse emulator, which maps blocks read-only instead of copying them. nil where the copy
    /// does not hold the address.
    public func blockStorage(containing address: UInt64) -> (start: UInt64, end: UInt64, storage: UnsafeRawPointer)? {
        guard let found = try? block(for: address) else { return nil }
        return (found.start, found.end, UnsafeRawPointer(found.storage))
    }

    /// Reads, in as few syscalls as the source allows, every block that holds one of `addresses`.
    public func prefetch(_ addresses: [UInt64]) throws(MemoryError) {
        var wanted: [(region: Int, index: Int)] = []
        for address in addresses {
            guard let region = regions.index(of: address) else { continue }
            let index = blockIndex(address, region: region)
            if isUnknown(region, index), !wanted.contains(where: { $0 == (region, index) }) { wanted.append((region, index)) }
        }
        try fill(wanted)
    }

    @usableFromInline
    func remember(_ block: Block) {
        recent[Int(truncatingIfNeeded: block.start >> blockShift) & (Self.recentSlots - 1)] =
            LastBlock(start: block.start, end: block.end, storage: block.storage)
    }

    /// The block holding `address` (copied now if it was not yet), nil if the source refuses it as a block.
    @usableFromInline
    func block(for address: UInt64) throws(MemoryError) -> Block? {
        guard let region = regions.index(of: address) else {
            throw MemoryError.unmapped(address: address, count: 1)
        }
        let index = blockIndex(address, region: region)
        if slots[region].isEmpty { slots[region] = Array(repeating: .unknown, count: blockCount(region)) }
        switch slots[region][index] {
        case let .cached(block): return block
        case .unreadable: return nil
        case .unknown: break
        }
        if sealed && regions.regions[region].writable {
            sealedMisses += 1
            throw MemoryError.unmapped(address: address, count: 1)
        }
        try fill([(region, index)])
        if case let .cached(block) = slots[region][index] { return block }
        return nil
    }

    private func blockIndex(_ address: UInt64, region: Int) -> Int {
        Int((address >> blockShift) - (regions.regions[region].start >> blockShift))
    }

    private func blockCount(_ region: Int) -> Int {
        let r = regions.regions[region]
        return Int(((r.end - 1) >> blockShift) - (r.start >> blockShift)) + 1
    }

    private func isUnknown(_ region: Int, _ index: Int) -> Bool {
        if slots[region].isEmpty { return true }
        if case .unknown = slots[region][index] { return true }
        return false
    }

    /// The address range of block `index` of `region`: block-aligned, clamped to the mapping.
    private func bounds(_ region: Int, _ index: Int) -> (UInt64, UInt64) {
        let r = regions.regions[region]
        let aligned = ((r.start >> blockShift) + UInt64(index)) << blockShift
        return (max(aligned, r.start), min(aligned &+ blockSize, r.end))
    }

    private func storage(_ count: Int) -> UnsafeMutableRawPointer {
        if let pointer = arena?.allocate(count) { return pointer }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
        owned.append(pointer)
        return pointer
    }

    private func fill(_ wanted: [(region: Int, index: Int)], deadline: UInt64? = nil) throws(MemoryError) {
        let blocks = wanted.map { slot -> Block in
            let (start, end) = bounds(slot.region, slot.index)
            return Block(start: start, end: end, storage: storage(Int(end - start)))
        }
        let requests = blocks.map {
            ReadRequest(address: $0.start, destination: UnsafeMutableRawBufferPointer(start: $0.storage, count: Int($0.end - $0.start)))
        }
        let results = try readInParallel(requests, deadline: deadline)
        for ((slot, block), ok) in zip(zip(wanted, blocks), results) {
            if slots[slot.region].isEmpty { slots[slot.region] = Array(repeating: .unknown, count: blockCount(slot.region)) }
            if ok {
                slots[slot.region][slot.index] = .cached(block)
                bytesCopied += Int(block.end - block.start)
            } else {
                slots[slot.region][slot.index] = .unreadable
            }
        }
    }

    /// A large copy is split in contiguous shares, one per core, each read by its own reader (one
    /// memory bus, but one core alone cannot saturate it) in calls paced against the deadline.
    /// Threads cost a start and a join that may each wait for a CPU (hundreds of microseconds on a
    /// busy machine): under a deadline they are used only with `parallelMinimumTimeLeft` to go,
    /// and the shares stop `joinAllowance` early, so that the join still ends in time.
    private func readInParallel(_ requests: [ReadRequest], deadline: UInt64?) throws(MemoryError) -> [Bool] {
        let bytes = requests.reduce(0) { $0 + $1.destination.count }
        var readers: [any MemoryReader] = [base]
        var shareDeadline = deadline
        let left = deadline.map { $0 &- min($0, MonotonicClock.nanoseconds()) } ?? .max
        if bytes >= Self.parallelCopyThreshold, left >= Self.parallelMinimumTimeLeft {
            while readers.count < min(Parallel.cores, 4), let extra = base.concurrentReader() { readers.append(extra) }
            if readers.count > 1 { shareDeadline = deadline.map { $0 - Self.joinAllowance } }
        }
        let shares = Parallel.ranges(of: requests.count, shares: readers.count)
        let abandonment = CopyAbandonment()
        // Plain memory rather than an array: no generic metadata to instantiate during the pause.
        let outcomes = UnsafeMutableBufferPointer<ShareOutcome>.allocate(capacity: readers.count)
        outcomes.initialize(repeating: ShareOutcome())
        defer {
            _ = outcomes.deinitialize()
            outcomes.deallocate()
        }
        Parallel.run(shares: readers.count) { share in
            var copy = PacedCopy(reader: readers[share], deadline: shareDeadline, abandonment: abandonment)
            do throws(MemoryError) {
                outcomes[share].done = try copy.copy(requests[shares[share]], totalBytes: bytes)
            } catch {
                outcomes[share].error = error
            }
            outcomes[share].calls = copy.calls
            outcomes[share].bytes = copy.bytesCovered
        }
        var all: [Bool] = []
        all.reserveCapacity(requests.count)
        var gaveUp = false
        var covered = 0
        for outcome in outcomes {
            blockReads += outcome.calls
            covered += outcome.bytes
            switch outcome.error {
            case nil: all += outcome.done
            case .deadlinePassed?: gaveUp = true
            case let error?: throw error  // a real failure beats the shares it made give up
            }
        }
        if gaveUp { throw MemoryError.deadlinePassed(copiedBytes: covered, totalBytes: bytes) }
        return all
    }

    /// One share's result. Not a `Result<_, MemoryError>`: the first use of that type in a process
    /// checks `MemoryError: Error` by scanning every conformance record (150-200 us, measured on a
    /// 2-core machine), and this runs while the target is stopped.
    private struct ShareOutcome {
        var done: [Bool] = []
        var error: MemoryError?
        var calls = 0
        var bytes = 0
    }

    /// Below this many bytes one thread copies faster than threads start.
    static let parallelCopyThreshold = 16 << 20
    /// Under a deadline: the time left below which one thread copies (no start, no join to wait
    /// for), and how early parallel shares stop to leave room for the join.
    static let parallelMinimumTimeLeft: UInt64 = 10_000_000
    static let joinAllowance: UInt64 = 1_000_000
}
