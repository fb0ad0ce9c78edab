import Foundation
@testable import OutputFiles
import SystemPackage
import Testing

/// A fresh directory for one test, removed afterwards by `remove()`.
struct Scratch {
    let path: String

    init() throws {
        var template = Array(FilePath(NSTemporaryDirectory()).appending("pyinspect-output-test-XXXXXX").string.utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Errno(rawValue: errno)
        }
        path = String(cString: made)
    }

    func file(_ name: String, _ text: String = "old") throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    func fifo(_ name: String) throws -> String {
        let fifo = path + "/" + name
        guard mkfifo(fifo, 0o600) == 0 else { throw Errno(rawValue: errno) }
        return fifo
    }

    func link(_ name: String, to target: String) throws -> String {
        let link = path + "/" + name
        guard symlink(target, link) == 0 else { throw Errno(rawValue: errno) }
        return link
    }

    /// The names in the directory, sorted.
    var listing: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func identity(_ path: String) throws -> FileID {
    FileID(try FilePath(path).stat(followTargetSymlink: false))
}

/// Opens a FIFO's read end without waiting for a writer; a reader that is there, for the checks.
func openReader(_ fifo: String) throws -> FileDescriptor {
    try FileDescriptor.open(FilePath(fifo), .readOnly, options: [.nonBlocking, .closeOnExec])
}

@Suite("what is at an output path")
struct OutputDestinationTests {
    func refusal(_ path: String) -> String? {
        do {
            try OutputDestination.check(path)
            return nil
        } catch {
            #expect(error.path == path)
            #expect(!error.description.contains("\n"))
            return error.reason
        }
    }

    @Test func absentAndRegular() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let absent = scratch.path + "/new.db"
        #expect(try OutputDestination.check(absent) == OutputDestination(path: absent, resolved: absent, kind: .newFile))
        let file = try scratch.file("old.db")
        #expect(try OutputDestination.check(file) == OutputDestination(path: file, resolved: file, kind: .regularFile(try identity(file))))
        #expect(try OutputDestination.check("relative-new.db").kind == .newFile)
        #expect(scratch.listing == ["old.db"])
    }

    @Test func directoriesAndTrailingSlashes() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let example = "is a directory; give a file name, e.g. \(scratch.path)/pyinspect-{pid}.db"
        #expect(refusal(scratch.path) == example)
        #expect(refusal(scratch.path + "/") == example)
        #expect(refusal("/") == "is a directory; give a file name, e.g. /pyinspect-{pid}.db")
        let file = try scratch.file("s.db")
        #expect(refusal(file + "/") == "a file name cannot end in '/'")
        #expect(refusal(scratch.path + "/missing/") == "a file name cannot end in '/'")
        #expect(refusal("") == "no file name given")
        let linked = try scratch.link("dir-link", to: scratch.path)
        #expect(refusal(linked) == "is a symlink to \(scratch.path), which " + example)
    }

    @Test func missingOrUnusableParent() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(refusal(scratch.path + "/missing/s.db") == "the directory \(scratch.path)/missing does not exist")
        let file = try scratch.file("plain")
        #expect(refusal(file + "/s.db") == "\(file) is not a directory")
    }

    @Test func devicesAndFIFOs() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(try OutputDestination.check("/dev/null") == OutputDestination(path: "/dev/null", resolved: "/dev/null",
                                                                               kind: .characterDevice(try identity("/dev/null"))))
        let fifo = try scratch.fifo("fifo")
        #expect(refusal(fifo) == "is a FIFO that no process is reading; start the reader first")
        let reader = try openReader(fifo)
        #expect(try OutputDestination.check(fifo).kind == .fifo(try identity(fifo)))
        // The write end the check opened is kept for the write (closing it would hand the reader an
        // end-of-file): with the reader gone, only the kept one can be had.
        try reader.close()
        try StreamDestination.open(fifo, try identity(fifo), fifo: true).close()
        #expect(throws: Errno.noSuchAddressOrDevice) { try StreamDestination.open(fifo, try identity(fifo), fifo: true) }
    }

    @Test func socketsAndBlockDevicesAreRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let socketPath = scratch.path + "/socket"
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(server) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: socketPath.utf8.prefix($0.count - 1)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        #expect(refusal(socketPath) == "is a socket; only files, character devices and FIFOs are written to")
        // A block device node of our own (as root), never opened: the refusal comes from lstat alone.
        let block = scratch.path + "/block"
        if mknod(block, S_IFBLK | 0o600, dev_t(7 << 8)) == 0 {  // 7:0, /dev/loop0
            #expect(refusal(block) == "is a block device; only files, character devices and FIFOs are written to")
        }
    }

    @Test func symlinksAreFollowed() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.file("target.db")
        let link = try scratch.link("link.db", to: "target.db")
        let chain = try scratch.link("chain.db", to: link)
        let resolved = scratch.path + "/target.db"
        #expect(try OutputDestination.check(link) == OutputDestination(path: link, resolved: resolved, kind: .regularFile(try identity(file))))
        #expect(try OutputDestination.check(chain).resolved == resolved)
        let devNull = try scratch.link("null", to: "/dev/null")
        #expect(try OutputDestination.check(devNull).kind == .characterDevice(try identity("/dev/null")))

        let dangling = try scratch.link("dangling.db", to: "missing.db")
        #expect(refusal(dangling) == "is a symlink to \(scratch.path)/missing.db, which does not exist; not followed")
        let loop = try scratch.link("loop", to: "loop")
        #expect(refusal(loop) == "too many levels of symbolic links")
        let newline = try scratch.link("newline", to: "/nonexistent/a\nb")
        #expect(refusal(newline) == "is a symlink to /nonexistent/a\\nb, which does not exist; not followed")
        #expect(scratch.listing == ["chain.db", "dangling.db", "link.db", "loop", "newline", "null", "target.db"])
    }

    @Test("another user's symlink in a sticky world-writable directory is not followed (fs.protected_symlinks)",
          .enabled(if: geteuid() == 0, "needs root, to give a symlink to another user"))
    func protectedSymlinks() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.file("target.db")
        let sticky = scratch.path + "/sticky"
        try #require(mkdir(sticky, 0o777) == 0 && chmod(sticky, 0o1777) == 0)
        let link = sticky + "/link.db"
        try #require(symlink(file, link) == 0)
        #expect(try OutputDestination.check(link).resolved == file)  // root's own link
        try #require(lchown(link, 65534, 65534) == 0)
        #expect(refusal(link) == "not following the symlink \(link): it belongs to uid 65534, neither you nor the owner "
            + "of the sticky world-writable directory \(sticky) (the rule of fs.protected_symlinks)")
        try #require(chown(sticky, 65534, 65534) == 0)
        #expect(try OutputDestination.check(link).resolved == file)  // the directory's owner's link
        try #require(chmod(sticky, 0o777) == 0 && chown(sticky, 0, 0) == 0)
        #expect(try OutputDestination.check(link).resolved == file)  // not sticky: the rule does not apply
    }
}
