import CFileShims
import Glibc
import SystemPackage

/// An output file being written. The caller writes the complete file at `temporaryPath` (by path:
/// SQLite opens files by name), then `commit` puts it at the destination: renamed over a regular
/// file or into an empty place, or streamed to a device or FIFO. What is not committed is removed
/// when the value goes away, on errors too.
public final class PendingOutputFile {
    public let destination: OutputDestination
    /// A new file beside the destination (so the rename is atomic), or for a device or FIFO a
    /// private one in `$TMPDIR` (or /tmp).
    public let temporaryPath: String
    /// The temporary file, opened when it was created: what `temporaryPath` must still name.
    private let temporary: FileDescriptor
    private var linked = true
    private var closed = false

    /// Decides what is at `path` (again: it may have changed since a first check) and creates the
    /// temporary file. A new file gets `permissions`: 0600 by default (a snapshot holds a process's
    /// object graph); figures meant for another reader (metrics for node_exporter) may ask for 0644.
    public init(_ path: String, permissions: FilePermissions = .ownerReadWrite) throws(OutputError) {
        destination = try OutputDestination.check(path)
        do throws(OutputError) {
            if destination.kind.isStream {
                (temporaryPath, temporary) = try Self.create(in: OutputDestination.temporaryDirectory, prefix: "pyinspect-", for: path,
                                                             permissions: .ownerReadWrite)
            } else {
                // `.NAME.tmp-RANDOM`, NAME cut to leave room within the 255 bytes a name may have.
                var name = ""
                for character in FilePath(destination.resolved).lastComponent?.string ?? "output" {
                    if name.utf8.count + character.utf8.count > 200 { break }
                    name.append(character)
                }
                (temporaryPath, temporary) = try Self.create(in: OutputDestination.parent(of: destination.resolved),
                                                             prefix: ".\(name).tmp-", for: path, permissions: permissions)
            }
        } catch {
            if case let .fifo(id) = destination.kind { StreamDestination.release(id) }
            throw error
        }
    }

    deinit { discard() }

    /// A new file with a name nobody can guess (64 random bits), O_CREAT|O_EXCL so nothing already
    /// there is opened, with `permissions` (the umask may take some away).
    private static func create(in directory: String, prefix: String, for path: String,
                               permissions: FilePermissions) throws(OutputError) -> (String, FileDescriptor) {
        for _ in 0..<16 {
            let candidate = FilePath(directory).appending(prefix + String(UInt64.random(in: .min ... .max), radix: 16)).string
            do {
                let descriptor = try FileDescriptor.open(FilePath(candidate), .readWrite,
                                                         options: [.create, .exclusiveCreate, .noFollow, .closeOnExec], permissions: permissions)
                return (candidate, descriptor)
            } catch let error as Errno where error == .fileExists {
                continue
            } catch {
                throw OutputError(path: path, reason: "cannot create a file in \(OutputError.shown(directory)): \(error)")
            }
        }
        throw OutputError(path: path, reason: "cannot create a file in \(OutputError.shown(directory)): every name tried exists")
    }

    /// Puts the written file at the destination; afterwards nothing is left at `temporaryPath`.
    public func commit() throws(OutputError) {
        defer { discard() }
        try checkTemporaryIsOurs()
        switch destination.kind {
        case .newFile: try moveIntoPlace()
        case let .regularFile(id): try replace(id)
        case let .characterDevice(id): try stream(id, fifo: false)
        case let .fifo(id): try stream(id, fifo: true)
        }
    }

    /// Removes the temporary file unless it was committed, and lets go of a FIFO (its reader then
    /// sees the end); idempotent.
    public func discard() {
        if linked { unlink(temporaryPath) }
        linked = false
        if !closed { try? temporary.close() }
        closed = true
        if case let .fifo(id) = destination.kind { StreamDestination.release(id) }
    }

