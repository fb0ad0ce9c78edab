import Glibc

/// Checks a file's SQLite header before SQLite opens it, so that what is not a snapshot, a file cut
/// short and a snapshot from a newer pyinspect each get their own one-line error.
enum SnapshotHeader {
    static func validate(_ path: String) throws(SnapshotError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        var header = [UInt8](repeating: 0, count: 100)
        let got = header.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 100) }
        guard got == 100, header.starts(with: Array("SQLite format 3".utf8) + [0]) else { throw .notASnapshot(path: path) }
        func bigEndian(_ offset: Int, _ count: Int) -> Int {
            header[offset..<offset + count].reduce(0) { $0 << 8 | Int($1) }
        }
        let pageSize = bigEndian(16, 2) == 1 ? 65536 : bigEndian(16, 2)
        let pages = bigEndian(28, 4)
        let expected = pageSize * pages
        if expected > 0 && Int(status.st_size) < expected {
            throw .corrupt(path: path, reason: "truncated: \(status.st_size) of \(expected) bytes")
        }
        guard Int32(truncatingIfNeeded: bigEndian(68, 4)) == SnapshotSchema.applicationID else { throw .notASnapshot(path: path) }
        let version = bigEndian(60, 4)
        if version > Int(SnapshotSchema.version) {
            throw .unsupportedSchema(path: path, schema: "pyinspect-snapshot/\(version)")
        }
    }
}
