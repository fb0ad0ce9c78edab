/// Shortest paths from the roots to every node they reach (Eclipse MAT's "path to GC roots"): a
/// breadth-first search from the sources of each tier in turn. A later tier starts only from nodes
/// the earlier ones left unreached, so an object a module global reaches is explained by that
/// global even when some C code holds it more directly.
public struct RetainerSearch: Sendable {
    /// `parent[n]`: the node `n` was first reached from; `RetainerSearch.source` for a source,
    /// `RetainerSearch.unreached` for a node no source reaches.
    public var parent: [Int32]
    /// For a source node, its position in the list of sources it was given in; else -1.
    public var sourceOf: [Int32]
    /// Nodes in the order they were reached (every parent before its children).
    public var order: [Int32]

    public static let source: Int32 = -1
    public static let unreached: Int32 = -2

    /// `tiers`: the sources of each tier, as `(node, source number)`; a node given twice keeps the
    /// first.
    public init(count: Int, starts: [Int32], targets: [Int32], tiers: [[(node: Int32, source: Int32)]]) {
        var parent = [Int32](repeating: Self.unreached, count: count)
        var sourceOf = [Int32](repeating: -1, count: count)
        var order: [Int32] = []
        order.reserveCapacity(count)
        for tier in tiers {
            var head = order.count
            for (node, number) in tier where parent[Int(node)] == Self.unreached {
                parent[Int(node)] = Self.source
                sourceOf[Int(node)] = number
                order.append(node)
            }
            // The queue is `order` itself from the tier's first source on.
            while head < order.count {
                let node = order[head]
                head += 1
                for edge in Int(starts[Int(node)])..<Int(starts[Int(node) + 1]) {
                    let next = targets[edge]
                    guard parent[Int(next)] == Self.unreached else { continue }
                    parent[Int(next)] = node
                    order.append(next)
                }
            }
        }
        self.parent = parent
        self.sourceOf = sourceOf
        self.order = order
    }

    /// The path to `node`, from its source to itself (empty if unreached). Bounded by the node count.
    public func path(to node: Int32) -> [Int32] {
        guard parent[Int(node)] != Self.unreached else { return [] }
        var path = [node]
        var current = node
        while parent[Int(current)] >= 0, path.count <= parent.count {
            current = parent[Int(current)]
            path.append(current)
        }
        return path.reversed()
    }
}