    private func failure(_ reason: String) -> OutputError { OutputError(path: destination.path, reason: reason) }

    /// The writer wrote into the file created, not into something put at its name meanwhile.
    private func checkTemporaryIsOurs() throws(OutputError) {
        let now = try? FilePath(temporaryPath).stat(followTargetSymlink: false)
        let ours = try? temporary.stat()
        guard let now, let ours, now.type == .regular, FileID(now) == FileID(ours) else {
            throw failure("the temporary file \(OutputError.shown(temporaryPath)) was replaced while it was written")
        }
    }

    /// Nothing was there: rename without replacing, so that what appeared meanwhile stays.
    private func moveIntoPlace() throws(OutputError) {
        let target = destination.resolved
        if pyi_rename_noreplace(temporaryPath, target) == 0 {
            linked = false
            return
        }
        var error = Errno(rawValue: errno)
        if error == .invalidArgument || error == .noFunction {
            // No RENAME_NOREPLACE on this filesystem: a hard link does not replace either.
            if link(temporaryPath, target) == 0 { return }  // `discard` unlinks the temporary name
            error = Errno(rawValue: errno)
            if error == .notPermitted || error == .notSupported || error == .notSupportedOnSocket || error == .tooManyLinks {
                // Neither (FAT, some network filesystems): look, then rename; only a tiny window remains.
                if (try? FilePath(target).stat(followTargetSymlink: false)) != nil {
                    error = .fileExists
                } else if rename(temporaryPath, target) == 0 {
                    linked = false
                    return
                } else {
                    error = Errno(rawValue: errno)
                }
            }
        }
        if error == .fileExists { throw failure("appeared while the file was being written; left as it is") }
        throw failure("cannot create it: \(error)")
    }

    /// A regular file was there: replaced only if it is still that file, re-checked just before the
    /// rename, so that a symlink or device swapped in meanwhile is never replaced.
    private func replace(_ id: FileID) throws(OutputError) {
        let target = destination.resolved
        guard let now = try? FilePath(target).stat(followTargetSymlink: false), now.type == .regular, FileID(now) == id else {
            throw failure("changed while the file was being written (it is no longer the same regular file); left as it is")
        }
        // The replacement keeps the file's permission bits and, when pyinspect runs as root, its owner
        // and group: replacing a file must not change who may read it. (A new file is 0600.)
        if geteuid() == 0, fchown(temporary.rawValue, now.userID.rawValue, now.groupID.rawValue) != 0 {
            throw failure("cannot give the new file the owner of the old one: \(Errno(rawValue: errno))")
        }
        guard fchmod(temporary.rawValue, mode_t(now.permissions.rawValue & 0o777)) == 0 else {
            throw failure("cannot give the new file the permissions of the old one: \(Errno(rawValue: errno))")
        }
        guard rename(temporaryPath, target) == 0 else { throw failure("cannot replace it: \(Errno(rawValue: errno))") }
        linked = false
    }

    /// A device or FIFO: the temporary file's bytes are written to it; the node itself is untouched.
    private func stream(_ id: FileID, fifo: Bool) throws(OutputError) {
        let output: FileDescriptor
        do throws(Errno) {
            output = try StreamDestination.open(destination.resolved, id, fifo: fifo)
        } catch {
            switch error {
            case .noSuchAddressOrDevice: throw failure("is a FIFO that no process is reading; start the reader first")
            case .staleNFSFileHandle: throw failure("changed while the file was being written; left as it is")
            default: throw failure("cannot open it for writing: \(error)")
            }
        }
        defer { try? output.close() }
        // Unlinked before the copy: a slow reader or a kill leaves nothing in the temporary directory.
        unlink(temporaryPath)
        linked = false
        do throws(Errno) {
            try StreamDestination.copy(from: temporary, to: output)
        } catch {
            throw failure(error == .brokenPipe ? "the reader closed it before the file was complete" : "\(error)")
        }
    }
}
