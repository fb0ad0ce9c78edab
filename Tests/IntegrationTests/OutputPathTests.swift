import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `snapshot -o` to every kind of destination — devices, FIFOs, symlinks, directories, a read-only
/// mount — and `attach` into a full device, against a live `requests_target.py`. As root: the
/// destinations are /dev nodes, other users' files and mounts.
@Suite("snapshot -o and stdout: what is at the path is written to, replaced or refused",
       .enabled(if: geteuid() == 0, "needs root (writes next to /dev nodes, chowns files, mounts); run the tests as root"),
       .enabled(if: Interpreters.any != nil, "no Python interpreter installed"))
struct OutputPathTests {
    static let sqliteHeader = Array("SQLite format 3".utf8) + [0]

    /// Runs `body` with a live target and a scratch directory (its name without a doubled slash, so
    /// messages can be compared exactly); both are gone afterwards.
    func withService(_ body: (TargetProcess, String) throws -> Void) throws {
        let service = try TargetProcess(interpreter: Interpreters.any!, arguments: ["-S", Paths.requestsScript], directory: try makeTempDirectory())
        defer { service.stop() }
        let directory = try makeTempDirectory().replacingOccurrences(of: "//", with: "/")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(service, directory)
    }

    /// lstat of `path`: the node itself, not what a link points at.
    func node(_ path: String) -> stat? {
        var status = stat()
        return lstat(path, &status) == 0 ? status : nil
    }

