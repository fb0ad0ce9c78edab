/// What changed between two snapshots of one process: per-type growth (like
/// `objgraph.show_growth`), the objects of the second that the first did not have, and the new
/// collectable garbage. An object is the same in both only if it has the same address *and* the
/// same type: an address reused by an object of another type is a new object.
public struct HeapDiff: Sendable {
    public struct Totals: Sendable, Equatable {
        public var objects: Int
        public var bytes: Int
        public var collectable: Int
        /// Own sizes of the collectable objects.
        public var collectableBytes: Int
        /// What the collectable objects hold, with the untracked objects only they reference
        /// (a 20 MB payload), as the snapshot recorded it; nil if it did not.
        public var collectableHeldBytes: Int?
    }

    /// One type's change; `type` is its label under the naming the diff was made with.
    public struct TypeChange: Sendable, Equatable {
        public var type: String
        public var count: Int
        public var delta: Int
        public var bytes: Int
        public var bytesDelta: Int
    }

    /// A set of objects by type label, with their total size.
    public struct ObjectSet: Sendable, Equatable {
        public var count = 0
        public var bytes = 0
        public var byType: [String: Int] = [:]

        public init(count: Int = 0, bytes: Int = 0, byType: [String: Int] = [:]) {
            self.count = count
            self.bytes = bytes
            self.byType = byType
        }
    }

    public var before: Totals
    public var after: Totals
    /// Types whose count changed, largest growth first.
    public var growth: [TypeChange]
    /// Objects of the second snapshot that the first did not have (alive: not collectable).
    public var newObjects: ObjectSet
    /// Objects collectable in the second snapshot that were not collectable garbage in the first.
    public var newCollectable: ObjectSet
    /// Objects of the first snapshot that the second no longer has.
    public var gone: ObjectSet
    /// False when the snapshots come from different processes (then identities mean nothing).
    public var sameProcess: Bool
    /// True when only one snapshot records untracked and frozen objects (a schema-1 file against a
    /// schema-2 one): both are then compared on their tracked objects of generations 0-2.
    public var trackedOnly: Bool
    /// The same object in both, larger in the second (a dict or list that grew in place), most
    /// bytes added first; at most `grownLimit`.
    public var grown: [Grown]
    /// The new live objects of the second snapshot, by position there (for their retainer paths).
    public var newLiveNodes: [Int32]
    /// The retainer paths that hold the new live objects, grouped by shape, largest first (set by
    /// whoever has the second snapshot's heap index; empty for a snapshot without paths).
    public var newRetainers: [WhyReport.Group] = []

    public struct Grown: Sendable, Equatable {
        public var address: UInt64
        public var type: String
        public var before: Int
        public var after: Int
    }

    public static let grownLimit = 100

    public init(from a: HeapSnapshot, to b: HeapSnapshot, naming: TypeNaming = .name) {
        sameProcess = a.pid != nil && a.pid == b.pid
        trackedOnly = a.recordsUntracked != b.recordsUntracked
        let sideA = Side(a, trackedOnly: trackedOnly), sideB = Side(b, trackedOnly: trackedOnly)
        before = Self.totals(sideA)
        after = Self.totals(sideB)
        var countA: [String: (Int, Int)] = [:], countB: [String: (Int, Int)] = [:]
        Self.count(sideA, naming, into: &countA)
        Self.count(sideB, naming, into: &countB)
        growth = Set(countA.keys).union(countB.keys).compactMap { type in
            let (oldCount, oldBytes) = countA[type] ?? (0, 0), (newCount, newBytes) = countB[type] ?? (0, 0)
            guard newCount != oldCount else { return nil }
            return TypeChange(type: type, count: newCount, delta: newCount - oldCount, bytes: newBytes, bytesDelta: newBytes - oldBytes)
        }.sorted { $0.delta != $1.delta ? $0.delta > $1.delta : $0.type < $1.type }

        // Identity: address and type. Both sides walked in address order (snapshots read back that
        // way), like a merge: no hashing, one pass.
        let orderA = Self.addressOrder(a.objects).filter { sideA.included($0) }, orderB = Self.addressOrder(b.objects).filter { sideB.included($0) }
        var newObjects = Tally(), newCollectable = Tally(), gone = Tally()
        var grown: [(Int, Int)] = [], newLive: [Int32] = []
        var i = 0, j = 0
        while i < orderA.count || j < orderB.count {
            let x = i < orderA.count ? orderA[i] : -1, y = j < orderB.count ? orderB[j] : -1
            let addressA = x >= 0 ? a.objects.addresses[x] : UInt64.max, addressB = y >= 0 ? b.objects.addresses[y] : UInt64.max
            if y < 0 || (x >= 0 && addressA < addressB) {
                gone.add(a.objects.types[x], a.objects.sizes[x])
                i += 1
                continue
            }
            let same = x >= 0 && addressA == addressB && a.objects.types[x] == b.objects.types[y]
            if x >= 0 && addressA == addressB {
                if !same { gone.add(a.objects.types[x], a.objects.sizes[x]) }
                i += 1
            }
            if sideB.garbage(y) {
                if !(same && sideA.garbage(x)) { newCollectable.add(b.objects.types[y], b.objects.sizes[y]) }
            } else if !same {
                newObjects.add(b.objects.types[y], b.objects.sizes[y])
                newLive.append(Int32(y))
            } else if b.objects.sizes[y] > a.objects.sizes[x] {
                grown.append((x, y))
            }
            j += 1
        }
        grown.sort { (b.objects.sizes[$0.1] - a.objects.sizes[$0.0], b.objects.addresses[$1.1]) > (b.objects.sizes[$1.1] - a.objects.sizes[$1.0], b.objects.addresses[$0.1]) }
        self.grown = grown.prefix(Self.grownLimit).map { x, y in
            Grown(address: b.objects.addresses[y], type: naming.label(b.type(ofObject: y)), before: a.objects.sizes[x], after: b.objects.sizes[y])
        }
        newLiveNodes = newLive
        self.newObjects = newObjects.labelled(b.types, naming)
        self.newCollectable = newCollectable.labelled(b.types, naming)
        self.gone = gone.labelled(a.types, naming)
    }

