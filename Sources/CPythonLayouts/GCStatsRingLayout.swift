/// 3.15's `struct gc_stats`, which `_gc_runtime_state.generation_stats` points at (it was the inline
/// `generation_stats[3]` before): a ring buffer of `struct gc_generation_stats` for the young generation
/// and one for each old space. `gc.get_stats()[0]` is `young.items[young.index]`, `[1]` and `[2]` are
/// `old[i].items[old[i].index]` (each entry carries the running totals). Offsets from the start of
/// `struct gc_stats`; an entry is read with `GCLayout.stats*`. Every field is nil before 3.15.
public struct GCStatsRingLayout: Sendable, Equatable {
    public var youngItems: Int?
    /// `young.index` (int8): the latest entry.
    public var youngIndex: Int?
    public var youngCapacity: Int?
    /// `old[2]`: `oldSize` bytes apart, each with its own `items` (at its start) and `index`.
    public var old: Int?
    public var oldSize: Int?
    public var oldIndex: Int?
    public var oldCapacity: Int?

    public init(youngItems: Int? = nil, youngIndex: Int? = nil, youngCapacity: Int? = nil, old: Int? = nil, oldSize: Int? = nil,
                oldIndex: Int? = nil, oldCapacity: Int? = nil) {
        self.youngItems = youngItems
        self.youngIndex = youngIndex
        self.youngCapacity = youngCapacity
        self.old = old
        self.oldSize = oldSize
        self.oldIndex = oldIndex
        self.oldCapacity = oldCapacity
    }

    /// Whether the gc state's `generationStats` field is a pointer to these buffers.
    public var isPresent: Bool { youngIndex != nil }
}
