/// Why a snapshot file could not be written or read. Each is one line for the user.
public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case unreadable(path: String, reason: String)
    /// Not a SQLite file, or a SQLite file without pyinspect's tables.
    case notASnapshot(path: String)
    /// Cut short or damaged (failed integrity check, missing rows).
    case corrupt(path: String, reason: String)
    /// Written by a newer pyinspect (a schema this one does not know).
    case unsupportedSchema(path: String, schema: String)
    case sqlite(String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason): return "cannot write snapshot \(path): \(reason)"
        case let .unreadable(path, reason): return "cannot read snapshot \(path): \(reason)"
        case let .notASnapshot(path): return "\(path) is not a pyinspect snapshot"
        case let .corrupt(path, reason): return "snapshot \(path) is damaged: \(reason)"
        case let .unsupportedSchema(path, schema):
            return "snapshot \(path) has schema \(schema); this pyinspect reads \(SnapshotSchema.readable.joined(separator: " and ")) (upgrade pyinspect)"
        case let .sqlite(message): return "sqlite: \(message)"
        }
    }
}
