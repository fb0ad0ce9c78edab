/// Target memory held in this process: the in-memory double used by unit tests (objects laid out
/// byte by byte at chosen addresses) and the form a recorded memory image takes when loaded.
public final class MemoryImage: MemoryReader {
    private struct Segment {
        var start: UInt64
        var bytes: [UInt8]
        var end: UInt64 { start + UInt64(bytes.count) }
    }

    private var segments: [Segment] = []

    public init() {}

    /// Reads never change an image, so one image serves any number of threads (once it is built).
    public func concurrentReader() -> (any MemoryReader)? { self }

    /// Maps `size` zero bytes at `start`. Segments must not overlap.
    public func map(at start: UInt64, size: Int, bytes: [UInt8]? = nil) {
        precondition(size > 0)
        precondition(!segments.contains { $0.start < start + UInt64(size) && start < $0.end }, "overlapping segment")
        var content = bytes ?? []
        content += [UInt8](repeating: 0, count: max(0, size - content.count))
        segments.append(Segment(start: start, bytes: content))
        segments.sort { $0.start < $1.start }
    }

    /// An independent copy (for tests that damage one image many ways).
    public func copy() -> MemoryImage {
        let copy = MemoryImage()
        copy.segments = segments
        return copy
    }

    /// The mapped segments, as regions (all readable and writable).
    public var regions: [MemoryRegion] {
        segments.map { MemoryRegion(start: $0.start, end: $0.end) }
    }

    public func store<T: FixedWidthInteger>(_ value: T, at address: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { storeBytes(Array($0), at: address) }
    }

    public func storeBytes(_ bytes: [UInt8], at address: UInt64) {
        guard let index = segmentIndex(address, bytes.count) else {
            preconditionFailure("store outside mapped memory at 0x\(String(address, radix: 16))")
        }
        let offset = Int(address - segments[index].start)
        segments[index].bytes.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    public func read(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(MemoryError) {
        guard let index = segmentIndex(address, buffer.count) else {
            throw MemoryError.unmapped(address: address, count: buffer.count)
        }
        let offset = Int(address - segments[index].start)
        segments[index].bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + buffer.count]))
        }
    }

    private func segmentIndex(_ address: UInt64, _ count: Int) -> Int? {
        segments.firstIndex { address >= $0.start && address < $0.end && UInt64(count) <= $0.end - address }
    }
}
