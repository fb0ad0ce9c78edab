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
    /// The path from a root to each object listed (top and suspects), by address, and to the object
    /// of each suspect type that retains most; empty when read from a snapshot.
    public var paths: [UInt64: WhyReport.Group] = [:]
    public var typePaths: [UInt64: WhyReport.Group] = [:]
    /// The roots' own objects that retain most: a module's globals, a frame's locals.
    public var rootRows: [WhyReport.Group] = []
    /// The target's resident and anonymous resident memory when it was read (nil for a snapshot):
    /// how much of it the live heap found accounts for.
    public var residentBytes: Int?
    public var residentAnonymousBytes: Int?
    /// Where the objects found live (pymalloc pools, malloc blocks) against `RssAnon` (nil for a snapshot).
    public var memory: MemoryBreakdown?

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

    /// The ranking of a live heap: `live` are the nodes a root reaches (dominators first), `retained`
    /// each node's retained size, `retainedByType` each type's (what freeing all its objects frees).
    public init(ranking live: [Int32], addresses: [UInt64], types: [UInt64], own: [Int], generations: [UInt8], retained: [Int],
                retainedByType: [UInt64: Int], roots: Int, top: Int, suspectShare: Double) {
        func before(_ x: Int32, _ y: Int32) -> Bool {
            let (a, b) = (retained[Int(x)], retained[Int(y)])
            return a != b ? a > b : addresses[Int(x)] < addresses[Int(y)]
        }
        var liveBytes = 0, untracked = 0
        var counts: [UInt64: Int] = [:]
        for node in live {
            liveBytes += own[Int(node)]
            if generations[Int(node)] == HeapObjects.untracked { untracked += 1 }
            counts[types[Int(node)], default: 0] += 1
        }
        let threshold = Double(liveBytes) * suspectShare
        // The few largest, without sorting the heap: a sorted window of `top`, and the suspects apart.
        var ranked: [Int32] = []
        ranked.reserveCapacity(top + 1)
        var suspects: [Int32] = []
        for node in live {
            if Double(retained[Int(node)]) > threshold { suspects.append(node) }
            guard ranked.count < top || before(node, ranked[ranked.count - 1]) else { continue }
            let position = ranked.firstIndex { before(node, $0) } ?? ranked.count
            ranked.insert(node, at: position)
            if ranked.count > top { ranked.removeLast() }
        }
        suspects.sort(by: before)
        func object(_ node: Int32) -> Object {
            Object(address: addresses[Int(node)], type: types[Int(node)], own: own[Int(node)], retained: retained[Int(node)])
        }
        let typeRows = retainedByType.map { TypeRow(type: $0.key, objects: counts[$0.key] ?? 0, retained: $0.value) }
            .sorted { $0.retained != $1.retained ? $0.retained > $1.retained : $0.type < $1.type }
        self.init(liveObjects: live.count, liveBytes: liveBytes, roots: roots, top: ranked.map(object), types: Array(typeRows.prefix(top)),
                  suspectShare: suspectShare, suspects: suspects.map(object), suspectTypes: typeRows.filter { Double($0.retained) > threshold })
        untrackedObjects = untracked
    }
}

/// What `top` asks the reader for: how many objects and types, and the leak-suspect share.
public struct TopQuery: Sendable, Equatable {
    public var count: Int
    public var suspectShare: Double

    public init(count: Int, suspectShare: Double) {
        self.count = count
        self.suspectShare = suspectShare
    }
}
