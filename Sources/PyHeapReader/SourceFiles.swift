import CPythonLayouts
import RemoteMemory

/// How a code object's file is printed in a path: relative to the `sys.path` entry it was imported
/// from, the way its module is named — `django/core/handlers/asgi.py`, not
/// `/srv/app/venv/lib/python3.12/site-packages/django/core/handlers/asgi.py`.
///
/// * Under one or more entries of `sys.path` (read from the target's memory): relative to the longest.
/// * Otherwise (no `sys.path`, or the file is under none of its entries — `sys.path` changed after the
///   import): what follows the last `site-packages/` or `dist-packages/` component, else what follows
///   `lib/pythonX.Y/` (the standard library).
/// * Otherwise (a script given by path, `exec` of a file, a module found through `''` in `sys.path`):
///   its parent directory and name, `…/proj/app.py`. Enough to find the file in a checkout, without
///   putting the deployment's layout — home directory and user name, release directories — into
///   reports that get pasted into tickets and dashboards. A path of one or two components is shown whole.
/// * Names that are not absolute paths (`<string>`, `<frozen importlib._bootstrap>`, a relative name
///   given to `compile`) are shown as they are.
struct SourceFiles: Sendable {
    /// Absolute `sys.path` entries, normalized, longest first; nil when `sys.path` could not be read.
    let entries: [String]?

    init(sysPath: [String]?) {
        entries = sysPath.map { path in
            Array(Set(path.filter { $0.hasPrefix("/") }.map(Self.normalized).filter { $0 != "/" })).sorted {
                $0.count != $1.count ? $0.count > $1.count : $0 < $1
            }
        }
    }

    func display(_ file: String) -> String {
        guard file.hasPrefix("/") else { return file }
        let path = Self.normalized(file)
        if let entries, let entry = entries.first(where: { path.hasPrefix($0 + "/") }) {
            return String(path.dropFirst(entry.count + 1))
        }
        let components = path.split(separator: "/").map(String.init)
        if let marker = components.lastIndex(where: { $0 == "site-packages" || $0 == "dist-packages" }),
           marker + 1 < components.count {
            return components[(marker + 1)...].joined(separator: "/")
        }
        if let library = components.indices.last(where: { $0 > 0 && ["lib", "lib64"].contains(components[$0 - 1]) && Self.isVersionDirectory(components[$0]) }),
           library + 1 < components.count {
            return components[(library + 1)...].joined(separator: "/")
        }
        return components.count <= 2 ? path : "…/" + components.suffix(2).joined(separator: "/")
    }

    /// `pythonX.Y` (or `pythonX.Yt`, a free-threaded build's).
    private static func isVersionDirectory(_ name: String) -> Bool {
        guard name.hasPrefix("python") else { return false }
        let version = name.dropFirst(6).split(separator: ".", omittingEmptySubsequences: false)
        guard version.count == 2, let major = version.first, !major.isEmpty, major.allSatisfy(\.isNumber) else { return false }
        let minor = version[1].hasSuffix("t") ? version[1].dropLast() : version[1]
        return !minor.isEmpty && minor.allSatisfy(\.isNumber)
    }

    /// `/a//b/./c/../d/` -> `/a/b/d`, as `os.path.normpath` does for an absolute path.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Entries of `sys.path` kept; more means a list that is not `sys.path` or is corrupt.
    static let maxEntries = 4096
    /// Longest entry read.
    static let maxEntryBytes = 4096

    /// `sys.path` of the interpreter at `interpreter` (a `PyInterpreterState`): its `sysdict['path']`,
    /// the str items of a list. nil when any part cannot be read or is not what it should be.
    static func readSysPath(memory: CachedMemory, layout: PythonLayout, interpreter: UInt64,
                            symbols: [String: UInt64]) -> [String]? {
        guard interpreter != 0, let strType = symbols[layout.nameStringTypeSymbol], let listType = symbols["PyList_Type"],
              let dictType = symbols["PyDict_Type"] else { return nil }
        let objects = ObjectReader(memory: memory, layout: layout)
        guard let sysdict = try? memory.word(at: interpreter &+ UInt64(layout.interpreter.sysdict)), sysdict != 0,
              (try? objects.typeOf(sysdict)) == dictType,
              let list = try? objects.dictLookup(sysdict, key: "path"), list != 0, (try? objects.typeOf(list)) == listType,
              let count = try? memory.load(Int64.self, at: list &+ UInt64(layout.object.size)), count >= 0,
              count <= Int64(maxEntries), let items = try? memory.word(at: list &+ UInt64(layout.list.items)) else { return nil }
        guard count > 0 else { return [] }
        guard let raw = try? memory.bytes(at: items, count: Int(count) * 8) else { return nil }
        return (0..<Int(count)).compactMap { index in
            let item = raw[index * 8..<index * 8 + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard (try? objects.typeOf(item)) == strType else { return nil }
            return try? objects.string(at: item, maxLength: maxEntryBytes)
        }
    }
}
