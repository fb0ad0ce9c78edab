import HeapModel

extension SnapshotFile {
    /// A schema-2 file: objects by id (node order), references in `edges`, and the roots, labels and
    /// details `why` and `top` need. Every number is checked against what it refers to: a damaged
    /// file is refused in one line, never half-read.
    static func readVersion2(_ path: String, _ database: SQLiteDatabase, meta: [String: String]) throws(SnapshotError) -> HeapSnapshot {
        func damaged(_ reason: String) -> SnapshotError { .corrupt(path: path, reason: reason) }
        guard let expected = meta["object_count"].flatMap({ Int($0) }), expected >= 0, expected < Int(Int32.max),
              let edgeCount = meta["edge_count"].flatMap({ Int($0) }), edgeCount >= 0, edgeCount < Int(Int32.max) else {
            throw damaged("no object or edge count")
        }
        let hasPaths = meta["has_paths"] == "1"
        let (types, typeAddress) = try readTypes(database)

        var addresses: [UInt64] = [], objectTypes: [UInt64] = [], generations: [UInt8] = [], sizes: [Int] = []
        var refcounts: [Int64] = [], collectable: [Bool] = []
        var labelOf: [Int32] = [], retainerOf: [Int32] = [], sourceOf: [Int32] = [], cycleOf: [Int32: Int32] = [:]
        labelOf.reserveCapacity(expected)
        retainerOf.reserveCapacity(expected)
        sourceOf.reserveCapacity(expected)
        addresses.reserveCapacity(expected)
        objectTypes.reserveCapacity(expected)
        generations.reserveCapacity(expected)
        sizes.reserveCapacity(expected)
        refcounts.reserveCapacity(expected)
        collectable.reserveCapacity(expected)
        let rows = try database.prepare("""
            SELECT id, address, type_id, generation, size, refcount, collectable, retainer, label_id, root_id, cycle FROM objects ORDER BY id
            """)
        func optional(_ column: Int32, _ absent: Int32) -> Int32 { rows.isNull(column) ? absent : Int32(clamping: rows.int64(column)) }
        while try rows.step() {
            let id = rows.int(0)
            guard id == addresses.count else { throw damaged(id < addresses.count ? "object \(id) appears twice" : "object \(addresses.count) is missing") }
            guard id < expected else { throw damaged("more than \(expected) objects") }
            let address = UInt64(bitPattern: rows.int64(1))
            guard let type = typeAddress[rows.int(2)] else { throw damaged("object 0x\(String(address, radix: 16)) names no type") }
            let generation = rows.isNull(3) ? Int(HeapObjects.untracked) : rows.int(3)
            guard (0...Int(HeapObjects.permanent)).contains(generation) || generation == Int(HeapObjects.untracked) else {
                throw damaged("object 0x\(String(address, radix: 16)) is in generation \(generation)")
            }
            addresses.append(address)
            objectTypes.append(type)
            generations.append(UInt8(generation))
            sizes.append(rows.int(4))
            refcounts.append(rows.int64(5))
            collectable.append(rows.int(6) != 0)
            retainerOf.append(optional(7, -1))
            labelOf.append(optional(8, -1))
            sourceOf.append(optional(9, -1))
            if !rows.isNull(10) { cycleOf[Int32(id)] = Int32(clamping: rows.int64(10) - 1) }
        }
        guard addresses.count == expected else { throw damaged("\(addresses.count) of \(expected) objects") }

        var starts = [Int32](repeating: 0, count: expected + 1), targets: [Int32] = []
        targets.reserveCapacity(edgeCount)
        let edges = try database.prepare("SELECT source, position, target FROM edges ORDER BY source, position")
        var current = 0, next = 0
        while try edges.step() {
            let source = edges.int(0), target = edges.int(2)
            guard targets.count < edgeCount else { throw damaged("more than \(edgeCount) references") }
            guard source >= current, source < expected, target >= 0, target < expected else {
                throw damaged("a reference from object \(source) to object \(target), which is not in the snapshot")
            }
            if source > current {
                for node in current..<source { starts[node + 1] = Int32(targets.count) }
                current = source
                next = 0
            }
            guard edges.int(1) == next else { throw damaged("object \(source)'s references skip position \(next)") }
            next += 1
            targets.append(Int32(target))
        }
        for node in current..<expected { starts[node + 1] = Int32(targets.count) }
        guard targets.count == edgeCount else { throw damaged("\(targets.count) of \(edgeCount) references") }
        let objects = HeapObjects(addresses: addresses, types: objectTypes, generations: generations, sizes: sizes,
                                  refcounts: refcounts, collectable: collectable, starts: starts, targets: targets)
        let cycles = try readCycles(database, qualified: true)
        var paths: HeapPaths?
        if hasPaths {
            paths = try readPaths(database, objects: objects, labelOf: labelOf, retainerOf: retainerOf, sourceOf: sourceOf,
                                  cycleOf: cycleOf, cycles: cycles.count, damaged: damaged)
        }
        return HeapSnapshot(meta: meta, objects: objects, types: types, garbage: try readGarbage(database, typeAddress), cycles: cycles,
                            paths: paths)
    }

