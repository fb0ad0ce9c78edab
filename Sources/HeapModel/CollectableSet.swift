/// What a full collection would find unreachable right now (`gc: collectable <...>` under
/// `gc.DEBUG_COLLECTABLE`), computed from memory alone.
public struct CollectableSet: Sendable {
    /// The unreachable objects by type, with their addresses.
    public var census: TypeCensus
    /// How many of them sit in generation 0, 1 and 2.
    public var byGeneration: [Int]
    /// Tracked objects analysed, and how many of them had a type whose references pyinspect finds
    /// exactly. Objects of other types are never reported as garbage on their own say-so; they can
    /// only hide garbage (make it look reachable).
    public var coverage: Coverage
    /// Objects with more references found than their refcount allows: a sign of an inconsistent copy
    /// or of a traversal that visits too much. They are treated as reachable.
    public var overcounted: [ObjectRef]
    /// The cycles, grouped by shape, largest first.
    public var cycles: [CycleGroup]
    /// Memory a collection would give back: the objects' own sizes (as `sys.getsizeof` counts them),
    /// per type, and untracked objects (str, bytes, int, ...) whose every reference comes from them.
    public var bytes: Int = 0
    public var bytesByType: [UInt64: Int] = [:]
    public var untrackedBytes: Int = 0
    public var untrackedObjects: Int = 0

    /// Everything a collection would free.
    public var heldBytes: Int { bytes + untrackedBytes }

    public init(census: TypeCensus, byGeneration: [Int], coverage: Coverage, overcounted: [ObjectRef], cycles: [CycleGroup] = []) {
        self.census = census
        self.byGeneration = byGeneration
        self.coverage = coverage
        self.overcounted = overcounted
        self.cycles = cycles
    }
}

public struct Coverage: Sendable, Equatable {
    public var tracked: Int
    public var exact: Int
    /// Tracked objects per type-object address whose traversal is not exact (what limits the analysis).
    public var inexactByType: [UInt64: Int]

    public init(tracked: Int, exact: Int, inexactByType: [UInt64: Int]) {
        self.tracked = tracked
        self.exact = exact
        self.inexactByType = inexactByType
    }
}
