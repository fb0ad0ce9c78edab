/// What `pyinspect top` reports: the objects and types that keep the most of the live heap alive
/// (retained size over the dominator tree), and the leak suspects in Eclipse MAT's sense — an object
/// or a type retaining more than `suspectShare` of the live heap. Sizes are `sys.getsizeof`, of the
/// tracked objects and of the untracked ones they reach (str, bytes, int payloads, untracked dicts
/// and tuples).
public struct RetentionSummary: Sendable, Equatable {
    public struct Object: Sendable, Equatable {
        public var address: UInt64
        public var type: UInt64
        public var own: Int
        public var retained: Int

        public init(address: UInt64, type: UInt64, own: Int, retained: Int) {
            self.address = address
            self.type = type
            self.own = own
            self.retained = retained
        }
    }

    public struct TypeRow: Sendable, Equatable {
        public var type: UInt64
        public var objects: Int
        /// What freeing every object of the type would free.
        public var retained: Int

        public init(type: UInt64, objects: Int, retained: Int) {
            self.type = type
            self.objects = objects
            self.retained = retained
        }
    }

    /// Objects a root reaches, and their own sizes together; how many of them are untracked.
    public var liveObjects: Int
    public var untrackedObjects = 0
    public var liveBytes: Int
    /// Objects held from outside the graph (C code, frames, untracked containers, immortal objects).
    public var roots: Int
    /// The objects retaining most, largest first (ties: by address).
    public var top: [Object]
    public var types: [TypeRow]
    public var suspectShare: Double
    public var suspects: [Object]
    public var suspectTypes: [TypeRow]

    public init(liveObjects: Int, liveBytes: Int, roots: Int, top: [Object], types: [TypeRow], suspectShare: Double,
                suspects: [Object], suspectTypes: [TypeRow]) {
        self.liveObjects = liveObjects
        self.liveBytes = liveBytes
        self.roots = roots
        self.top = top
        self.types = types
        self.suspectShare = suspectShare
        self.suspects = suspects
        self.suspectTypes = suspectTypes
    }
}