    /// Positions in address order (already so for snapshots read from a file).
    private static func addressOrder(_ objects: HeapObjects) -> [Int] {
        let positions = Array(0..<objects.count)
        let sorted = zip(objects.addresses, objects.addresses.dropFirst()).allSatisfy { $0 < $1 }
        return sorted ? positions : positions.sorted { objects.addresses[$0] < objects.addresses[$1] }
    }

    /// Counts by type address while walking; named once at the end.
    private struct Tally {
        var count = 0
        var bytes = 0
        var byType: [UInt64: Int] = [:]

        mutating func add(_ type: UInt64, _ size: Int) {
            count += 1
            bytes += size
            byType[type, default: 0] += 1
        }

        func labelled(_ types: [UInt64: TypeInfo], _ naming: TypeNaming) -> ObjectSet {
            var set = ObjectSet(count: count, bytes: bytes)
            for (type, n) in byType { set.byType[naming.label(types[type] ?? .unreadable(type)), default: 0] += n }
            return set
        }
    }

    private static func totals(_ side: Side) -> Totals {
        let s = side.snapshot
        var totals = Totals(objects: 0, bytes: 0, collectable: 0, collectableBytes: 0,
                            collectableHeldBytes: s.meta["collectable_bytes"].flatMap { Int($0) })
        for index in 0..<s.objects.count where side.included(index) {
            totals.objects += 1
            totals.bytes += s.objects.sizes[index]
            if side.garbage(index) {
                totals.collectable += 1
                totals.collectableBytes += s.objects.sizes[index]
            }
        }
        return totals
    }

    /// Count and bytes per type label; types are labelled once each, not once per object.
    private static func count(_ side: Side, _ naming: TypeNaming, into out: inout [String: (Int, Int)]) {
        let s = side.snapshot
        var byAddress: [UInt64: (Int, Int)] = [:]
        for index in 0..<s.objects.count where side.included(index) {
            byAddress[s.objects.types[index], default: (0, 0)].0 += 1
            byAddress[s.objects.types[index], default: (0, 0)].1 += s.objects.sizes[index]
        }
        for (address, (count, bytes)) in byAddress {
            let label = naming.label(s.types[address] ?? .unreadable(address))
            out[label, default: (0, 0)].0 += count
            out[label, default: (0, 0)].1 += bytes
        }
    }

    /// One snapshot as the diff compares it: which objects count, and which are garbage (collectable,
    /// or untracked and held only by garbage: no root reaches them).
    private struct Side {
        let snapshot: HeapSnapshot
        let trackedOnly: Bool

        init(_ snapshot: HeapSnapshot, trackedOnly: Bool) {
            self.snapshot = snapshot
            self.trackedOnly = trackedOnly
        }

        func included(_ index: Int) -> Bool { !trackedOnly || snapshot.objects.generations[index] <= 2 }

        func garbage(_ index: Int) -> Bool {
            if snapshot.objects.collectable[index] { return true }
            guard let paths = snapshot.paths, snapshot.objects.generations[index] == HeapObjects.untracked else { return false }
            return paths.sourceOf[index] < 0
        }
    }
}

extension HeapSnapshot {
    /// Whether the file records untracked and frozen objects (schema 2).
    public var recordsUntracked: Bool { meta["untracked_count"] != nil }
}
