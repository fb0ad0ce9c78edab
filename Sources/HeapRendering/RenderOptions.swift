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

    public init(naming: TypeNaming = .name, topTypes: Int? = 20, listObjects: Bool = false, showValues: Bool = false) {
        self.naming = naming
        self.topTypes = topTypes
        self.listObjects = listObjects
        self.showValues = showValues
    }
}
