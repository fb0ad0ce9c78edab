/// The one seam between pyinspect and wherever target memory comes from: a live process, a core
/// file, or an in-memory image in tests. Everything above it sees addresses, never a pid.
public protocol MemoryReader: AnyObject {
    /// Copies `buffer.count` bytes starting at `address` into `buffer`, or throws.
    /// A partial copy is an error: callers never see half-filled buffers.
    func read(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(MemoryError)

    /// Reads several ranges at once. Sources that can batch (process_vm_readv takes 1024 ranges per
    /// syscall) override this; the default reads them one by one. Returns, per request, whether it
    /// was read completely.
    func readMany(_ requests: [ReadRequest]) throws(MemoryError) -> [Bool]

    /// Another reader of the same memory that may be used on another thread at the same time as
    /// this one (for copying a paused target with every core); nil when the source cannot.
    func concurrentReader() -> (any MemoryReader)?

    /// Loads a fixed-width integer stored at `address` (little-endian, as on x86_64). Sources with
    /// a faster way than `read` (a cache) provide their own.
    func load<T: FixedWidthInteger>(_: T.Type, at address: UInt64) throws(MemoryError) -> T
}

/// One range of a batched read: `count` bytes from `address` into `destination`.
public struct ReadRequest {
    public var address: UInt64
    public var destination: UnsafeMutableRawBufferPointer
    public init(address: UInt64, destination: UnsafeMutableRawBufferPointer) {
        self.address = address
        self.destination = destination
    }
}

extension MemoryReader {
    public func concurrentReader() -> (any MemoryReader)? { nil }

    public func readMany(_ requests: [ReadRequest]) throws(MemoryError) -> [Bool] {
        var done: [Bool] = []
        done.reserveCapacity(requests.count)
        for request in requests {
            do {
                try read(request.address, into: request.destination)
                done.append(true)
            } catch {
                if case .processGone = error { throw error }
                done.append(false)
            }
        }
        return done
    }

    /// Loads a fixed-width integer stored at `address` (little-endian, as on x86_64).
    @inlinable
    public func load<T: FixedWidthInteger>(_: T.Type = T.self, at address: UInt64) throws(MemoryError) -> T {
        try readLoad(T.self, at: address)
    }

    /// `load` through `read`: what every source can do.
    @inlinable
    public func readLoad<T: FixedWidthInteger>(_: T.Type, at address: UInt64) throws(MemoryError) -> T {
        var value: T = 0
        var failure: MemoryError?
        withUnsafeMutableBytes(of: &value) { bytes in
            do throws(MemoryError) { try read(address, into: bytes) } catch { failure = error }
        }
        if let failure { throw failure }
        return value
    }

    /// A pointer-sized word.
    @inlinable
    public func pointer(at address: UInt64) throws(MemoryError) -> UInt64 {
        try load(UInt64.self, at: address)
    }

    /// `count` raw bytes; `count` is checked against `limit` first because it usually comes from the target.
    public func bytes(at address: UInt64, count: Int, limit: Int = ReadLimits.maxBlobBytes) throws(MemoryError) -> [UInt8] {
        guard count >= 0, count <= limit else {
            throw MemoryError.limitExceeded(what: "byte count", value: count, limit: limit)
        }
        var out = [UInt8](repeating: 0, count: count)
        var failure: MemoryError?
        out.withUnsafeMutableBytes { buffer in
            do throws(MemoryError) { try read(address, into: buffer) } catch { failure = error }
        }
        if let failure { throw failure }
        return out
    }

    /// A NUL-terminated C string of at most `maxLength` bytes, decoded as UTF-8 (invalid bytes repaired).
    /// Reads in small chunks so that a string near the end of a mapping is still found.
    public func cString(at address: UInt64, maxLength: Int = ReadLimits.maxNameBytes) throws(MemoryError) -> String {
        var collected: [UInt8] = []
        var cursor = address
        let chunk = 64
        while collected.count < maxLength {
            // Never cross a page boundary in one read: the next page may be unmapped.
            let toPageEnd = Int(4096 - (cursor & 4095))
            let want = min(chunk, toPageEnd, maxLength - collected.count)
            let piece = try bytes(at: cursor, count: want)
            if let nul = piece.firstIndex(of: 0) {
                collected.append(contentsOf: piece[..<nul])
                return String(decoding: collected, as: UTF8.self)
            }
            collected.append(contentsOf: piece)
            cursor &+= UInt64(want)
        }
        throw MemoryError.limitExceeded(what: "C string length", value: collected.count, limit: maxLength)
    }
}
