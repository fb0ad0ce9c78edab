import HeapModel

/// `pyinspect export FILE --format json`: the snapshot as JSON lines for `jq` — one `snapshot`
/// record (the meta keys), then one record per type, object, `gc.garbage` entry and cycle shape,
/// each with a `record` field saying which. Objects are named by address (`id()`, as hex strings).
public enum SnapshotJSONLines {
    /// Calls `emit` with chunks of complete lines (a million objects never become one string).
    public static func write(_ snapshot: HeapSnapshot, emit: (String) -> Void) {
        var header = "{\"record\":\"snapshot\""
        for key in snapshot.meta.keys.sorted() where key != "report" {
            header += ","
            JSONValue.quote(key, into: &header)
            header += ":"
            JSONValue.quote(snapshot.meta[key]!, into: &header)
        }
        emit(header + "}\n")
        var chunk = ""
        func flush(_ force: Bool = false) {
            if force || chunk.utf8.count > 1 << 20 {
                emit(chunk)
                chunk = ""
            }
        }
        for address in snapshot.types.keys.sorted() {
            let type = snapshot.types[address]!
            chunk += "{\"record\":\"type\",\"address\":\"\(hexAddress(address))\",\"name\":"
            JSONValue.quote(type.name, into: &chunk)
            chunk += ",\"qualified\":"
            JSONValue.quote(type.qualified, into: &chunk)
            chunk += ",\"heap_type\":\(type.isHeapType)}\n"
        }
        let objects = snapshot.objects
        var typeName: [UInt64: String] = [:]
        for index in 0..<objects.count {
            let type = objects.types[index]
            let name = typeName[type] ?? {
                var quoted = ""
                JSONValue.quote(snapshot.type(ofObject: index).name, into: &quoted)
                typeName[type] = quoted
                return quoted
            }()
            chunk += "{\"record\":\"object\",\"address\":\"\(hexAddress(objects.addresses[index]))\",\"type\":\(name)"
            let generation = objects.generations[index] == HeapObjects.untracked ? "null" : String(objects.generations[index])
            chunk += ",\"type_address\":\"\(hexAddress(type))\",\"generation\":\(generation),\"size\":\(objects.sizes[index])"
            chunk += ",\"refcount\":\(objects.refcounts[index]),\"collectable\":\(objects.collectable[index]),\"refs\":["
            chunk += objects.references(of: index).map { "\"\(hexAddress(objects.addresses[Int($0)]))\"" }.joined(separator: ",")
            chunk += "]"
            if let paths = snapshot.paths, paths.retainerOf[index] >= 0 {
                chunk += ",\"retainer\":\"\(hexAddress(objects.addresses[Int(paths.retainerOf[index])]))\",\"label\":"
                let label = paths.labelOf[index]
                JSONValue.quote(label >= 0 ? paths.labels[Int(label)].text(showingValues: true, valueLimit: Int.max) : "?", into: &chunk)
            }
            chunk += "}\n"
            flush()
        }
        for (position, object) in snapshot.garbage.enumerated() {
            chunk += "{\"record\":\"garbage\",\"position\":\(position),\"address\":\"\(hexAddress(object.address))\",\"type_address\":\"\(hexAddress(object.type))\"}\n"
        }
        for (rank, cycle) in snapshot.cycles.enumerated() {
            chunk += "{\"record\":\"cycle\",\"rank\":\(rank + 1),\"count\":\(cycle.count),\"objects\":\(cycle.objects),\"held_bytes\":\(cycle.heldBytes),\"path\":"
            JSONValue.quote(cycle.path, into: &chunk)
            chunk += "}\n"
        }
        flush(true)
    }
}
