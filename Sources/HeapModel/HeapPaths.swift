/// A node the program names, where retainer paths start: a module's dict, `sys.modules`, a running
/// frame's local.
public struct PathSource: Sendable, Equatable {
    public var node: Int32
    public var name: RootName

    public init(node: Int32, name: RootName) {
        self.node = node
        self.name = name
    }
}

/// What a snapshot keeps so that `why` and `top` answer from the file as they do from the process:
/// the named sources where paths start, and for every object a root reaches how the object before
/// it on its shortest path refers to it, and the words printed after its type. Node numbers are
/// positions in the snapshot's `HeapObjects`.
public struct HeapPaths: Sendable, Equatable {
    /// A node's detail (a frame's function and line), left out when the path goes on to
    /// `omittedBefore` (a 3.8–3.10 generator's own frame, whose step says it).
    public struct Detail: Sendable, Equatable {
        public var text: String
        public var omittedBefore: Int32

        public init(text: String, omittedBefore: Int32 = -1) {
            self.text = text
            self.omittedBefore = omittedBefore
        }
    }

    /// The named sources, in search order.
    public var sources: [PathSource]
    /// The permanent generation's nodes (`gc.freeze()`).
    public var frozen: Range<Int32>
    /// The distinct labels; `labelOf[n]` is how `n`'s retainer refers to it (-1: none).
    public var labels: [EdgeLabel]
    public var labelOf: [Int32]
    /// `retainerOf[n]`: the node before `n` on its shortest path (-1 for a source, -2 when no root
    /// reaches it); `sourceOf[n]` the source its path starts at (-1 when unreached). Stored for SQL
    /// users (a path is a walk up `retainer`); `why` recomputes them.
    public var retainerOf: [Int32]
    public var sourceOf: [Int32]
    public var details: [Int32: Detail]
    /// The cycle shape (position in the snapshot's cycles) of each collectable node in one.
    public var cycleOf: [Int32: Int32]

    public init(sources: [PathSource], frozen: Range<Int32>, labels: [EdgeLabel], labelOf: [Int32], retainerOf: [Int32],
                sourceOf: [Int32], details: [Int32: Detail], cycleOf: [Int32: Int32]) {
        self.sources = sources
        self.frozen = frozen
        self.labels = labels
        self.labelOf = labelOf
        self.retainerOf = retainerOf
        self.sourceOf = sourceOf
        self.details = details
        self.cycleOf = cycleOf
    }
}
