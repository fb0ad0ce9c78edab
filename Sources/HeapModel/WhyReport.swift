/// Where a retainer path starts: something the interpreter holds, named the way a Python programmer
/// thinks of it.
public struct RootName: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable {
        /// A module's globals: `module app.cache`.
        case module
        /// `sys` and `builtins`, and `sys.modules` itself.
        case interpreter
        /// A running frame on a thread: `thread MainThread: frame Worker.run (app/worker.py:42)`.
        case thread
        /// What `gc.freeze()` moved out of collection, held from outside the gc graph.
        case permanent
        /// Referenced from outside the gc graph: C code, extension state, untracked containers.
        case outside
        /// An immortal object (3.12+), held by the interpreter for ever.
        case immortal
    }

    public var kind: Kind
    public var text: String

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }
}

extension RootName {
    /// The permanent generation's objects no named root reaches.
    public static let permanent = RootName(kind: .permanent, text: "frozen by gc.freeze(), held from outside the gc graph")

    /// What is left after the named sources: a root the graph does not explain.
    public static func outside(immortal: Bool) -> RootName {
        immortal ? RootName(kind: .immortal, text: "immortal") : RootName(kind: .outside, text: "held from outside the gc graph")
    }
}

/// What `pyinspect why` asks: the objects of a type (its `__name__` or `module.qualname`) or one object.
public enum WhyQuery: Sendable, Equatable {
    case type(String)
    case address(UInt64)

    public var text: String {
        switch self {
        case let .type(name): return name
        case let .address(address): return "0x" + String(address, radix: 16)
        }
    }
}

/// The paths that keep the objects asked about alive: from a root to each object, grouped by the
/// shape of the path (its root, the types on it and how each refers to the next).
public struct WhyReport: Sendable {
    public struct Group: Sendable, Equatable {
        public var count: Int
        /// What freeing every object of the group would free (no object counted twice).
        public var retainedBytes: Int
        public var root: RootName
        /// References held from outside by the path's first object beyond what the graph explains
        /// (for `outside` and `permanent` roots).
        public var outsideReferences: Int
        /// The first object's path: from the root's object to the object asked about (whose step
        /// has no label). A module global's first label is the global's name.
        public var steps: [CycleStep]
        /// Positions of `steps` whose item index differs between the group's paths (printed `[*]`).
        public var varyingIndex: Set<Int>
        public var samples: [ObjectRef]

        public init(count: Int, retainedBytes: Int, root: RootName, outsideReferences: Int, steps: [CycleStep],
                    varyingIndex: Set<Int>, samples: [ObjectRef]) {
            self.count = count
            self.retainedBytes = retainedBytes
            self.root = root
            self.outsideReferences = outsideReferences
            self.steps = steps
            self.varyingIndex = varyingIndex
            self.samples = samples
        }
    }

    public var query: WhyQuery
    /// The types that matched (several classes may share a name).
    public var types: [UInt64]
    /// Live objects asked about, and what freeing all of them would free.
    public var objects: Int
    public var retainedBytes: Int
    /// Live objects of the heap and their own sizes (for shares).
    public var liveBytes: Int
    /// Largest first.
    public var groups: [Group]
    /// Objects asked about that no root reaches: garbage, which the next collection frees.
    public var garbage: Int
    /// One cycle that holds them, when there is one.
    public var garbageCycle: CycleGroup?
    /// The same, as a snapshot stored its path (`why` on a file): types by name, and by module.qualname.
    public var garbageCyclePath: String?
    public var garbageCycleQualifiedPath: String?
    /// Why nothing could be said, when nothing could (an address that is no tracked object, a type
    /// with no objects).
    public var problem: String?

    public init(query: WhyQuery, types: [UInt64], objects: Int, retainedBytes: Int, liveBytes: Int, groups: [Group],
                garbage: Int, garbageCycle: CycleGroup? = nil, problem: String? = nil) {
        self.query = query
        self.types = types
        self.objects = objects
        self.retainedBytes = retainedBytes
        self.liveBytes = liveBytes
        self.groups = groups
        self.garbage = garbage
        self.garbageCycle = garbageCycle
        self.problem = problem
    }
}
