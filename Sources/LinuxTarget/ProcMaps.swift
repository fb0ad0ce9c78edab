import RemoteMemory
import SystemPackage

/// One line of /proc/PID/maps: `start-end perms offset dev inode path`.
public struct MapsEntry: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    public var readable: Bool
    public var writable: Bool
    public var executable: Bool
    /// `s` in the fourth permission column (MAP_SHARED); `p` means private.
    public var shared: Bool
    /// Offset into the backing file (0 for anonymous memory).
    public var offset: UInt64
    /// `major:minor` of the device holding the file, as printed ("fd:01").
    public var device: String
    public var inode: UInt64
    /// The backing file without a trailing " (deleted)", a pseudo name such as `[heap]`, or "" for
    /// anonymous memory.
    public var path: String
    /// The kernel appended " (deleted)": the file was unlinked or replaced after it was mapped.
    public var deleted: Bool

    public init(start: UInt64, end: UInt64, readable: Bool, writable: Bool, executable: Bool, shared: Bool,
                offset: UInt64, device: String, inode: UInt64, path: String, deleted: Bool = false) {
        self.start = start
        self.end = end
        self.readable = readable
        self.writable = writable
        self.executable = executable
        self.shared = shared
        self.offset = offset
        self.device = device
        self.inode = inode
        self.path = path
        self.deleted = deleted
    }

    public var size: UInt64 { end &- start }

    /// `[heap]`, `[stack]`, `[vdso]`, `[vvar]`, `[vsyscall]`, `[anon:name]` ...
    public var isPseudo: Bool { path.hasPrefix("[") }

    /// Backed by a file (as opposed to anonymous or pseudo memory).
    public var isFile: Bool { inode != 0 && path.hasPrefix("/") }

    /// The last path component.
    public var basename: String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public var region: MemoryRegion {
        MemoryRegion(start: start, end: end, readable: readable, writable: writable, executable: executable, path: path)
    }
}

public enum ProcMaps {
    /// Parses the text of /proc/PID/maps. Malformed lines are skipped.
    public static func parse(_ text: String) -> [MapsEntry] {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// Parses the raw bytes of /proc/PID/maps. Malformed lines are skipped.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> [MapsEntry] {
        var entries: [MapsEntry] = []
        var lineStart = 0
        let count = bytes.count
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            if let entry = parseLine(UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])) {
                entries.append(entry)
            }
            lineStart = lineEnd + 1
        }
        return entries
    }

    /// Reads and parses /proc/PID/maps.
    public static func read(pid: Int32) throws(TargetError) -> [MapsEntry] {
        let path = "/proc/\(pid)/maps"
        let bytes: [UInt8]
        do {
            bytes = try ProcFS.readFile(path)
        } catch {
            switch error {
            case .noSuchFileOrDirectory, .noSuchProcess:
                throw ProcFS.exists("/proc/\(pid)") ? .processGone(pid: pid) : .noSuchProcess(pid: pid)
            case .permissionDenied, .notPermitted:
                throw TargetError.permission(pid: pid, "cannot read \(path) (\(error))")
            default:
                throw .notReadable("\(path): \(error)")
            }
        }
        return bytes.withUnsafeBufferPointer { parse(bytes: $0) }
    }

    /// The readable mappings as regions, leaving out the kernel's special pages: `[vvar]` (reading
    /// it can fault), `[vsyscall]` (not readable through process_vm_readv) and `[vdso]` (never
    /// holds Python objects).
    public static func regions(_ entries: [MapsEntry]) -> [MemoryRegion] {
        entries.filter { entry in
            entry.readable && entry.end > entry.start
                && !entry.path.hasPrefix("[vvar") && entry.path != "[vsyscall]" && entry.path != "[vdso]"
        }.map(\.region)
    }

    // MARK: - Line parsing

    private static let deletedSuffix = Array(" (deleted)".utf8)

    static func parseLine(_ line: UnsafeBufferPointer<UInt8>) -> MapsEntry? {
        var i = 0
        let n = line.count

        func hex(until terminator: UInt8) -> UInt64? {
            var value: UInt64 = 0
            var digits = 0
            while i < n && line[i] != terminator {
                guard let d = hexDigit(line[i]), digits < 16 else { return nil }
                value = value << 4 | UInt64(d)
                digits += 1
                i += 1
            }
            guard digits > 0, i < n else { return nil }
            i += 1  // the terminator
            return value
        }

        guard let start = hex(until: UInt8(ascii: "-")),
              let end = hex(until: UInt8(ascii: " ")), end >= start else { return nil }

        guard i + 5 <= n, line[i + 4] == UInt8(ascii: " ") else { return nil }
        let r = line[i], w = line[i + 1], x = line[i + 2], s = line[i + 3]
        guard r == UInt8(ascii: "r") || r == UInt8(ascii: "-"),
              w == UInt8(ascii: "w") || w == UInt8(ascii: "-"),
              x == UInt8(ascii: "x") || x == UInt8(ascii: "-"),
              s == UInt8(ascii: "s") || s == UInt8(ascii: "p") else { return nil }
        i += 5

        guard let offset = hex(until: UInt8(ascii: " ")) else { return nil }

        let deviceStart = i
        while i < n && line[i] != UInt8(ascii: " ") {
            let c = line[i]
            guard hexDigit(c) != nil || c == UInt8(ascii: ":") else { return nil }
            i += 1
        }
        guard i > deviceStart, i < n else { return nil }
        let device = String(decoding: UnsafeBufferPointer(rebasing: line[deviceStart..<i]), as: UTF8.self)
        i += 1

        var inode: UInt64 = 0
        var inodeDigits = 0
        while i < n && line[i] != UInt8(ascii: " ") {
            let c = line[i]
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = inode.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            inode = sum
            inodeDigits += 1
            i += 1
        }
        guard inodeDigits > 0 else { return nil }

        // The path is everything after the padding, spaces included.
        while i < n && line[i] == UInt8(ascii: " ") { i += 1 }
        var pathEnd = n
        if pathEnd > i && line[pathEnd - 1] == UInt8(ascii: "\r") { pathEnd -= 1 }
        var deleted = false
        let suffix = deletedSuffix
        if pathEnd - i > suffix.count,
           line[(pathEnd - suffix.count)..<pathEnd].elementsEqual(suffix) {
            deleted = true
            pathEnd -= suffix.count
        }
        let path = i < pathEnd ? String(decoding: UnsafeBufferPointer(rebasing: line[i..<pathEnd]), as: UTF8.self) : ""

        return MapsEntry(start: start, end: end,
                         readable: r == UInt8(ascii: "r"), writable: w == UInt8(ascii: "w"),
                         executable: x == UInt8(ascii: "x"), shared: s == UInt8(ascii: "s"),
                         offset: offset, device: device, inode: inode, path: path, deleted: deleted)
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
