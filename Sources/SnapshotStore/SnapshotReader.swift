import HeapModel

extension SnapshotFile {
    /// Reads a snapshot (schema 1 or 2). Without `references` a schema-1 file's references are not
    /// parsed (`starts` all zeros, `targets` empty); schema 2 always reads them (they are integers).
    public static func read(_ path: String, references: Bool = true) throws(SnapshotError) -> HeapSnapshot {
        try SnapshotHeader.validate(path)
        let database = try SQLiteDatabase(path: path, create: false)
        do throws(SnapshotError) {
            let meta = try readMeta(database)
            guard let schema = meta["schema"] else { throw SnapshotError.notASnapshot(path: path) }
            switch schema {
            case SnapshotSchema.name: return try readVersion2(path, database, meta: meta)
            case "pyinspect-snapshot/1": return try readVersion1(path, database, meta: meta, references: references)
            default: throw SnapshotError.unsupportedSchema(path: path, schema: schema)
            }
        } catch {
            switch error {
            case let .sqlite(message): throw .corrupt(path: path, reason: message)
            default: throw error
            }
        }
    }

    static func readMeta(_ database: SQLiteDatabase) throws(SnapshotError) -> [String: String] {
        var meta: [String: String] = [:]
        let rows = try database.prepare("SELECT key, value FROM meta")
        while try rows.step() { meta[rows.text(0)] = rows.text(1) }
        return meta
    }

    static func readTypes(_ database: SQLiteDatabase) throws(SnapshotError) -> ([UInt64: TypeInfo], TypeIDs) {
        var types: [UInt64: TypeInfo] = [:]
        var typeAddress = TypeIDs()
        let rows = try database.prepare("SELECT id, address, name, qualified, tp_name, heap_type FROM types")
        while try rows.step() {
            let address = UInt64(bitPattern: rows.int64(1))
            typeAddress[rows.int(0)] = address
            types[address] = TypeInfo(address: address, name: rows.text(2), qualified: rows.text(3), tpName: rows.text(4),
                                      isHeapType: rows.int(5) != 0)
        }
        return (types, typeAddress)
    }

    static func readGarbage(_ database: SQLiteDatabase, _ typeAddress: TypeIDs) throws(SnapshotError) -> [ObjectRef] {
        var garbage: [ObjectRef] = []
        let rows = try database.prepare("SELECT address, type_id FROM garbage ORDER BY position")
        while try rows.step() { garbage.append(ObjectRef(address: UInt64(bitPattern: rows.int64(0)), type: typeAddress[rows.int(1)] ?? 0)) }
        return garbage
    }

    static func readCycles(_ database: SQLiteDatabase, qualified: Bool = false) throws(SnapshotError) -> [SnapshotCycle] {
        var cycles: [SnapshotCycle] = []
        let rows = try database.prepare("SELECT count, objects, held_bytes, path\(qualified ? ", qualified_path" : "") FROM cycles ORDER BY rank")
        while try rows.step() {
            cycles.append(SnapshotCycle(count: rows.int(0), objects: rows.int(1), heldBytes: rows.int(2), path: rows.text(3),
                                        qualifiedPath: qualified ? rows.text(4) : nil))
        }
        return cycles
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

