/// The snapshot file format, version 1: a SQLite database. Documented for users in
/// docs/snapshot-schema.md; change both together, and bump `version` for anything a reader of
/// version 1 would misread.
public enum SnapshotSchema {
    public static let name = "pyinspect-snapshot/1"
    public static let version: Int32 = 1
    /// `PRAGMA application_id`: "PyIn". Tells a pyinspect snapshot from any other SQLite file.
    public static let applicationID: Int32 = 0x5079_496E

    static let tables = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE types (
            id INTEGER PRIMARY KEY,
            address INTEGER NOT NULL,
            name TEXT NOT NULL,
            qualified TEXT NOT NULL,
            tp_name TEXT NOT NULL,
            heap_type INTEGER NOT NULL
        );
        CREATE TABLE objects (
            address INTEGER PRIMARY KEY,
            type_id INTEGER NOT NULL REFERENCES types(id),
            generation INTEGER NOT NULL,
            size INTEGER NOT NULL,
            refcount INTEGER NOT NULL,
            collectable INTEGER NOT NULL,
            refs TEXT NOT NULL
        );
        CREATE TABLE garbage (
            position INTEGER PRIMARY KEY,
            address INTEGER NOT NULL,
            type_id INTEGER NOT NULL REFERENCES types(id)
        );
        CREATE TABLE cycles (
            rank INTEGER PRIMARY KEY,
            count INTEGER NOT NULL,
            objects INTEGER NOT NULL,
            held_bytes INTEGER NOT NULL,
            path TEXT NOT NULL
        );
        """

    /// Views over the tables (objects are keyed by address, so no index is needed to find one).
    static let views = """
        CREATE VIEW type_counts AS
            SELECT types.qualified AS type, objects.generation AS generation, COUNT(*) AS count, SUM(objects.size) AS bytes
            FROM objects JOIN types ON types.id = objects.type_id
            GROUP BY objects.type_id, objects.generation;
        """
}