    func listing(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    func startsWithSQLiteHeader(_ path: String) -> Bool {
        FileManager.default.contents(atPath: path).map { Array($0.prefix(16)) == Self.sqliteHeader } ?? false
    }

    /// `pyinspect snapshot PID -o PATH` with TMPDIR set to `temporary` (where a device's or FIFO's
    /// snapshot is built), so the test can see that nothing is left there.
    func snapshot(_ pid: pid_t, _ path: String, temporary: String, timeout: Double = 120) throws -> CLIResult {
        try runProgram(["/usr/bin/env", "TMPDIR=\(temporary)", try Paths.cli(), "snapshot", String(pid), "-o", path], timeout: timeout)
    }

    func expectRefused(_ result: CLIResult, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == .exited(18), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr == "pyinspect: \(message)\n", sourceLocation: sourceLocation)
        #expect(isOneErrorLine(result.stderr), sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("/dev/null takes the snapshot and stays a device; /dev/full fails with one line and stays a device")
    func devices() throws {
        try withService { service, temporary in
            let null = try #require(node("/dev/null")), full = try #require(node("/dev/full"))

            let discarded = try snapshot(service.pid, "/dev/null", temporary: temporary)
            #expect(discarded.status == .exited(0), "\(discarded)")
            #expect(discarded.stdout.hasPrefix("pid \(service.pid): ") && discarded.stdout.contains("-> /dev/null"), "\(discarded)")
            let nullAfter = try #require(node("/dev/null"))
            #expect(nullAfter.st_mode == S_IFCHR | 0o666 && nullAfter.st_rdev == (1 << 8 | 3) && nullAfter.st_ino == null.st_ino)

            let noSpace = try snapshot(service.pid, "/dev/full", temporary: temporary)
            expectRefused(noSpace, "pid \(service.pid): cannot write snapshot /dev/full: No space left on device")
            let fullAfter = try #require(node("/dev/full"))
            #expect(fullAfter.st_mode == full.st_mode && fullAfter.st_rdev == full.st_rdev && fullAfter.st_ino == full.st_ino)
            #expect(fullAfter.st_uid == full.st_uid && fullAfter.st_gid == full.st_gid)
            // The snapshot built for the devices is gone from the temporary directory.
            #expect(listing(temporary).isEmpty)
        }
    }

    @Test("a FIFO's reader gets a complete snapshot; a FIFO without a reader is refused at once")
    func fifos() throws {
        try withService { service, directory in
            let temporary = directory + "/tmp"
            try #require(mkdir(temporary, 0o700) == 0)
            let fifo = directory + "/fifo"
            try #require(mkfifo(fifo, 0o600) == 0)

            // The reader is there before pyinspect starts: opened without waiting for a writer, then read
            // as data comes, until the writer closes (POLLHUP comes only after a writer has been there).
            let reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            try #require(reader >= 0)
            defer { close(reader) }
            let out = directory + "/stdout", err = directory + "/stderr"
            let cli = try spawn(["/usr/bin/env", "TMPDIR=\(temporary)", try Paths.cli(), "snapshot", String(service.pid), "-o", fifo],
                                stdin: .devNull, stdout: .file(out), stderr: .file(err))
            var received: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16)
            let deadline = Date().addingTimeInterval(120)
            var status: ExitStatus?
            reading: while Date() < deadline {
                var ready = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, 200) <= 0 {
                    if let exited = waitForExit(cli, timeout: 0) { status = exited; break reading }
                    continue
                }
                let count = chunk.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if count > 0 {
                    received += chunk[..<count]
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    break reading  // end of file: the writer closed it
                }
            }
            status = status ?? waitForExit(cli, timeout: 60)
            let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            #expect(status == .exited(0), "stderr: \(stderr)")
            #expect(Array(received.prefix(16)) == Self.sqliteHeader)
            let saved = directory + "/from-fifo.db"
            try Data(received).write(to: URL(fileURLWithPath: saved))
            let export = try runCLI(["export", saved])
            #expect(export.status == .exited(0), "\(export)")
            #expect(export.stdout.hasPrefix("{\"record\":\"snapshot\""), "\(export)")
            #expect(node(fifo).map { $0.st_mode & S_IFMT } == S_IFIFO)

            // No reader: refused with one line, without waiting for one.
            let lonely = directory + "/lonely"
            try #require(mkfifo(lonely, 0o600) == 0)
            let started = Date()
            let refused = try snapshot(service.pid, lonely, temporary: temporary, timeout: 30)
            expectRefused(refused, "-o \(lonely): is a FIFO that no process is reading; start the reader first")
            #expect(Date().timeIntervalSince(started) < 10)
            #expect(listing(temporary).isEmpty)
            #expect(listing(directory) == ["fifo", "from-fifo.db", "lonely", "stderr", "stdout", "tmp"])
        }
    }

    @Test("a symlink is followed and kept; a new file is 0600; a replaced file keeps its mode and owner")
    func filesAndSymlinks() throws {
        try withService { service, directory in

            let target = directory + "/target.db", link = directory + "/link.db"
            try Data("old".utf8).write(to: URL(fileURLWithPath: target))
            try #require(symlink("target.db", link) == 0)
            let viaLink = try snapshot(service.pid, link, temporary: directory)
            #expect(viaLink.status == .exited(0), "\(viaLink)")
            #expect(node(link).map { $0.st_mode & S_IFMT } == S_IFLNK)
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "target.db")
            #expect(startsWithSQLiteHeader(target))
            let export = try runCLI(["export", link])
            #expect(export.status == .exited(0), "\(export)")

            let fresh = directory + "/new.db"
            let created = try snapshot(service.pid, fresh, temporary: directory)
            #expect(created.status == .exited(0), "\(created)")
            #expect(node(fresh).map { $0.st_mode } == S_IFREG | 0o600)

            let shared = directory + "/shared.db"
            try Data("old".utf8).write(to: URL(fileURLWithPath: shared))
            try #require(chmod(shared, 0o644) == 0 && chown(shared, 65534, 65534) == 0)
            let replaced = try snapshot(service.pid, shared, temporary: directory)
            #expect(replaced.status == .exited(0), "\(replaced)")
            let after = try #require(node(shared))
            #expect(after.st_mode == S_IFREG | 0o644 && after.st_uid == 65534 && after.st_gid == 65534)
            #expect(startsWithSQLiteHeader(shared))
            // No temporary file is left beside them.
            #expect(listing(directory) == ["link.db", "new.db", "shared.db", "target.db"])
        }
    }

    @Test("a directory, DIR/ and a missing directory are refused before the process is read, and nothing changes")
    func directories() throws {
        try withService { service, directory in
            try Data("keep".utf8).write(to: URL(fileURLWithPath: directory + "/keep.txt"))
            let before = listing(directory)
            let reason = "is a directory; give a file name, e.g. \(directory)/pyinspect-{pid}.db"
            for path in [directory, directory + "/"] {
                expectRefused(try snapshot(service.pid, path, temporary: directory), "-o \(path): \(reason)")
            }
            expectRefused(try snapshot(service.pid, directory + "/missing/s.db", temporary: directory),
                          "-o \(directory)/missing/s.db: the directory \(directory)/missing does not exist")
            // Decided before the process is read: a pid that does not exist gets the same refusal, not exit 10.
            expectRefused(try snapshot(999_999_999, directory, temporary: directory), "-o \(directory): \(reason)")
            #expect(listing(directory) == before)
            #expect(node(directory).map { $0.st_mode & S_IFMT } == S_IFDIR)
        }
    }

    @Test("a read-only directory and a full filesystem: one line, exit 18, nothing left behind",
          .enabled(if: access("/usr/bin/unshare", X_OK) == 0, "needs unshare (util-linux) to mount a read-only directory"))
    func readOnlyAndFull() throws {
        try withService { service, directory in
            // The mounts exist only in unshare's own mount namespace, where pyinspect runs.
            func inMountNamespace(_ script: String) throws -> CLIResult {
                try runProgram(["/usr/bin/unshare", "-m", "/bin/sh", "-c", script, "sh", directory, try Paths.cli(), String(service.pid)])
            }
            let readOnly = try inMountNamespace(#"mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" snapshot "$3" -o "$1/s.db""#)
            expectRefused(readOnly, "-o \(directory)/s.db: cannot create a file in \(directory): Read-only file system")
            #expect(listing(directory).isEmpty)

            // A 64 KiB tmpfs fills up while the snapshot is written; `ls` shows what is left in it (nothing).
            let full = try inMountNamespace(#"mount -t tmpfs -o size=64k tmpfs "$1" && "$2" snapshot "$3" -o "$1/s.db"; s=$?; ls -A "$1"; exit $s"#)
            expectRefused(full, "pid \(service.pid): cannot write snapshot \(directory)/s.db: database or disk is full")
        }
    }

    @Test("attach with stdout on /dev/full: exit 18 and one line about standard output; on a closed pipe: exit 18, quiet")
    func attachIntoFullDevice() throws {
        try withService { service, directory in
            let err = directory + "/stderr"
            let cli = try spawn([try Paths.cli(), "attach", String(service.pid)], stdin: .devNull, stdout: .file("/dev/full"), stderr: .file(err))
            let status = waitForExit(cli, timeout: 120) ?? killAndReap(cli)
            let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            #expect(status == .exited(18), "stderr: \(stderr)")
            #expect(stderr == "pyinspect: cannot write to standard output: No space left on device\n")
            #expect(isOneErrorLine(stderr))
            #expect(node("/dev/full").map { $0.st_mode & S_IFMT } == S_IFCHR)

            // A reader that has gone (`| head`): exit 18 and nothing said, whether SIGPIPE is ignored or not.
            let pipe = try makePipe()
            close(pipe.read)
            let quiet = try spawn([try Paths.cli(), "attach", String(service.pid)], stdin: .devNull, stdout: .fd(pipe.write), stderr: .file(err))
            close(pipe.write)
            #expect((waitForExit(quiet, timeout: 120) ?? killAndReap(quiet)) == .exited(18))
            #expect((try? String(contentsOfFile: err, encoding: .utf8)) == "")
        }
    }
}
