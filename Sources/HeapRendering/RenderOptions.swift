import HeapModel

/// Choices that shape a report without changing what was read.
public struct RenderOptions: Sendable {
    public var naming: TypeNaming
    /// Types shown per section; nil shows every type (`--all`).
    public var topTypes: Int?
    /// One line per object of `gc.garbage`, DEBUG_LEAK style (`--list`).
    public var listObjects: Bool
    /// Show values from the target (dict keys in cycle paths), cut short (`--values`). Off by
    /// default: they may be secrets.
    public var showValues: Bool
    /// Only cycle shape N (1-based, most memory held first) in the cycles section (`--cycle N`).
    public var cycle: Int?

    public init(naming: TypeNaming = .name, topTypes: Int? = 20, listObjects: Bool = false, showValues: Bool = false,
                cycle: Int? = nil) {
        self.naming = naming
        self.topTypes = topTypes
        self.listObjects = listObjects
        self.showValues = showValues
        self.cycle = cycle
    }

    /// The cycle shapes to show, with their 1-based numbers: shape `cycle` alone, or the first
    /// `topTypes` (every shape for `--all`, and always in JSON).
    func shownCycles(_ cycles: [CycleGroup], all: Bool = false) -> [(number: Int, group: CycleGroup)] {
        let numbered = cycles.enumerated().map { (number: $0.offset + 1, group: $0.element) }
        if let cycle { return numbered.filter { $0.number == cycle } }
        return all ? numbered : topTypes.map { Array(numbered.prefix($0)) } ?? numbered
    }
}
