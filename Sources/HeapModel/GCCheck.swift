/// `pyinspect check`: limits on what a process's collector holds, and how one report measures up.
public struct CheckLimits: Sendable, Equatable {
    public var maxCollectable: Int?
    public var maxCollectableBytes: Int?
    public var maxGarbage: Int?
    /// Per type (its `__name__` or `module.qualname`): most tracked objects allowed.
    public var maxTypes: [(type: String, limit: Int)] = []
    /// Per type: most bytes its objects may retain (what freeing them all would free).
    public var maxRetained: [(type: String, limit: Int)] = []

    public init(maxCollectable: Int? = nil, maxCollectableBytes: Int? = nil, maxGarbage: Int? = nil,
                maxTypes: [(type: String, limit: Int)] = [], maxRetained: [(type: String, limit: Int)] = []) {
        self.maxCollectable = maxCollectable
        self.maxCollectableBytes = maxCollectableBytes
        self.maxGarbage = maxGarbage
        self.maxTypes = maxTypes
        self.maxRetained = maxRetained
    }

    /// Whether the limits need the retained sizes (the dominator tree of the live heap).
    public var needsRetention: Bool { !maxRetained.isEmpty }

    public static func == (lhs: CheckLimits, rhs: CheckLimits) -> Bool {
        lhs.maxCollectable == rhs.maxCollectable && lhs.maxCollectableBytes == rhs.maxCollectableBytes
            && lhs.maxGarbage == rhs.maxGarbage && lhs.maxTypes.map(\.type) == rhs.maxTypes.map(\.type)
            && lhs.maxTypes.map(\.limit) == rhs.maxTypes.map(\.limit)
            && lhs.maxRetained.map(\.type) == rhs.maxRetained.map(\.type) && lhs.maxRetained.map(\.limit) == rhs.maxRetained.map(\.limit)
    }
}

/// One process measured against the limits.
public struct CheckResult: Sendable {
    /// One figure, its limit (if any) and whether it is over.
    public struct Figure: Sendable, Equatable {
        /// `collectable`, `collectable_bytes`, `garbage`, `type:NAME` (objects) or `retained:NAME` (bytes).
        public var name: String
        public var value: Int
        public var limit: Int?
        /// For `type:NAME` and `retained:NAME`: whether any tracked object has a type of that name. A limit on a type
        /// that does not exist can never fire, so the output says so (a typo, or the wrong naming).
        public var matched = true
        /// For an unmatched type: tracked types with a similar name.
        public var similar: [String] = []
        public var exceeded: Bool { limit.map { value > $0 } ?? false }
    }

    public var report: HeapReport
    public var figures: [Figure]
    public var violations: [Figure] { figures.filter(\.exceeded) }
    public var ok: Bool { violations.isEmpty }

    /// `retainedByType`: what the objects of each type retain (Retention), when the limits need it.
    public init(report: HeapReport, limits: CheckLimits, retainedByType: [UInt64: Int] = [:]) {
        self.report = report
        let collectable = report.collectable
        var figures = [
            Figure(name: "collectable", value: collectable?.census.count ?? 0, limit: limits.maxCollectable),
            Figure(name: "collectable_bytes", value: collectable?.heldBytes ?? 0, limit: limits.maxCollectableBytes),
            Figure(name: "garbage", value: report.garbage.count, limit: limits.maxGarbage),
        ]
        let tracked = report.capture.tracked
        let infos = tracked.byType.map { (info: report.types[$0.key] ?? .unreadable($0.key), count: $0.value) }
        for (type, limit) in limits.maxTypes {
            let matching = infos.filter { $0.info.name == type || $0.info.qualified == type }
            var figure = Figure(name: "type:\(type)", value: matching.reduce(0) { $0 + $1.count }, limit: limit)
            if matching.isEmpty {
                figure.matched = false
                figure.similar = Self.similarNames(to: type, among: infos.flatMap { [$0.info.name, $0.info.qualified] })
            }
            figures.append(figure)
        }
        for (type, limit) in limits.maxRetained {
            let matching = infos.filter { $0.info.name == type || $0.info.qualified == type }
            var figure = Figure(name: "retained:\(type)", value: matching.reduce(0) { $0 + (retainedByType[$1.info.address] ?? 0) }, limit: limit)
            if matching.isEmpty {
                figure.matched = false
                figure.similar = Self.similarNames(to: type, among: infos.flatMap { [$0.info.name, $0.info.qualified] })
            }
            figures.append(figure)
        }
        self.figures = figures
    }

    /// Names within two edits of `name` (case ignored), closest first, at most three.
    static func similarNames(to name: String, among names: [String]) -> [String] {
        let wanted = Array(name.lowercased().unicodeScalars)
        var scored: [(name: String, distance: Int)] = []
        for candidate in Set(names) {
            let distance = editDistance(wanted, Array(candidate.lowercased().unicodeScalars), atMost: 2)
            if distance <= 2 { scored.append((candidate, distance)) }
        }
        return scored.sorted { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }.prefix(3).map(\.name)
    }

    /// Levenshtein distance, giving up (returning `atMost + 1`) once it must exceed `atMost`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], atMost: Int) -> Int {
        if abs(a.count - b.count) > atMost { return atMost + 1 }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            if current.min()! > atMost { return atMost + 1 }
            previous = current
        }
        return previous[b.count]
    }
}
