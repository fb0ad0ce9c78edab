/// The tracked objects of the collected generations and the strong references among them, as the
/// collector's `tp_traverse` calls see them. Flat arrays indexed by node number: a million-object
/// heap is a few arrays, not a million class instances.
public struct ObjectGraph: Sendable {
    /// Object addresses (`id()`), in generation-list order.
    public var addresses: [UInt64]
    /// `ob_refcnt` of each object; `ObjectGraph.immortal` for immortal objects (3.12+).
    public var refcounts: [Int64]
    /// Generation of each object (0, 1, 2).
    public var generations: [UInt8]
    /// Whether each object's references were found exactly (its type's traversal is known).
    public var exact: [Bool]
    /// References, compressed: the referents of node `i` are `targets[starts[i]..<starts[i + 1]]`.
    /// A reference to the same object twice appears twice, as the collector counts it.
    public var starts: [Int32]
    public var targets: [Int32]

    public static let immortal = Int64.max / 4

    public init(addresses: [UInt64], refcounts: [Int64], generations: [UInt8], exact: [Bool], starts: [Int32], targets: [Int32]) {
        precondition(addresses.count == refcounts.count && addresses.count == generations.count && addresses.count == exact.count)
        precondition(starts.count == addresses.count + 1)
        self.init(unchecked: addresses, refcounts: refcounts, generations: generations, exact: exact, starts: starts,
                  targets: targets)
    }

    /// For the builder, which fills `starts` and `targets` node by node.
    init(unchecked addresses: [UInt64], refcounts: [Int64], generations: [UInt8], exact: [Bool], starts: [Int32], targets: [Int32]) {
        self.addresses = addresses
        self.refcounts = refcounts
        self.generations = generations
        self.exact = exact
        self.starts = starts
        self.targets = targets
    }

    public var count: Int { addresses.count }

    @inlinable
    public func referents(of node: Int) -> ArraySlice<Int32> {
        targets[Int(starts[node])..<Int(starts[node + 1])]
    }
}

/// Builds an `ObjectGraph` node by node: add a node, then its references, then the next node.
public struct ObjectGraphBuilder {
    public private(set) var graph: ObjectGraph
    private var index: [UInt64: Int32]

    /// `addresses` are every tracked object of the collected generations, with their generation.
    public init(addresses: [UInt64], generations: [UInt8]) {
        var index = [UInt64: Int32](minimumCapacity: addresses.count)
        for (position, address) in addresses.enumerated() { index[address] = Int32(position) }
        self.index = index
        graph = ObjectGraph(unchecked: addresses, refcounts: [Int64](repeating: 0, count: addresses.count),
                            generations: generations, exact: [Bool](repeating: false, count: addresses.count),
                            starts: [0], targets: [])
        graph.starts.reserveCapacity(addresses.count + 1)
        graph.targets.reserveCapacity(addresses.count * 2)
    }

    /// The node of a tracked object, or nil for anything the collector does not track.
    public func node(of address: UInt64) -> Int32? { index[address] }

    /// Records node `node` (nodes must be finished in order 0, 1, 2, ...): its refcount, whether its
    /// traversal was exact, and the addresses it references (untracked ones are dropped here).
    public mutating func finish(node: Int, refcount: Int64, exact: Bool, referents: [UInt64]) {
        precondition(node == graph.starts.count - 1, "nodes must be finished in order")
        graph.refcounts[node] = refcount
        graph.exact[node] = exact
        for address in referents {
            if let target = index[address] { graph.targets.append(target) }
        }
        graph.starts.append(Int32(graph.targets.count))
    }
}
