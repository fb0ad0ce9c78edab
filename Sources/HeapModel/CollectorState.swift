/// The collector's own state: `gc.isenabled()`, `gc.get_debug()`, `gc.get_threshold()`,
/// `gc.get_count()`, `gc.get_stats()`, and whether a collection is running.
public struct CollectorState: Sendable, Equatable {
    public var enabled: Bool
    public var debugFlags: Int
    public var thresholds: [Int]
    public var counts: [Int]
    public var stats: [GenerationStats]
    public var collecting: Bool
    /// The lists' names where they are not generations: 3.14.0–3.14.4's incremental collector keeps
    /// `young`, `old[0]`, `old[1]` (its `gc.get_count()` order). nil: generations 0, 1, 2.
    public var listNames: [String]?

    public init(enabled: Bool, debugFlags: Int, thresholds: [Int], counts: [Int], stats: [GenerationStats], collecting: Bool,
                listNames: [String]? = nil) {
        self.enabled = enabled
        self.debugFlags = debugFlags
        self.thresholds = thresholds
        self.counts = counts
        self.stats = stats
        self.collecting = collecting
        self.listNames = listNames
    }

    /// "young" for list 0 of the incremental collector; nil for a generation.
    public func listName(_ index: Int) -> String? {
        guard let names = listNames, index < names.count else { return nil }
        return names[index]
    }

    /// `generational`, or `incremental` (3.14.0–3.14.4), as the shared fixtures' `gc.model` says it.
    public var model: String { listNames == nil ? "generational" : "incremental" }

    /// The names of the set `gc.DEBUG_*` flags, lower-case, in bit order.
    public var debugFlagNames: [String] {
        Self.debugFlagTable.filter { debugFlags & $0.bit != 0 }.map(\.name)
    }

    public static let debugFlagTable: [(bit: Int, name: String)] = [
        (1, "stats"), (2, "collectable"), (4, "uncollectable"), (8, "instances"), (16, "objects"), (32, "saveall"),
    ]
}

/// `gc.get_stats()[i]`.
public struct GenerationStats: Sendable, Equatable {
    public var collections: Int
    public var collected: Int
    public var uncollectable: Int

    public init(collections: Int, collected: Int, uncollectable: Int) {
        self.collections = collections
        self.collected = collected
        self.uncollectable = uncollectable
    }
}
