import HeapModel
import OutputFiles

/// Writes snapshot files (schema `SnapshotSchema.name`) and reads them back (SnapshotReader).
public enum SnapshotFile {
    // MARK: - Writing

    /// Writes `snapshot` to `path`: built in a new temporary file, then renamed over a regular file
    /// (or into an empty place) only once complete, so a killed run never leaves half a file at
    /// `path`; a device or FIFO there is written to as such. What is at `path` is decided by
    /// `OutputDestination` (module OutputFiles), which refuses in one line what cannot take a file.
    public static func write(_ snapshot: HeapSnapshot, to path: String) throws(SnapshotError) {
        let output: PendingOutputFile
        do throws(OutputError) {
            output = try PendingOutputFile(path)
        } catch {
            throw .cannotWrite(path: path, reason: error.reason)
        }
        do throws(SnapshotError) {
            try writeDatabase(snapshot, at: output.temporaryPath)
        } catch {
            switch error {
            case let .sqlite(message), let .cannotWrite(_, message): throw .cannotWrite(path: path, reason: message)
            default: throw error
            }
        }
        do throws(OutputError) {
            try output.commit()
        } catch {
            throw .cannotWrite(path: path, reason: error.reason)
        }
    }

    private static func writeDatabase(_ snapshot: HeapSnapshot, at path: String) throws(SnapshotError) {
        let database = try SQLiteDatabase(path: path, create: true)
        // A snapshot is written once, by one process, from scratch: no journal, no syncs, one transaction.
        try database.execute("""
            PRAGMA page_size = 65536; PRAGMA temp_store = MEMORY; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -262144;
            PRAGMA application_id = \(SnapshotSchema.applicationID); PRAGMA user_version = \(SnapshotSchema.version);
            BEGIN;
            """)
        try database.execute(SnapshotSchema.tables)
        try writeMeta(snapshot, database)
        let typeIDs = try writeTypes(snapshot, database)
        try writeObjects(snapshot, typeIDs: typeIDs, database)
        try writeEdges(snapshot.objects, database)
        try writePaths(snapshot.paths, database)
        try writeGarbage(snapshot.garbage, typeIDs: typeIDs, database)
        try writeCycles(snapshot.cycles, database)
        try database.execute(SnapshotSchema.views)
        try database.execute("COMMIT;")
        database.close()
    }

    private static func writeMeta(_ snapshot: HeapSnapshot, _ database: SQLiteDatabase) throws(SnapshotError) {
        var meta = snapshot.meta
        meta["schema"] = SnapshotSchema.name
        meta["object_count"] = String(snapshot.objects.count)
        meta["edge_count"] = String(snapshot.objects.targets.count)
        meta["untracked_count"] = String(snapshot.objects.generations.lazy.filter { $0 == HeapObjects.untracked }.count)
        meta["has_paths"] = snapshot.paths == nil ? "0" : "1"
        let insert = try database.prepare("INSERT INTO meta (key, value) VALUES (?, ?)")
        for key in meta.keys.sorted() {
            insert.bind(1, key)
            insert.bind(2, meta[key]!)
            try insert.step()
            insert.reset()
        }
    }

    /// Types numbered by address; every type an object names gets a row, readable or not.
    private static func writeTypes(_ snapshot: HeapSnapshot, _ database: SQLiteDatabase) throws(SnapshotError) -> [UInt64: Int] {
        var addresses = Set(snapshot.types.keys)
        addresses.formUnion(snapshot.objects.types)
        addresses.formUnion(snapshot.garbage.map(\.type))
        let insert = try database.prepare("INSERT INTO types (id, address, name, qualified, tp_name, heap_type) VALUES (?, ?, ?, ?, ?, ?)")
        var ids: [UInt64: Int] = [:]
        for (id, address) in addresses.sorted().enumerated() {
            let type = snapshot.types[address] ?? .unreadable(address)
            ids[address] = id
            insert.bind(1, id)
            insert.bind(2, Int64(bitPattern: address))
            insert.bind(3, type.name)
            insert.bind(4, type.qualified)
            insert.bind(5, type.tpName)
            insert.bind(6, type.isHeapType ? 1 : 0)
            try insert.step()
            insert.reset()
        }
        return ids
    }

