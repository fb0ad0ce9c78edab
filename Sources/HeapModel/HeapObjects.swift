/// Every tracked object of the collected generations, as columns in one order (the node order of
/// the analysis), with the references between them: what a snapshot stores, so that later
/// questions (what grew, who holds what) can be answered without the process.
public struct HeapObjects: Sendable, Equatable {
    /// `id()` of each object.
    public var addresses: [UInt64]
    /// Address of each object's type (a key of the capture's type table).
    public var types: [UInt64]
    /// 0, 1 or 2; `HeapObjects.permanent` for the permanent generation's (`gc.freeze()`) and
    /// `HeapObjects.untracked` for an object the collector does not track (both recorded for `top`,
    /// `why` and snapshots, after the tracked ones, reached through their references).
    public var generations: [UInt8]
    /// `sys.getsizeof` of each object (0 when it could not be read).
    public var sizes: [Int]
    /// `ob_refcnt` at the pause; `HeapObjects.immortal` for immortal objects (3.12+).
    public var refcounts: [Int64]
    /// Whether the next full collection would free it.
    public var collectable: [Bool]
    /// References, compressed: object `i` references objects `targets[starts[i] ..< starts[i + 1]]`
    /// (by position in these columns), in `tp_traverse` order (references to untracked objects after
    /// the others); without untracked objects recorded, references to them are left out.
    public var starts: [Int32]
    public var targets: [Int32]

    public static let untracked: UInt8 = 255
    public static let permanent: UInt8 = 3

    /// How an immortal refcount is recorded.
    public static let immortal: Int64 = -1

    public init(addresses: [UInt64], types: [UInt64], generations: [UInt8], sizes: [Int], refcounts: [Int64],
                collectable: [Bool], starts: [Int32], targets: [Int32]) {
        precondition([types.count, generations.count, sizes.count, refcounts.count, collectable.count].allSatisfy { $0 == addresses.count })
        precondition(starts.count == addresses.count + 1)
        self.addresses = addresses
        self.types = types
        self.generations = generations
        self.sizes = sizes
        self.refcounts = refcounts
        self.collectable = collectable
        self.starts = starts
        self.targets = targets
    }

    public var count: Int { addresses.count }

    /// Positions of the objects object `index` references.
    public func references(of index: Int) -> ArraySlice<Int32> {
        targets[Int(starts[index])..<Int(starts[index + 1])]
    }
}
