import HeapModel
import OutputFiles

/// Writes and reads snapshot files (schema `SnapshotSchema.name`).
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
        try writeObjects(snapshot.objects, typeIDs: typeIDs, database)
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

    /// Rows go in 64 at a time: one statement step per 64 objects, not per object.
    private static let rowsPerInsert = 64

    /// Objects in address order (the table's key, so each insert appends), references as the
    /// addresses they point at. The columns are read through raw buffers: this loop runs a million times.
    private static func writeObjects(_ objects: HeapObjects, typeIDs: [UInt64: Int], _ database: SQLiteDatabase) throws(SnapshotError) {
        func statement(rows: Int) throws(SnapshotError) -> SQLiteStatement {
            let values = Array(repeating: "(?,?,?,?,?,?,?)", count: rows).joined(separator: ",")
            return try database.prepare("INSERT INTO objects (address, type_id, generation, size, refcount, collectable, refs) VALUES \(values)")
        }
        let full = try statement(rows: rowsPerInsert)
        let last = objects.count % rowsPerInsert == 0 ? full : try statement(rows: objects.count % rowsPerInsert)
        let order = objects.addresses.indices.sorted { objects.addresses[$0] < objects.addresses[$1] }
        // Each object's type id, looked up once per run of one type.
        var typeIDOf = [Int](repeating: 0, count: objects.count)
        var lastType: UInt64 = 0, lastID = typeIDs[0] ?? 0
        for index in 0..<objects.count {
            if objects.types[index] != lastType || index == 0 {
                lastType = objects.types[index]
                lastID = typeIDs[lastType] ?? 0
            }
            typeIDOf[index] = lastID
        }
        var refs: [UInt8] = []
        refs.reserveCapacity(1 << 16)
        var ends = [Int](repeating: 0, count: rowsPerInsert)
        var failure: SnapshotError?
        objects.addresses.withUnsafeBufferPointer { addresses in
        objects.starts.withUnsafeBufferPointer { starts in
        objects.targets.withUnsafeBufferPointer { targets in
            var first = 0
            while first < objects.count && failure == nil {
                let count = min(rowsPerInsert, objects.count - first)
                let insert = count == rowsPerInsert ? full : last
                refs.removeAll(keepingCapacity: true)
                for row in 0..<count {
                    let index = order[first + row]
                    JSONIntegers.append(addressesOf: targets[Int(starts[index])..<Int(starts[index + 1])], in: addresses, to: &refs)
                    ends[row] = refs.count
                }
                refs.withUnsafeBytes { text in
                    var start = 0
                    for row in 0..<count {
                        let index = order[first + row]
                        let column = Int32(row * 7)
                        insert.bind(column + 1, Int64(bitPattern: addresses[index]))
                        insert.bind(column + 2, typeIDOf[index])
                        insert.bind(column + 3, Int(objects.generations[index]))
                        insert.bind(column + 4, objects.sizes[index])
                        insert.bind(column + 5, objects.refcounts[index])
                        insert.bind(column + 6, objects.collectable[index] ? 1 : 0)
                        // Valid until the step below returns.
                        insert.bind(column + 7, utf8: UnsafeRawBufferPointer(rebasing: text[start..<ends[row]]))
                        start = ends[row]
                    }
                    do throws(SnapshotError) { try insert.step() } catch { failure = error }
                }
                insert.reset()
                first += count
            }
        }
        }
        }
        if let failure { throw failure }
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
        let insert = try database.prepare("INSERT INTO cycles (rank, count, objects, held_bytes, path) VALUES (?, ?, ?, ?, ?)")
        for (rank, cycle) in cycles.enumerated() {
            insert.bind(1, rank + 1)
            insert.bind(2, cycle.count)
            insert.bind(3, cycle.objects)
            insert.bind(4, cycle.heldBytes)
            insert.bind(5, cycle.path)
            try insert.step()
            insert.reset()
        }
    }

    // MARK: - Reading

    /// Reads a snapshot, objects in address order. Without `references` the objects' references are
    /// not parsed (what `diff` needs is faster without them): `starts` is all zeros and `targets` empty.
    public static func read(_ path: String, references: Bool = true) throws(SnapshotError) -> HeapSnapshot {
        try SnapshotHeader.validate(path)
        let database = try SQLiteDatabase(path: path, create: false)
        do {
            return try readContents(path, database, references: references)
        } catch {
            switch error {
            case let .sqlite(message): throw .corrupt(path: path, reason: message)
            default: throw error
            }
        }
    }

    private static func readContents(_ path: String, _ database: SQLiteDatabase, references: Bool) throws(SnapshotError) -> HeapSnapshot {
        var meta: [String: String] = [:]
        let metaRows = try database.prepare("SELECT key, value FROM meta")
        while try metaRows.step() { meta[metaRows.text(0)] = metaRows.text(1) }
        guard let schema = meta["schema"] else { throw .notASnapshot(path: path) }
        guard schema == SnapshotSchema.name else { throw .unsupportedSchema(path: path, schema: schema) }
        guard let expected = meta["object_count"].flatMap({ Int($0) }), expected >= 0 else {
            throw .corrupt(path: path, reason: "no object count")
        }

        var types: [UInt64: TypeInfo] = [:]
        var typeAddress = TypeIDs()
        let typeRows = try database.prepare("SELECT id, address, name, qualified, tp_name, heap_type FROM types")
        while try typeRows.step() {
            let address = UInt64(bitPattern: typeRows.int64(1))
            typeAddress[typeRows.int(0)] = address
            types[address] = TypeInfo(address: address, name: typeRows.text(2), qualified: typeRows.text(3),
                                      tpName: typeRows.text(4), isHeapType: typeRows.int(5) != 0)
        }

        var addresses: [UInt64] = [], objectTypes: [UInt64] = [], generations: [UInt8] = [], sizes: [Int] = []
        var refcounts: [Int64] = [], collectable: [Bool] = [], starts: [Int32] = [0], targets: [Int32] = []
        addresses.reserveCapacity(expected)
        objectTypes.reserveCapacity(expected)
        generations.reserveCapacity(expected)
        sizes.reserveCapacity(expected)
        refcounts.reserveCapacity(expected)
        collectable.reserveCapacity(expected)
        starts.reserveCapacity(expected + 1)
        let rows = try database.prepare(references
            ? "SELECT address, type_id, generation, size, refcount, collectable, refs FROM objects ORDER BY address"
            : "SELECT address, type_id, generation, size, refcount, collectable FROM objects ORDER BY address")
        var referenced: [UInt64] = []
        while try rows.step() {
            let address = UInt64(bitPattern: rows.int64(0))
            guard addresses.count < expected else { throw .corrupt(path: path, reason: "more than \(expected) objects") }
            guard let type = typeAddress[rows.int(1)] else { throw .corrupt(path: path, reason: "object 0x\(String(address, radix: 16)) names no type") }
            let generation = rows.int(2)
            guard (0...2).contains(generation) else {
                throw .corrupt(path: path, reason: "object 0x\(String(address, radix: 16)) is in generation \(generation)")
            }
            addresses.append(address)
            objectTypes.append(type)
            generations.append(UInt8(generation))
            sizes.append(rows.int(3))
            refcounts.append(rows.int64(4))
            collectable.append(rows.int(5) != 0)
            if references {
                guard JSONIntegers.parse(rows.utf8(6), into: &referenced) else {
                    throw .corrupt(path: path, reason: "object 0x\(String(address, radix: 16)) has malformed references")
                }
            }
            starts.append(Int32(clamping: referenced.count))
        }
        guard addresses.count == expected else {
            throw .corrupt(path: path, reason: "\(addresses.count) of \(expected) objects")
        }
        if references {
            // References name objects by address; the model numbers them by position. The rows came
            // in address order, so a position is found by binary search: no table of a million
            // entries to build and miss in (this runs for `diff` too, which checks every reference).
            guard zip(addresses, addresses.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw .corrupt(path: path, reason: "objects are not in address order, or one appears twice")
            }
            targets.reserveCapacity(referenced.count)
            try addresses.withUnsafeBufferPointer { (sorted) throws(SnapshotError) in
                for address in referenced {
                    var low = 0, high = sorted.count
                    while low < high {
                        let middle = (low + high) / 2
                        if sorted[middle] < address { low = middle + 1 } else { high = middle }
                    }
                    guard low < sorted.count, sorted[low] == address else {
                        throw .corrupt(path: path, reason: "a reference to 0x\(String(address, radix: 16)), which is not in the snapshot")
                    }
                    targets.append(Int32(low))
                }
            }
        }

        var garbage: [ObjectRef] = []
        let garbageRows = try database.prepare("SELECT address, type_id FROM garbage ORDER BY position")
        while try garbageRows.step() {
            garbage.append(ObjectRef(address: UInt64(bitPattern: garbageRows.int64(0)), type: typeAddress[garbageRows.int(1)] ?? 0))
        }
        var cycles: [SnapshotCycle] = []
        let cycleRows = try database.prepare("SELECT count, objects, held_bytes, path FROM cycles ORDER BY rank")
        while try cycleRows.step() {
            cycles.append(SnapshotCycle(count: cycleRows.int(0), objects: cycleRows.int(1), heldBytes: cycleRows.int(2), path: cycleRows.text(3)))
        }
        let objects = HeapObjects(addresses: addresses, types: objectTypes, generations: generations, sizes: sizes,
                                  refcounts: refcounts, collectable: collectable, starts: starts, targets: targets)
        return HeapSnapshot(meta: meta, objects: objects, types: types, garbage: garbage, cycles: cycles)
    }
}

/// Type ids to type addresses. The writer numbers types 0, 1, 2 ...: an array, looked up once per
/// object without hashing; a damaged file's other ids still resolve, through a dictionary.
struct TypeIDs {
    private var dense: [UInt64?] = []
    private var other: [Int: UInt64] = [:]
    private static let denseLimit = 1 << 20

    subscript(id: Int) -> UInt64? {
        get { id >= 0 && id < dense.count ? dense[id] : other[id] }
        set {
            guard id >= 0, id < Self.denseLimit else { other[id] = newValue; return }
            if id >= dense.count { dense += Array(repeating: nil, count: id + 1 - dense.count) }
            dense[id] = newValue
        }
    }
}

