import RemoteMemory
import Testing

/// Counts the reads that reach the source, to prove the cache batches and reuses them.
final class CountingReader: MemoryReader {
    let base: MemoryImage
    private(set) var reads = 0
    private(set) var batches = 0

    init(_ base: MemoryImage) { self.base = base }

    func read(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(MemoryError) {
        reads += 1
        try base.read(address, into: buffer)
    }

    func readMany(_ requests: [ReadRequest]) throws(MemoryError) -> [Bool] {
        batches += 1
        return requests.map { (try? base.read($0.address, into: $0.destination)) != nil }
    }
}

@Suite struct CachedMemoryTests {
    func image() -> MemoryImage {
        let image = MemoryImage()
        image.map(at: 0x10000, size: 0x3000)    // three pages
        image.map(at: 0x20000, size: 0x1000)
        for offset in stride(from: 0, to: 0x3000, by: 8) {
            image.store(UInt64(0x10000 + offset), at: UInt64(0x10000 + offset))  // each word holds its address
        }
        return image
    }

    @Test func wordsComeFromOneBlockRead() throws {
        let source = CountingReader(image())
        let cache = CachedMemory(base: source, regions: source.base.regions, blockSize: 0x4000)
        for address in stride(from: UInt64(0x10000), to: 0x13000, by: 8) {
            #expect(try cache.word(at: address) == address)
        }
        #expect(source.batches == 1)
        #expect(cache.blockReads == 1)
        #expect(cache.bytesCopied == 0x3000)  // clamped to the mapping, not the 16 KiB block
    }

    @Test func readsAcrossBlockBoundaries() throws {
        let source = CountingReader(image())
        let cache = CachedMemory(base: source, regions: source.base.regions, blockSize: 0x1000)
        let bytes = try cache.bytes(at: 0x10ffc, count: 8)
        #expect(bytes == [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, 0x00])  // high half of 0x10ff8, low half of 0x11000
        #expect(cache.blockReads == 2)
        #expect(try cache.load(UInt32.self, at: 0x11000) == 0x11000)
        #expect(cache.blockReads == 2)
    }

    @Test func unmappedAddressesFailWithoutASyscall() throws {
        let source = CountingReader(image())
        let cache = CachedMemory(base: source, regions: source.base.regions)
        #expect(throws: MemoryError.unmapped(address: 0x18000, count: 1)) { try cache.word(at: 0x18000) }
        #expect(throws: MemoryError.self) { try cache.bytes(at: 0x12ffc, count: 8) }  // runs off the end of a mapping
        #expect(source.batches == 1)  // only the first, valid part was fetched
        #expect(source.reads == 0)
    }

    @Test func prefetchBatchesBlocks() throws {
        let source = CountingReader(image())
        let cache = CachedMemory(base: source, regions: source.base.regions, blockSize: 0x1000)
        try cache.prefetch([0x10008, 0x11010, 0x12018, 0x20000, 0x10010, 0x99999])
        #expect(source.batches == 1)
        #expect(cache.bytesCopied == 0x4000)
        #expect(try cache.word(at: 0x12018) == 0x12018)
        #expect(source.batches == 1)
    }

    @Test func limitsGuardSizesFromTheTarget() {
        let cache = CachedMemory(base: image(), regions: image().regions)
        #expect(throws: MemoryError.limitExceeded(what: "byte count", value: -1, limit: ReadLimits.maxBlobBytes)) {
            try cache.bytes(at: 0x10000, count: -1)
        }
    }

    @Test func cStringsStopAtNulOrLimit() throws {
        let memory = MemoryImage()
        memory.map(at: 0x1000, size: 0x1000)
        memory.storeBytes(Array("_asyncio.Task".utf8) + [0], at: 0x1ff0)  // crosses nothing: ends before the page end
        #expect(try memory.cString(at: 0x1ff0) == "_asyncio.Task")
        memory.storeBytes([UInt8](repeating: 0x41, count: 64), at: 0x1100)
        #expect(throws: MemoryError.limitExceeded(what: "C string length", value: 16, limit: 16)) {
            try memory.cString(at: 0x1100, maxLength: 16)
        }
    }

    @Test func regionLookup() {
        let table = RegionTable([MemoryRegion(start: 0x3000, end: 0x4000), MemoryRegion(start: 0x1000, end: 0x2000),
                                 MemoryRegion(start: 0x5000, end: 0x6000, readable: false)])
        #expect(table.regions.map(\.start) == [0x1000, 0x3000])
        #expect(table.index(of: 0x1000) == 0)
        #expect(table.index(of: 0x3fff) == 1)
        #expect(table.index(of: 0x2000) == nil)
        #expect(table.index(of: 0x5000) == nil)
        #expect(MemoryRegion(start: 0x1000, end: 0x2000).contains(0x1ff8, count: 8))
        #expect(!MemoryRegion(start: 0x1000, end: 0x2000).contains(0x1ff9, count: 8))
    }
}
