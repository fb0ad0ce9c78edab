#if canImport(Glibc)
import Glibc
#endif
import CPyInspectShims
import RemoteMemory

/// Reads a live process's memory with process_vm_readv(2). Read-only: it never writes to the
/// target and needs no ptrace attach (only PTRACE_MODE_ATTACH permission over the process).
///
/// Not thread-safe: the counters and the iovec scratch arrays are shared between calls.
public final class ProcessMemory: MemoryReader {
    public let pid: Int32
    /// process_vm_readv calls made so far (retries after EINTR included).
    public private(set) var syscallCount = 0
    /// Bytes copied out of the target so far.
    public private(set) var bytesRead = 0

    /// IOV_MAX on Linux: the most ranges one process_vm_readv call accepts.
    public static let maxRangesPerCall = 1024

    private let localBases: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let localLengths: UnsafeMutablePointer<Int>
    private let remoteBases: UnsafeMutablePointer<UInt64>
    private let remoteLengths: UnsafeMutablePointer<Int>

    public init(pid: Int32) {
        self.pid = pid
        let n = Self.maxRangesPerCall
        localBases = .allocate(capacity: n)
        localLengths = .allocate(capacity: n)
        remoteBases = .allocate(capacity: n)
        remoteLengths = .allocate(capacity: n)
    }

    deinit {
        localBases.deallocate()
        localLengths.deallocate()
        remoteBases.deallocate()
        remoteLengths.deallocate()
    }

    /// A second reader with its own syscall buffers: process_vm_readv itself is thread-safe.
    public func concurrentReader() -> (any MemoryReader)? { ProcessMemory(pid: pid) }

    public func read(_ address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(MemoryError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        localBases[0] = base
        localLengths[0] = buffer.count
        remoteBases[0] = address
        remoteLengths[0] = buffer.count
        let n = try call(count: 1, firstAddress: address, firstCount: buffer.count)
        if n == buffer.count {
            bytesRead += n
            return
        }
        // process_vm_readv only returns a short count when it hit a page it could not read.
        throw .unmapped(address: address, count: buffer.count)
    }

    /// Reads up to 1024 ranges per syscall. The kernel copies the ranges in order and stops at the
    /// first one that faults, returning the bytes copied so far; so the requests that fit wholly in
    /// that count are done, the next one failed, and the following batch starts after it. Each
    /// round settles at least one request, so the loop makes at most `requests.count` calls.
    public func readMany(_ requests: [ReadRequest]) throws(MemoryError) -> [Bool] {
        var done = [Bool](repeating: false, count: requests.count)
        // Empty requests are trivially complete and would only confuse the prefix accounting.
        var pending: [Int] = []
        pending.reserveCapacity(requests.count)
        for (index, request) in requests.enumerated() {
            if request.destination.count == 0 || request.destination.baseAddress == nil {
                done[index] = true
            } else {
                pending.append(index)
            }
        }

        var cursor = 0
        while cursor < pending.count {
            let batchCount = min(Self.maxRangesPerCall, pending.count - cursor)
            for slot in 0..<batchCount {
                let request = requests[pending[cursor + slot]]
                localBases[slot] = request.destination.baseAddress
                localLengths[slot] = request.destination.count
                remoteBases[slot] = request.address
                remoteLengths[slot] = request.destination.count
            }
            let first = requests[pending[cursor]]
            let copied: Int
            do {
                copied = try call(count: batchCount, firstAddress: first.address, firstCount: first.destination.count)
            } catch {
                if case .unmapped = error {
                    // Nothing was copied: the very first range faulted.
                    cursor += 1
                    continue
                }
                throw error
            }
            bytesRead += copied
            var accounted = 0
            var slot = 0
            while slot < batchCount {
                let length = localLengths[slot]
                if copied - accounted < length { break }
                accounted += length
                done[pending[cursor + slot]] = true
                slot += 1
            }
            // `slot` is the first range not fully copied (it faulted); skip it. If the whole batch
            // was copied, slot == batchCount and the next batch starts right after it.
            cursor += slot < batchCount ? slot + 1 : batchCount
        }
        return done
    }

    /// One process_vm_readv over the first `count` scratch slots, retried on EINTR.
    /// Returns the bytes copied; maps a failure to a `MemoryError` about the first range.
    private func call(count: Int, firstAddress: UInt64, firstCount: Int) throws(MemoryError) -> Int {
        while true {
            syscallCount += 1
            let n = pyi_process_vm_readv(pid, localBases, localLengths, remoteBases, remoteLengths, count)
            if n >= 0 { return n }
            let code = errno
            switch code {
            case EINTR:
                continue
            case ESRCH:
                throw .processGone
            case EPERM, EACCES:
                throw .permissionDenied(errno: code)
            case EFAULT, EIO:
                throw .unmapped(address: firstAddress, count: firstCount)
            default:
                throw .system(errno: code, address: firstAddress)
            }
        }
    }
}
