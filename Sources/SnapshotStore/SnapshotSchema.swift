/// The snapshot file format, version 2: a SQLite database. Documented for users in
/// docs/snapshot-schema.md; change both together, and bump `version` for anything a reader of the
/// current version would misread. Version 1 files (objects keyed by address, references as JSON
/// text, tracked objects only) are still read.
public enum SnapshotSchema {
    public static let name = "pyinspect-snapshot/2"
    public static let version: Int32 = 2
    /// The schemas this pyinspect reads.
    public static let readable = ["pyinspect-snapshot/1", name]
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
            id INTEGER PRIMARY KEY,
            address INTEGER NOT NULL,
            type_id INTEGER NOT NULL REFERENCES types(id),
            generation INTEGER,
            size INTEGER NOT NULL,
            refcount INTEGER NOT NULL,
            collectable INTEGER NOT NULL,
            retainer INTEGER REFERENCES objects(id),
            label_id INTEGER REFERENCES labels(id),
            root_id INTEGER REFERENCES roots(id),
            cycle INTEGER REFERENCES cycles(rank)
        );
        CREATE TABLE edges (
            source INTEGER NOT NULL REFERENCES objects(id),
            position INTEGER NOT NULL,
            target INTEGER NOT NULL REFERENCES objects(id),
            PRIMARY KEY (source, position)
        ) WITHOUT ROWID;
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT,
            number INTEGER,
            text TEXT NOT NULL
        );
        CREATE TABLE roots (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            object INTEGER REFERENCES objects(id)
        );
        CREATE TABLE details (
            object INTEGER PRIMARY KEY REFERENCES objects(id),
            text TEXT NOT NULL,
            omitted_before INTEGER REFERENCES objects(id)
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
            path TEXT NOT NULL,
            qualified_path TEXT NOT NULL
        );
        """

    static let views = """
        CREATE VIEW type_counts AS
            SELECT types.qualified AS type, objects.generation AS generation, COUNT(*) AS count, SUM(objects.size) AS bytes
            FROM objects JOIN types ON types.id = objects.type_id
            GROUP BY objects.type_id, objects.generation;
        """
}
