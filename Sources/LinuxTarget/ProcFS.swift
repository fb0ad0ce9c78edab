#if canImport(Glibc)
import Glibc
#endif
import RemoteMemory
import SystemPackage

/// Small, allocation-light helpers for /proc. They report the raw `Errno` so callers can tell a
/// vanished process (ENOENT/ESRCH) from a refused one (EACCES/EPERM).
enum ProcFS {
    /// Whole contents of a file. /proc files report size 0, so this reads until EOF.
    static func readFile(_ path: String, limit: Int = 256 << 20) throws(Errno) -> [UInt8] {
        let fd = try openReadOnly(path)
        defer { _ = close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    static func readText(_ path: String) throws(Errno) -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    static func openReadOnly(_ path: String) throws(Errno) -> Int32 {
        while true {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw Errno(rawValue: errno)
        }
    }

    /// The target of a symbolic link such as /proc/PID/exe.
    static func readLink(_ path: String) throws(Errno) -> String {
        var size = 4096
        while size <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: size)
            let n = readlink(path, &buffer, size)
            if n < 0 { throw Errno(rawValue: errno) }
            if n < size {
                return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            size *= 4
        }
        throw Errno(rawValue: ENAMETOOLONG)
    }

    /// Names in a directory, without "." and "..".
    static func listDirectory(_ path: String) throws(Errno) -> [String] {
        guard let dir = opendir(path) else { throw Errno(rawValue: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw Errno(rawValue: errno) }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The one-letter state of /proc/PID/task/TID/stat (R, S, D, t, T, Z, X ...), or nil if unreadable.
    static func threadState(pid: Int32, tid: Int32) -> Character? {
        guard let bytes = try? readFile("/proc/\(pid)/task/\(tid)/stat", limit: 4096) else { return nil }
        // The command name may contain spaces and parentheses: the state follows the *last* ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")), close + 2 < bytes.count else { return nil }
        return Character(Unicode.Scalar(bytes[close + 2]))
    }

    /// `TracerPid` from /proc/PID/status: who already traces the process, if anyone.
    static func tracerPid(of pid: Int32) -> Int32? {
        guard let text = try? readText("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("TracerPid:") {
            return Int32(line.dropFirst("TracerPid:".count).trimmingSpaces)
        }
        return nil
    }

    /// Nanoseconds the calling thread has spent runnable but waiting for a CPU (the second field of
    /// /proc/thread-self/schedstat), or nil where the kernel does not keep it.
    static func runDelayNanoseconds() -> UInt64? {
        guard let text = try? readText("/proc/thread-self/schedstat") else { return nil }
        let fields = text.split(separator: " ")
        return fields.count >= 2 ? UInt64(fields[1]) : nil
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 { MonotonicClock.nanoseconds() }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" { s.removeLast() }
        return s
    }
}
