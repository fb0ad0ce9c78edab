import CPythonLayouts
import RemoteMemory

/// Why the heap could not be read. Each case maps to one documented exit code in the CLI.
public enum ReaderError: Error, Sendable, CustomStringConvertible {
    /// Neither `_PyRuntime` nor any version marker was found.
    case notPython(String)
    /// A CPython this build of pyinspect has no layout for.
    case unsupportedVersion(version: String, supported: [String])
    /// Free-threaded (no-GIL) builds keep no gc lists to walk.
    case freeThreaded(version: String)
    /// No layout table of the series fits the target: its `_Py_DebugOffsets` disagree with each, or the
    /// gc state a table locates does not hold together.
    case layoutMismatch(String)
    /// The target kept collecting on every attempt; its lists were never consistent.
    case collectionInProgress(attempts: Int)
    /// The interpreter's structures did not hold together (broken list links, impossible values).
    case inconsistent(String)
    case memory(MemoryError)

    public var description: String {
        switch self {
        case let .notPython(detail):
            return "not a Python process: \(detail)"
        case let .unsupportedVersion(version, supported):
            return "Python \(version) is not supported (supported: \(supported.joined(separator: ", ")))"
        case let .freeThreaded(version):
            return "Python \(version) is a free-threaded build, which keeps no gc generation lists; not supported"
        case let .layoutMismatch(detail):
            return "pyinspect's layout tables do not describe this build: \(detail)"
        case let .collectionInProgress(attempts):
            return "the target was collecting garbage on each of \(attempts) attempts; try again"
        case let .inconsistent(detail):
            return "the interpreter's gc structures are inconsistent: \(detail)"
        case let .memory(error):
            return error.description
        }
    }
}
