import HeapModel

extension SnapshotFile {
    /// A schema-1 file: tracked objects keyed by address, references as JSON arrays of addresses.
    static func readVersion1(_ path: String, _ database: SQLiteDatabase, meta: [String: String], references: Bool) throws(SnapshotError) -> HeapSnapshot {
        guard let expected = meta["object_count"].flatMap({ Int($0) }), expected >= 0 else {
            throw .corrupt(path: path, reason: "no object count")
        }

        let (types, typeAddress) = try readTypes(database)

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

        let objects = HeapObjects(addresses: addresses, types: objectTypes, generations: generations, sizes: sizes,
                                  refcounts: refcounts, collectable: collectable, starts: starts, targets: targets)
        return HeapSnapshot(meta: meta, objects: objects, types: types, garbage: try readGarbage(database, typeAddress),
                            cycles: try readCycles(database))
    }
}
