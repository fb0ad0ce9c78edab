/// `pyinspect check`: limits on what a process's collector holds, and how one report measures up.
public struct CheckLimits: Sendable, Equatable {
    public var maxCollectable: Int?
    public var maxCollectableBytes: Int?
    public var maxGarbage: Int?
    /// Per type (its `__name__` or `module.qualname`): most tracked objects allowed.
    public var maxTypes: [(type: String, limit: Int)] = []

    public init(maxCollectable: Int? = nil, maxCollectableBytes: Int? = nil, maxGarbage: Int? = nil,
                maxTypes: [(type: String, limit: Int)] = []) {
        self.maxCollectable = maxCollectable
        self.maxCollectableBytes = maxCollectableBytes
        self.maxGarbage = maxGarbage
        self.maxTypes = maxTypes
    }

    public static func == (lhs: CheckLimits, rhs: CheckLimits) -> Bool {
        lhs.maxCollectable == rhs.maxCollectable && lhs.maxCollectableBytes == rhs.maxCollectableBytes
            && lhs.maxGarbage == rhs.maxGarbage && lhs.maxTypes.map(\.type) == rhs.maxTypes.map(\.type)
            && lhs.maxTypes.map(\.limit) == rhs.maxTypes.map(\.limit)
    }
}

/// One process measured against the limits.
public struct CheckResult: Sendable {
    /// One figure, its limit (if any) and whether it is over.
    public struct Figure: Sendable, Equatable {
        /// `collectable`, `collectable_bytes`, `garbage`, or `type:NAME`.
        public var name: String
        public var value: Int
        public var limit: Int?
        public var exceeded: Bool { limit.map { value > $0 } ?? false }
    }

    public var report: HeapReport
    public var figures: [Figure]
    public var violations: [Figure] { figures.filter(\.exceeded) }
    public var ok: Bool { violations.isEmpty }

    public init(report: HeapReport, limits: CheckLimits) {
        self.report = report
        let collectable = report.collectable
        var figures = [
            Figure(name: "collectable", value: collectable?.census.count ?? 0, limit: limits.maxCollectable),
            Figure(name: "collectable_bytes", value: collectable?.heldBytes ?? 0, limit: limits.maxCollectableBytes),
            Figure(name: "garbage", value: report.garbage.count, limit: limits.maxGarbage),
        ]
        let tracked = report.capture.tracked
        for (type, limit) in limits.maxTypes {
            let count = tracked.byType.reduce(0) { total, entry in
                let info = report.types[entry.key] ?? .unreadable(entry.key)
                return info.name == type || info.qualified == type ? total + entry.value : total
            }
            figures.append(Figure(name: "type:\(type)", value: count, limit: limit))
        }
        self.figures = figures
    }
}
