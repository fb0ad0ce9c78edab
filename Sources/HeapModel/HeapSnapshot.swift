/// What a snapshot file holds: a description of the read (`meta`, documented keys), every tracked
/// object of generations 0-2 (and, from schema 2, the permanent generation's and the untracked
/// objects they reach) with sizes and references, the types they name, `gc.garbage`, the
/// collectable cycle shapes and the retainer paths' roots and labels. Read back, it answers
/// questions without the process.
public struct HeapSnapshot: Sendable {
    /// Keys are documented in docs/snapshot-schema.md (`pid`, `python_version`, `created_unix`, ...).
    public var meta: [String: String]
    public var objects: HeapObjects
    public var types: [UInt64: TypeInfo]
    /// `gc.garbage`, in list order.
    public var garbage: [ObjectRef]
    /// Cycle shapes, most memory held first.
    public var cycles: [SnapshotCycle]
    /// What `why` and `top` need beyond the objects (schema 2); nil for a schema-1 file.
    public var paths: HeapPaths?

    public init(meta: [String: String], objects: HeapObjects, types: [UInt64: TypeInfo], garbage: [ObjectRef],
                cycles: [SnapshotCycle], paths: HeapPaths? = nil) {
        self.meta = meta
        self.objects = objects
        self.types = types
        self.garbage = garbage
        self.cycles = cycles
        self.paths = paths
    }

    public var pid: Int32? { meta["pid"].flatMap { Int32($0) } }

    /// The type of object `index`, or a stand-in when the type could not be read.
    public func type(ofObject index: Int) -> TypeInfo {
        types[objects.types[index]] ?? .unreadable(objects.types[index])
    }
}

/// One cycle shape as a snapshot keeps it: how many cycles, their objects and bytes, and the path
/// as `pyinspect attach` prints it.
public struct SnapshotCycle: Sendable, Equatable {
    public var count: Int
    public var objects: Int
    public var heldBytes: Int
    public var path: String
    /// The path with types named module.qualname (schema 2; nil in a schema-1 file).
    public var qualifiedPath: String?

    public init(count: Int, objects: Int, heldBytes: Int, path: String, qualifiedPath: String? = nil) {
        self.count = count
        self.objects = objects
        self.heldBytes = heldBytes
        self.path = path
        self.qualifiedPath = qualifiedPath
    }
}