    private static func readPaths(_ database: SQLiteDatabase, objects: HeapObjects, labelOf: [Int32], retainerOf: [Int32], sourceOf: [Int32],
                                  cycleOf: [Int32: Int32], cycles: Int, damaged: (String) -> SnapshotError) throws(SnapshotError) -> HeapPaths {
        let count = objects.count
        var labels: [EdgeLabel] = []
        let labelRows = try database.prepare("SELECT id, kind, name, number FROM labels ORDER BY id")
        while try labelRows.step() {
            guard labelRows.int(0) == labels.count,
                  let label = EdgeLabelCodec.label(kind: labelRows.text(1), name: labelRows.isNull(2) ? nil : labelRows.text(2),
                                                   number: labelRows.isNull(3) ? nil : labelRows.int(3)) else {
                throw damaged("label \(labels.count) is missing or of no known kind")
            }
            labels.append(label)
        }
        var sources: [PathSource] = [], names = 0
        let rootRows = try database.prepare("SELECT id, kind, name, object FROM roots ORDER BY id")
        while try rootRows.step() {
            guard rootRows.int(0) == names, let kind = RootName.Kind(rawValue: rootRows.text(1)) else { throw damaged("root \(names) is missing or of no known kind") }
            names += 1
            guard !rootRows.isNull(3) else { continue }
            let node = rootRows.int(3)
            guard node >= 0, node < count, sources.count == names - 1 else { throw damaged("root \(names - 1) names no object") }
            sources.append(PathSource(node: Int32(node), name: RootName(kind: kind, text: rootRows.text(2))))
        }
        var details: [Int32: HeapPaths.Detail] = [:]
        let detailRows = try database.prepare("SELECT object, text, omitted_before FROM details")
        while try detailRows.step() {
            let node = detailRows.int(0), before = detailRows.isNull(2) ? -1 : detailRows.int(2)
            guard node >= 0, node < count, before >= -1, before < count else { throw damaged("a detail names no object") }
            details[Int32(node)] = HeapPaths.Detail(text: detailRows.text(1), omittedBefore: Int32(before))
        }
        guard labelOf.allSatisfy({ $0 >= -1 && Int($0) < labels.count }), retainerOf.allSatisfy({ $0 >= -1 && Int($0) < count }),
              sourceOf.allSatisfy({ $0 >= -1 && Int($0) < names }), cycleOf.values.allSatisfy({ $0 >= 0 && Int($0) < cycles }) else {
            throw damaged("an object names a label, retainer, root or cycle that is not in the snapshot")
        }
        // The permanent generation's objects are one run of ids, after the tracked ones.
        let frozenIDs = objects.generations.indices.filter { objects.generations[$0] == HeapObjects.permanent }
        guard frozenIDs.isEmpty || frozenIDs.last! - frozenIDs.first! + 1 == frozenIDs.count else {
            throw damaged("the permanent generation's objects are not one run")
        }
        let frozen = frozenIDs.isEmpty ? Int32(0)..<Int32(0) : Int32(frozenIDs.first!)..<Int32(frozenIDs.last! + 1)
        // The search marks unreached nodes -2; the file has NULL for them and for sources alike.
        let parents = zip(retainerOf, sourceOf).map { retainer, source in retainer >= 0 ? retainer : source >= 0 ? -1 : -2 }
        return HeapPaths(sources: sources, frozen: frozen, labels: labels, labelOf: labelOf, retainerOf: parents, sourceOf: sourceOf,
                         details: details, cycleOf: cycleOf)
    }
}
