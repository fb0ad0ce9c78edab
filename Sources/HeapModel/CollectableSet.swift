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
    /// `--verify-traversal`: the native plans checked against the target's own tp_traverse.
    public var verification: TraversalCheck?
    /// Memory a collection would give back: the objects' own sizes (as `sys.getsizeof` counts them),
    /// per type, and untracked objects (str, bytes, int, ...) whose every reference comes from them.
    public var bytes: Int = 0
    public var bytesByType: [UInt64: Int] = [:]
    public var untrackedBytes: Int = 0
    public var untrackedObjects: Int = 0
    /// Of the unreachable objects, those a collection would not free because of legacy finalizers
    /// (`gc: uncollectable <...>` under DEBUG_UNCOLLECTABLE): see `LegacyFinalizers`. Empty when there are none.
    public var uncollectable = LegacyFinalizers()

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
    /// Objects whose references were found exactly: by a native plan or by emulating their type's tp_traverse.
    public var exact: Int
    /// Tracked objects per type-object address whose traversal is not exact (what limits the analysis).
    public var inexactByType: [UInt64: Int]
    /// Of `exact`, the objects whose references came from their type's own tp_traverse run in the
    /// emulator, per type.
    public var emulatedByType: [UInt64: Int] = [:]
    /// Why the references of an inexact type's objects could not be found (one reason per type).
    public var inexactReasons: [UInt64: String] = [:]
    /// Of the inexact objects, per type, those that stand between suspected garbage and a verdict:
    /// they would be garbage themselves if the pointers their memory holds were their references
    /// (an inexact object that is surely alive hides nothing: what it references is alive through it).
    public var inexactSuspectByType: [UInt64: Int] = [:]
    /// Emulated calls made (including `--verify-traversal`'s) and the time they took, all threads together.
    public var emulationCalls = 0
    public var emulationSeconds = 0.0

    public var emulated: Int { emulatedByType.values.reduce(0, +) }
    public var native: Int { exact - emulated }

    public init(tracked: Int, exact: Int, inexactByType: [UInt64: Int]) {
        self.tracked = tracked
        self.exact = exact
        self.inexactByType = inexactByType
    }
}

/// `--verify-traversal`: every object with a native plan traversed a second time by its type's
/// own tp_traverse in the emulator, and the two lists of referents compared.
public struct TraversalCheck: Sendable, Equatable {
    /// Objects compared, and those whose tp_traverse could not be emulated (per reason).
    public var compared = 0
    public var notEmulated: [String: Int] = [:]
    public var disagreements: [Disagreement] = []

    public struct Disagreement: Sendable, Equatable {
        public var type: UInt64
        public var objects: Int
        /// One object that disagreed, and the referents only one side found for it.
        public var sample: UInt64
        public var onlyNative: [UInt64]
        public var onlyEmulated: [UInt64]

        public init(type: UInt64, objects: Int, sample: UInt64, onlyNative: [UInt64], onlyEmulated: [UInt64]) {
            self.type = type
            self.objects = objects
            self.sample = sample
            self.onlyNative = onlyNative
            self.onlyEmulated = onlyEmulated
        }
    }

    public init() {}
}

/// What gcmodule.c's `move_legacy_finalizers` and `move_legacy_finalizer_reachable` would set aside:
/// unreachable objects with a legacy finalizer (one the collector will not call on a cycle: a type's
/// `tp_del`, 2.7's `__del__`), and every unreachable object reachable from them. A collection frees
/// none of these: it appends the ones with a finalizer to `gc.garbage` (all of them under
/// DEBUG_SAVEALL) and moves the rest to the oldest generation.
public struct LegacyFinalizers: Sendable, Equatable {
    /// Every unreachable object that would stay, by type, with addresses.
    public var census = TypeCensus(objects: [])
    /// Those that have a legacy finalizer themselves (what `gc.garbage` would gain), each with why.
    public var finalizers: [Finalizer] = []

    public struct Finalizer: Sendable, Equatable {
        public var object: ObjectRef
        /// How the collector knows it has one, e.g. "tp_del" or "__del__ of its class".
        public var reason: String

        public init(object: ObjectRef, reason: String) {
            self.object = object
            self.reason = reason
        }
    }

    public init() {}
}
