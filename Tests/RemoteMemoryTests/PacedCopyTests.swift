import Glibc
import RemoteMemory
import Testing

/// A source that takes `delay` per batched call and refuses any range touching `bad`, recording
/// when each call started.
final class SlowReader: MemoryReader {
    let base: MemoryImage
    let delay: useconds_t
    let bad: Range<UInt64>?
    private(set) var callStarts: [UInt64] = []

    init(_ base: MemoryImage, delayMicroseconds: useconds_t = 0, bad: Range<UInt64>? = nil) {
        self.base = base
        delay = delayMicroseconds
        self.bad = bad
    }

    func read(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(MemoryError) {
        if let bad, bad.overlaps(address..<address + UInt64(buffer.count)) { throw .unmapped(address: address, count: buffer.count) }
        try base.read(address, into: buffer)
    }

    func readMany(_ requests: [ReadRequest]) throws(MemoryError) -> [Bool] {
        callStarts.append(MonotonicClock.nanoseconds())
        if delay > 0 { usleep(delay) }
        return requests.map { (try? read($0.address, into: $0.destination)) != nil }
    }
}

/// The bulk copy under a deadline (`--max-pause`): calls that would end too late are not made.
@Suite struct PacedCopyTests {
    static let start: UInt64 = 0x100_0000

    /// `megabytes` of memory whose every word holds its own address.
    func image(megabytes: Int) -> MemoryImage {
        let image = MemoryImage()
        let size = megabytes << 20
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { raw in
            for offset in stride(from: 0, to: size, by: 8) { raw.storeBytes(of: Self.start + UInt64(offset), toByteOffset: offset, as: UInt64.self) }
        }
        image.map(at: Self.start, size: size, bytes: bytes)
        return image
    }

    @Test func aDeadlineThatPassedCopiesNothing() throws {
        let source = SlowReader(image(megabytes: 2))
        let cache = CachedMemory(base: source, regions: source.base.regions)
        #expect(throws: MemoryError.deadlinePassed(copiedBytes: 0, totalBytes: 2 << 20)) {
            try cache.prefetchWritable(deadline: MonotonicClock.nanoseconds() - 1)
        }
        #expect(source.callStarts.isEmpty)
        #expect(cache.bytesCopied == 0)
    }

    @Test("a far deadline: a small probe, then calls sized to the time left; everything is copied")
    func farDeadlineCopiesAll() throws {
        let source = SlowReader(image(megabytes: 3))
        let cache = CachedMemory(base: source, regions: source.base.regions)
        try cache.prefetchWritable(deadline: MonotonicClock.nanoseconds() + 10_000_000_000)
        #expect(cache.bytesCopied == 3 << 20)
        #expect(source.callStarts.count >= 2, "the probe comes first")
        #expect(cache.blockReads == source.callStarts.count)
        cache.seal()
        for address in stride(from: Self.start, to: Self.start + (3 << 20), by: 4096 + 8) {
            #expect(try cache.word(at: address) == address)
        }
    }

    @Test("a slow source: the copy is given up before a call that would end after the deadline")
    func slowSourceStopsInTime() throws {
        let source = SlowReader(image(megabytes: 8), delayMicroseconds: 2_000)
        let cache = CachedMemory(base: source, regions: source.base.regions)
        let deadline = MonotonicClock.nanoseconds() + 15_000_000
        do {
            try cache.prefetchWritable(deadline: deadline)
            Issue.record("8 MiB at 2 ms per 64 KiB call cannot fit in 15 ms")
        } catch {
            guard case let .deadlinePassed(copied, total) = error else {
                Issue.record("expected deadlinePassed, got \(error)")
                return
            }
            #expect(total == 8 << 20)
            #expect(copied > 0 && copied < total)
        }
        #expect(!source.callStarts.isEmpty)
        #expect(source.callStarts.allSatisfy { $0 < deadline }, "no call starts after the deadline")
        #expect(cache.bytesCopied == 0, "a copy given up caches nothing")
    }

    @Test("a range cut into pieces is copied only when every piece is")
    func piecesOfABlock() throws {
        // The 64 KiB probe cuts the first 1 MiB block; a refused page in the second block spoils it alone.
        let bad = Self.start + (1 << 20) + (100 << 10)
        let source = SlowReader(image(megabytes: 2), bad: bad..<bad + 8)
        let cache = CachedMemory(base: source, regions: source.base.regions)
        try cache.prefetchWritable(deadline: MonotonicClock.nanoseconds() + 10_000_000_000)
        #expect(cache.bytesCopied == 1 << 20)
        #expect(try cache.word(at: Self.start + 8) == Self.start + 8)
        #expect(try cache.word(at: Self.start + (1 << 20)) == Self.start + (1 << 20), "read from the source, uncached")
        #expect(throws: MemoryError.self) { try cache.word(at: bad) }
    }
}