    /// Objects in node order (their `id`), with each one's retainer, label and root when the
    /// snapshot has paths.
    private static func writeObjects(_ snapshot: HeapSnapshot, typeIDs: [UInt64: Int], _ database: SQLiteDatabase) throws(SnapshotError) {
        let objects = snapshot.objects, paths = snapshot.paths
        var rows = IntegerRows(database, table: "objects", columns: ["id", "address", "type_id", "generation", "size", "refcount", "collectable",
                                                                     "retainer", "label_id", "root_id", "cycle"])
        // Each object's type id, looked up once per run of one type.
        var lastType: UInt64 = 0, lastID = typeIDs[0] ?? 0
        for index in 0..<objects.count {
            if objects.types[index] != lastType || index == 0 {
                lastType = objects.types[index]
                lastID = typeIDs[lastType] ?? 0
            }
            let generation = objects.generations[index]
            try rows.add(index)
            try rows.add(Int64(bitPattern: objects.addresses[index]))
            try rows.add(lastID)
            try rows.add(generation == HeapObjects.untracked ? nil : Int64(generation))
            try rows.add(objects.sizes[index])
            try rows.add(objects.refcounts[index])
            try rows.add(objects.collectable[index] ? 1 : 0)
            let retainer = paths.map { Int64($0.retainerOf[index]) } ?? -1
            try rows.add(retainer >= 0 ? retainer : nil)
            let label = paths.map { Int64($0.labelOf[index]) } ?? -1
            try rows.add(label >= 0 ? label : nil)
            let root = paths.map { Int64($0.sourceOf[index]) } ?? -1
            try rows.add(root >= 0 ? root : nil)
            try rows.add(paths?.cycleOf[Int32(index)].map { Int64($0) + 1 })
        }
        try rows.finish()
    }

    /// Every reference, in `tp_traverse` order (`position` from 0 per object).
    private static func writeEdges(_ objects: HeapObjects, _ database: SQLiteDatabase) throws(SnapshotError) {
        var rows = IntegerRows(database, table: "edges", columns: ["source", "position", "target"])
        for index in 0..<objects.count {
            for (position, target) in objects.references(of: index).enumerated() {
                try rows.add(index)
                try rows.add(position)
                try rows.add(Int(target))
            }
        }
        try rows.finish()
    }

    /// Labels, roots (the named sources, then the permanent generation, what is held from outside
    /// and immortal objects, as `why` numbers them) and details.
    private static func writePaths(_ paths: HeapPaths?, _ database: SQLiteDatabase) throws(SnapshotError) {
        guard let paths else { return }
        let labels = try database.prepare("INSERT INTO labels (id, kind, name, number, text) VALUES (?, ?, ?, ?, ?)")
        for (id, label) in paths.labels.enumerated() {
            let row = EdgeLabelCodec.row(label)
            labels.bind(1, id)
            labels.bind(2, row.kind)
            if let name = row.name { labels.bind(3, name) } else { labels.bindNull(3) }
            if let number = row.number { labels.bind(4, number) } else { labels.bindNull(4) }
            labels.bind(5, row.text)
            try labels.step()
            labels.reset()
        }
        let roots = try database.prepare("INSERT INTO roots (id, kind, name, object) VALUES (?, ?, ?, ?)")
        let fixed = [RootName.permanent, RootName.outside(immortal: false), RootName.outside(immortal: true)]
        let rows: [(RootName, Int?)] = paths.sources.map { ($0.name, Int($0.node)) } + fixed.map { ($0, nil) }
        for (id, root) in rows.enumerated() {
            roots.bind(1, id)
            roots.bind(2, root.0.kind.rawValue)
            roots.bind(3, root.0.text)
            if let node = root.1 { roots.bind(4, node) } else { roots.bindNull(4) }
            try roots.step()
            roots.reset()
        }
        let details = try database.prepare("INSERT INTO details (object, text, omitted_before) VALUES (?, ?, ?)")
        for node in paths.details.keys.sorted() {
            let detail = paths.details[node]!
            details.bind(1, Int(node))
            details.bind(2, detail.text)
            if detail.omittedBefore >= 0 { details.bind(3, Int(detail.omittedBefore)) } else { details.bindNull(3) }
            try details.step()
            details.reset()
        }
    }

    private static func writeGarbage(_ garbage: [ObjectRef], typeIDs: [UInt64: Int], _ database: SQLiteDatabase) throws(SnapshotError) {
        let insert = try database.prepare("INSERT INTO garbage (position, address, type_id) VALUES (?, ?, ?)")
        for (position, object) in garbage.enumerated() {
            insert.bind(1, position)
            insert.bind(2, Int64(bitPattern: object.address))
            insert.bind(3, typeIDs[object.type] ?? 0)
            try insert.step()
            insert.reset()
        }
    }

    private static func writeCycles(_ cycles: [SnapshotCycle], _ database: SQLiteDatabase) throws(SnapshotError) {
        let insert = try database.prepare("INSERT INTO cycles (rank, count, objects, held_bytes, path, qualified_path) VALUES (?, ?, ?, ?, ?, ?)")
        for (rank, cycle) in cycles.enumerated() {
            insert.bind(1, rank + 1)
            insert.bind(2, cycle.count)
            insert.bind(3, cycle.objects)
            insert.bind(4, cycle.heldBytes)
            insert.bind(5, cycle.path)
            insert.bind(6, cycle.qualifiedPath ?? cycle.path)
            try insert.step()
            insert.reset()
        }
    }
}
