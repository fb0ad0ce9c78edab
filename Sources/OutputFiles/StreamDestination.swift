import Glibc
import Synchronization
import SystemPackage

/// Writing to a character device or FIFO: opened O_WRONLY, never with O_CREAT or O_TRUNC, so the node
/// is neither created, cut, replaced nor chmod'ed.
enum StreamDestination {
    /// FIFO write ends opened by `OutputDestination.check`, by FIFO, until the write takes them.
    private static let parked = Mutex<[FileID: FileDescriptor]>([:])

    /// Opens the FIFO (failing with ENXIO at once when no process reads it) and keeps the descriptor
    /// for `open`; a FIFO already parked keeps its first descriptor.
    static func openAndPark(_ path: String, _ id: FileID) throws(Errno) {
        let descriptor: FileDescriptor
        do throws(Errno) {
            descriptor = try openNode(path, id, fifo: true)
        } catch {
            release(id)  // a descriptor kept from an earlier check has lost its reader too
            throw error
        }
        let extra = parked.withLock { (table: inout [FileID: FileDescriptor]) -> FileDescriptor? in
            if table[id] != nil { return descriptor }
            table[id] = descriptor
            return nil
        }
        try? extra?.close()
    }

    /// Closes the FIFO's parked descriptor, if one is left: nothing will be written to it.
    static func release(_ id: FileID) {
        try? parked.withLock { $0.removeValue(forKey: id) }?.close()
    }

    /// The write end for the write itself: the FIFO's parked descriptor, else a new one.
    static func open(_ path: String, _ id: FileID, fifo: Bool) throws(Errno) -> FileDescriptor {
        if fifo, let descriptor = parked.withLock({ $0.removeValue(forKey: id) }) { return descriptor }
        return try openNode(path, id, fifo: fifo)
    }

    /// Opens a device or FIFO for writing; ESTALE when the node there is no longer `id`. A FIFO is
    /// opened O_NONBLOCK, which fails with ENXIO when nobody reads it (a blocking open would wait
    /// forever), then switched back to blocking writes.
    private static func openNode(_ path: String, _ id: FileID, fifo: Bool) throws(Errno) -> FileDescriptor {
        var options: FileDescriptor.OpenOptions = [.closeOnExec, .noFollow, FileDescriptor.OpenOptions(rawValue: O_NOCTTY)]
        if fifo { options.insert(.nonBlocking) }
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .writeOnly, options: options)
        } catch {
            throw error as? Errno ?? .ioError
        }
        do throws(Errno) {
            let status = try descriptor.stat()
            guard FileID(status) == id, status.type == (fifo ? .fifo : .characterSpecial) else { throw Errno.staleNFSFileHandle }
            if fifo {
                let flags = fcntl(descriptor.rawValue, F_GETFL)
                guard flags >= 0, fcntl(descriptor.rawValue, F_SETFL, flags & ~O_NONBLOCK) == 0 else { throw Errno(rawValue: errno) }
            }
        } catch {
            try? descriptor.close()
            throw error
        }
        return descriptor
    }

    /// Copies the whole of `source` (from its start) to `destination`.
    static func copy(from source: FileDescriptor, to destination: FileDescriptor) throws(Errno) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while true {
            let count: Int
            do {
                count = try source.read(fromAbsoluteOffset: offset, into: buffer)
            } catch {
                throw error as? Errno ?? .ioError
            }
            if count == 0 { return }
            try writeAllWithoutSIGPIPE(destination, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            offset += Int64(count)
        }
    }
}

/// Writes all of `bytes` to `descriptor`, after short writes and EINTR too. A pipe or FIFO whose
/// reader has gone fails with `Errno.brokenPipe` rather than ending the process: Swift leaves SIGPIPE
/// at its default action on Linux (a write to a closed pipe would kill pyinspect, status 141 in a
/// shell), so the signal is blocked in this thread for the write, and the one the write raised is
/// taken back before the mask is restored.
public func writeAllWithoutSIGPIPE(_ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer) throws(Errno) {
    var pipeSignal = sigset_t(), previous = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    do {
        try descriptor.writeAll(bytes)
    } catch {
        let failure = error as? Errno ?? .ioError
        if failure == .brokenPipe, sigismember(&previous, SIGPIPE) == 0 {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeSignal, nil, &now)
        }
        throw failure
    }
}
