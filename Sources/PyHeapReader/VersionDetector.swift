import CPythonLayouts
import RemoteMemory

/// The interpreter's version and where it was read from.
public struct DetectedVersion: Sendable {
    public var version: PythonVersion
    /// True when only major.minor is known (from a file name).
    public var microKnown: Bool
    public var source: String
    public var freeThreaded: Bool
    /// The `_Py_DebugOffsets` table (3.13+), when present.
    public var debugOffsets: DebugOffsets?

    public var display: String { microKnown ? version.description : version.series }
}

/// Finds the version by an ordered chain, most trustworthy first:
/// `_Py_DebugOffsets` (3.13+), `Py_Version` (3.11+), the static buffer behind `Py_GetVersion()`
/// (symbol tables of unstripped builds), the libpython file name, the executable's name.
public enum VersionDetector {
    public static func detect(image: TargetImage, memory: any MemoryReader) throws(ReaderError) -> DetectedVersion {
        let file = basename(image.interpreterFile)
        if let runtime = image.symbols["_PyRuntime"] {
            let head = (try? memory.bytes(at: runtime.address, count: DebugOffsets.readSize)) ?? []
            if let table = DebugOffsets(bytes: head), let version = PythonVersion(hex: table.version) {
                return DetectedVersion(version: version, microKnown: true, source: "_Py_DebugOffsets in \(file)",
                                       freeThreaded: table.freeThreaded, debugOffsets: table)
            }
        }
        if let symbol = image.symbols["Py_Version"],
           let hex = try? memory.load(UInt64.self, at: symbol.address), let version = PythonVersion(hex: hex) {
            return DetectedVersion(version: version, microKnown: true, source: "Py_Version in \(basename(symbol.file))",
                                   freeThreaded: versionInName(file, prefix: "libpython")?.1 ?? false, debugOffsets: nil)
        }
        // The buffer behind Py_GetVersion() ("3.9.18 (main, ...) [GCC ...]"). Its symbol has a generic
        // name, so it is trusted only if it reads as a version of the series the file name promises.
        let namedSeries = image.pythonLibrary.flatMap { versionInName(basename($0), prefix: "libpython")?.0.series }
            ?? versionInName(basename(image.executable), prefix: "python")?.0.series
        for name in TargetImage.versionBufferSymbols {
            guard let symbol = image.symbols[name],
                  let text = try? memory.cString(at: symbol.address, maxLength: 256),
                  let version = leadingVersion(text), namedSeries == nil || namedSeries == version.series else { continue }
            return DetectedVersion(version: version, microKnown: true, source: "Py_GetVersion() buffer in \(basename(symbol.file))",
                                   freeThreaded: false, debugOffsets: nil)
        }
        if let library = image.pythonLibrary, let (version, threaded) = versionInName(basename(library), prefix: "libpython") {
            return DetectedVersion(version: version, microKnown: false, source: "file name \(basename(library))",
                                   freeThreaded: threaded, debugOffsets: nil)
        }
        if let (version, threaded) = versionInName(basename(image.executable), prefix: "python") {
            return DetectedVersion(version: version, microKnown: false, source: "executable name \(basename(image.executable))",
                                   freeThreaded: threaded, debugOffsets: nil)
        }
        throw .notPython("\(image.executable) has no _PyRuntime, Py_Version or libpython")
    }

    /// "3.8.18 (default, ...)" -> 3.8.18; anything not shaped like that -> nil.
    static func leadingVersion(_ text: String) -> PythonVersion? {
        let token = text.prefix { $0 != " " }
        guard text.dropFirst(token.count).hasPrefix(" ("), token.split(separator: ".").count == 3 else { return nil }
        return PythonVersion(string: String(token))
    }

    /// "libpython3.12.so.1.0" -> (3.12, false); "python3.13t" -> (3.13, true).
    static func versionInName(_ name: String, prefix: String) -> (PythonVersion, Bool)? {
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        let digits = rest.prefix { $0.isNumber || $0 == "." }
        let parts = digits.split(separator: ".").prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        let after = rest.dropFirst(digits.count)
        return (PythonVersion(major: parts[0], minor: parts[1]), after.hasPrefix("t"))
    }
}

func basename(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}
