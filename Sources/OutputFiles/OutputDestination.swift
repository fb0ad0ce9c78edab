import Glibc
import SystemPackage

// Where an output file may go, decided with lstat before anything is written (and, by `snapshot`,
// before the target process is read, so a refused destination never pauses it). A module of its
// own, not part of SnapshotStore (the SQLite file format): it knows nothing of what is written, only
// of this machine's files — a regular file is replaced only by rename, a device or FIFO is written
// to as such and never replaced, a symlink is followed (never swapped) under the kernel's
// protected_symlinks rule, and everything else is refused in one line.

/// A file's identity: the device it lives on and its inode.
public struct FileID: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    init(_ status: Stat) {
        device = UInt64(status.deviceID.rawValue)
        inode = UInt64(status.inode.rawValue)
    }
}

/// What is at an output path, and where the file goes.
public struct OutputDestination: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Nothing there: a new file, which never replaces what appears there meanwhile.
        case newFile
        /// A regular file: replaced by rename, if it is still this file by then.
        case regularFile(FileID)
        /// Written to as it is, never replaced or created (/dev/null, /dev/full, a terminal).
        case characterDevice(FileID)
        /// Written to as it is once a reader is there.
        case fifo(FileID)

        /// Written to through a descriptor, not replaced by a file.
        var isStream: Bool {
            switch self {
            case .newFile, .regularFile: return false
            case .characterDevice, .fifo: return true
            }
        }
    }

    /// The path as given.
    public let path: String
    /// Where the file goes: `path`, or what its symlinks lead to.
    public let resolved: String
    public let kind: Kind

    /// The name suggested when a directory is given.
    /// The name suggested when a directory is given (a snapshot's, unless the caller says otherwise).
    public static let snapshotExample = "pyinspect-{pid}.db"

    /// Decides what `path` is and whether a file can be written there, or says in one line why not.
    /// A FIFO must have a reader: the write end opened to find out is kept for the write that follows
    /// (closing it would hand the reader an end-of-file before there is anything to read).
    @discardableResult
    public static func check(_ path: String, example: String = snapshotExample) throws(OutputError) -> OutputDestination {
        func refused(_ reason: String) -> OutputError { OutputError(path: path, reason: reason) }
        guard !path.isEmpty else { throw refused("no file name given") }
        if path.hasSuffix("/") {
            if (try? FilePath(path).stat())?.type == .directory { throw refused(directoryReason(path, example: example)) }
            throw refused("a file name cannot end in '/'")
        }
        let (resolved, found) = try resolve(path)
        guard let status = found else {
            if resolved != path { throw refused("is a symlink to \(OutputError.shown(resolved)), which does not exist; not followed") }
            try checkDirectory(parent(of: path), for: path)
            return OutputDestination(path: path, resolved: path, kind: .newFile)
        }
        let via = resolved == path ? "" : "is a symlink to \(OutputError.shown(resolved)), which "
        let id = FileID(status)
        switch status.type {
        case .regular:
            try checkDirectory(parent(of: resolved), for: path)
            return OutputDestination(path: path, resolved: resolved, kind: .regularFile(id))
        case .characterSpecial:
            guard faccessat(AT_FDCWD, resolved, W_OK, AT_EACCESS) == 0 else { throw refused(via + "cannot be written: \(Errno(rawValue: errno))") }
            try checkDirectory(temporaryDirectory, for: path, temporary: true)
            return OutputDestination(path: path, resolved: resolved, kind: .characterDevice(id))
        case .fifo:
            try checkDirectory(temporaryDirectory, for: path, temporary: true)
            do throws(Errno) {
                try StreamDestination.openAndPark(resolved, id)
            } catch {
                throw refused(via + (error == .noSuchAddressOrDevice
                    ? "is a FIFO that no process is reading; start the reader first" : "is a FIFO that cannot be opened: \(error)"))
            }
            return OutputDestination(path: path, resolved: resolved, kind: .fifo(id))
        case .directory: throw refused(via + directoryReason(resolved, example: example))
        case .blockSpecial: throw refused(via + "is a block device; only files, character devices and FIFOs are written to")
        case .socket: throw refused(via + "is a socket; only files, character devices and FIFOs are written to")
        default: throw refused(via + "is not a file; only files, character devices and FIFOs are written to")
        }
    }

    static func directoryReason(_ directory: String, example: String) -> String {
        "is a directory; give a file name, e.g. \(OutputError.shown(FilePath(directory).appending(example).string))"
    }

    /// Follows the symlinks at the end of `path` (at most 40, as the kernel does) to what they lead
    /// to, with its lstat; nil when nothing is there. Symlinks among the directories of the path are
    /// the kernel's to follow.
    static func resolve(_ path: String) throws(OutputError) -> (String, Stat?) {
        var current = path
        for _ in 0..<40 {
            let status: Stat
            do throws(Errno) {
                status = try FilePath(current).stat(followTargetSymlink: false)
            } catch {
                // ENOTDIR: a directory of the path is not one; `checkDirectory` says which.
                if error == .noSuchFileOrDirectory || error == .notDirectory { return (current, nil) }
                throw OutputError(path: path, reason: current == path ? "\(error)" : "cannot follow it to \(OutputError.shown(current)): \(error)")
            }
            guard status.type == .symbolicLink else { return (current, status) }
            try checkFollowing(current, owner: status.userID, for: path)
            let target = try readLink(current, for: path)
            current = target.hasPrefix("/") ? target : FilePath(parent(of: current)).appending(target).string
        }
        throw OutputError(path: path, reason: "too many levels of symbolic links")
    }

    /// The kernel's fs.protected_symlinks rule, applied whatever the sysctl says (pyinspect reads the
    /// link itself, so the kernel would not apply it): in a sticky world-writable directory such as
    /// /tmp a link is followed only when it belongs to the effective user or to the directory's owner,
    /// so that another user's link cannot aim root's output at a file of their choice.
    static func checkFollowing(_ link: String, owner: UserID, for path: String) throws(OutputError) {
        let directory = parent(of: link)
        guard let status = try? FilePath(directory).stat(),
              status.permissions.contains([.saveText, .otherWrite]),
              owner != status.userID, owner.rawValue != geteuid() else { return }
        throw OutputError(path: path, reason: "not following the symlink \(OutputError.shown(link)): it belongs to uid \(owner.rawValue), "
            + "neither you nor the owner of the sticky world-writable directory \(OutputError.shown(directory)) (the rule of fs.protected_symlinks)")
    }

    /// A symlink's target; a target that is not UTF-8 is refused rather than guessed at.
    static func readLink(_ link: String, for path: String) throws(OutputError) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let count = buffer.withUnsafeMutableBytes { readlink(link, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        guard count >= 0 else {
            throw OutputError(path: path, reason: "cannot read the symlink \(OutputError.shown(link)): \(Errno(rawValue: errno))")
        }
        guard count < buffer.count, let target = String(validating: buffer[..<count], as: UTF8.self) else {
            throw OutputError(path: path, reason: "the symlink \(OutputError.shown(link)) leads to a name that is not UTF-8 or too long")
        }
        return target
    }

    /// The directory must exist and let the effective user create a file in it (the temporary file).
    static func checkDirectory(_ directory: String, for path: String, temporary: Bool = false) throws(OutputError) {
        let shown = OutputError.shown(directory)
        let status: Stat
        do throws(Errno) {
            status = try FilePath(directory).stat()
        } catch {
            let what = temporary ? "the temporary directory \(shown) (TMPDIR)" : "the directory \(shown)"
            throw OutputError(path: path, reason: error == .noSuchFileOrDirectory ? "\(what) does not exist" : "\(what): \(error)")
        }
        guard status.type == .directory else {
            throw OutputError(path: path, reason: "\(shown) is not a directory" + (temporary ? " (TMPDIR)" : ""))
        }
        guard faccessat(AT_FDCWD, directory, W_OK | X_OK, AT_EACCESS) == 0 else {
            throw OutputError(path: path, reason: "cannot create a \(temporary ? "temporary " : "")file in \(shown): \(Errno(rawValue: errno))")
        }
    }

    /// `dir` of `dir/name`, `.` for a bare name.
    static func parent(of path: String) -> String {
        let parent = FilePath(path).removingLastComponent()
        return parent.isEmpty ? "." : parent.string
    }

    /// Where a snapshot for a device or FIFO is built: `$TMPDIR`, else /tmp.
    static var temporaryDirectory: String {
        guard let value = getenv("TMPDIR"), value.pointee != 0 else { return "/tmp" }
        return String(cString: value)
    }
}
