import Foundation
@testable import OutputFiles
import SystemPackage
import Testing

@Suite("writing an output file")
struct PendingOutputFileTests {
    /// Writes `text` into the pending file, as SQLite would: by path, into the file already there.
    func fill(_ pending: PendingOutputFile, _ text: String) throws {
        let descriptor = try FileDescriptor.open(FilePath(pending.temporaryPath), .writeOnly, options: [.noFollow])
        defer { try? descriptor.close() }
        try descriptor.writeAll(Array(text.utf8))
    }

    func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    func status(_ path: String) throws -> Stat { try FilePath(path).stat(followTargetSymlink: false) }

    /// Why committing `pending` fails, nil if it does not.
    func failure(_ pending: PendingOutputFile) -> String? {
        do {
            try pending.commit()
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func newFileIsPrivateAndNothingIsLeftBehind() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.path + "/new.db"
        let pending = try PendingOutputFile(path)
        let other = try PendingOutputFile(path)
        // Hidden, beside the destination, a name nobody can guess.
        #expect(pending.temporaryPath.hasPrefix(scratch.path + "/.new.db.tmp-"))
        #expect(pending.temporaryPath != other.temporaryPath)
        #expect(try status(pending.temporaryPath).permissions == .ownerReadWrite)
        other.discard()
        try fill(pending, "snapshot")
        try pending.commit()
        #expect(contents(path) == "snapshot")
        #expect(try status(path).permissions == .ownerReadWrite)
        #expect(scratch.listing == ["new.db"])
        // Not committed: removed when it goes away.
        do { _ = try PendingOutputFile(scratch.path + "/abandoned.db") }
        #expect(scratch.listing == ["new.db"])
    }

    @Test func replacingKeepsPermissionsAndOwner() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = try scratch.file("old.db")
        try #require(chmod(path, 0o644) == 0)
        let root = geteuid() == 0
        if root { try #require(chown(path, 65534, 65534) == 0) }
        let pending = try PendingOutputFile(path)
        try fill(pending, "new")
        try pending.commit()
        #expect(contents(path) == "new")
        let now = try status(path)
        #expect(now.permissions.rawValue == 0o644)
        if root { #expect(now.userID.rawValue == 65534 && now.groupID.rawValue == 65534) }
        #expect(scratch.listing == ["old.db"])
    }

    @Test func whatAppearsMeanwhileIsNotReplaced() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // Nothing there when the write began; a file there when it is done (RENAME_NOREPLACE).
        let path = scratch.path + "/late.db"
        let pending = try PendingOutputFile(path)
        try fill(pending, "snapshot")
        _ = try scratch.file("late.db", "someone else's")
        #expect(failure(pending) == "appeared while the file was being written; left as it is")
        #expect(contents(path) == "someone else's")

        // A regular file when the write began; a symlink to another file when it is done.
        let swapped = try scratch.file("swapped.db")
        let precious = try scratch.file("precious", "keep")
        let second = try PendingOutputFile(swapped)
        try fill(second, "snapshot")
        try #require(unlink(swapped) == 0 && symlink(precious, swapped) == 0)
        #expect(failure(second) == "changed while the file was being written (it is no longer the same regular file); left as it is")
        #expect(try status(swapped).type == .symbolicLink)
        #expect(contents(precious) == "keep")
        #expect(scratch.listing == ["late.db", "precious", "swapped.db"])
    }

    @Test func devicesAreWrittenToNotReplaced() throws {
        let before = try status("/dev/null")
        let null = try PendingOutputFile("/dev/null")
        // Built in the temporary directory, not beside the device.
        #expect(null.temporaryPath.hasPrefix(FilePath(OutputDestination.temporaryDirectory).appending("pyinspect-").string))
        try fill(null, "discarded")
        try null.commit()
        #expect((try? status(null.temporaryPath)) == nil)
        let after = try status("/dev/null")
        #expect(after.type == .characterSpecial && after.permissions == before.permissions && after.specialDeviceID == before.specialDeviceID)

        let full = try PendingOutputFile("/dev/full")
        try fill(full, "no room")
        #expect(failure(full) == "No space left on device")
        #expect((try? status(full.temporaryPath)) == nil)
        #expect(try status("/dev/full").type == .characterSpecial)
    }

    @Test func fifosAreStreamedToTheirReader() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let fifo = try scratch.fifo("fifo")
        let reader = try openReader(fifo)
        defer { try? reader.close() }
        let text = String(repeating: "0123456789abcdef", count: 1024)  // 16 KiB: fits the pipe's buffer
        let pending = try PendingOutputFile(fifo)
        try fill(pending, text)
        try pending.commit()
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { break }
            received += chunk[..<count]
        }
        #expect(String(decoding: received, as: UTF8.self) == text)
        #expect(try status(fifo).type == .fifo)
        #expect(scratch.listing == ["fifo"])
    }

    @Test("a reader that goes away midway is an error, not SIGPIPE")
    func fifoReaderGone() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let fifo = try scratch.fifo("fifo")
        let reader = try openReader(fifo)
        let pending = try PendingOutputFile(fifo)
        try fill(pending, "snapshot")
        try reader.close()
        #expect(failure(pending) == "the reader closed it before the file was complete")
        #expect(scratch.listing == ["fifo"])
    }
}
