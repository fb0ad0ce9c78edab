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
    /// Address -> node, built once.
    public let index: AddressIndex

    public static let immortal = Int64.max / 4

    public init(addresses: [UInt64], refcounts: [Int64], generations: [UInt8], exact: [Bool], starts: [Int32], targets: [Int32],
                index: AddressIndex? = nil) {
        precondition(addresses.count == refcounts.count && addresses.count == generations.count && addresses.count == exact.count)
        precondition(starts.count == addresses.count + 1)
        self.addresses = addresses
        self.refcounts = refcounts
        self.generations = generations
        self.exact = exact
        self.starts = starts
        self.targets = targets
        self.index = index ?? AddressIndex(addresses)
    }

    /// The node of a tracked object of the collected generations, or nil.
    public func node(of address: UInt64) -> Int32? { index.node(of: address) }

    public var count: Int { addresses.count }

    @inlinable
    public func referents(of node: Int) -> ArraySlice<Int32> {
        targets[Int(starts[node])..<Int(starts[node + 1])]
    }
}

/// Builds an `ObjectGraph` node by node: add a node, then its references, then the next node.
/// One builder may cover a contiguous range of nodes (a shard, filled on its own thread); the
/// shards of a graph are then joined in order. The arrays live in the builder itself (not inside a
/// graph value) so appending never triggers a copy-on-write check of a nested struct.
public struct ObjectGraphBuilder: @unchecked Sendable {
    private let addresses: [UInt64]
    private let generations: [UInt8]
    public let nodes: Range<Int>
    private var refcounts: [Int64]
    private var exact: [Bool]
    /// `ends[i]`: end of node `nodes.lowerBound + i`'s references in `targets`.
    private var ends: [Int32]
    private var targets: [Int32]
    private let index: AddressIndex

    /// `addresses` are every tracked object of the collected generations, with their generation.
    public init(addresses: [UInt64], generations: [UInt8]) {
        self.init(addresses: addresses, generations: generations, index: AddressIndex(addresses), nodes: 0..<addresses.count)
    }

    /// A builder for `nodes` only, sharing the whole graph's arrays and address index.
    public init(addresses: [UInt64], generations: [UInt8], index: AddressIndex, nodes: Range<Int>) {
        self.addresses = addresses
        self.generations = generations
        self.index = index
        self.nodes = nodes
        refcounts = [Int64](repeating: 0, count: nodes.count)
        exact = [Bool](repeating: false, count: nodes.count)
        ends = []
        ends.reserveCapacity(nodes.count)
        targets = []
        targets.reserveCapacity(nodes.count * 2)
    }

    /// Records node `node` (nodes must be finished in order): its refcount, whether its traversal
    /// was exact, and the addresses it references (untracked ones are dropped here).
    public mutating func finish(node: Int, refcount: Int64, exact isExact: Bool, referents: [UInt64]) {
        let local = node - nodes.lowerBound
        precondition(local == ends.count && node < nodes.upperBound, "nodes must be finished in order")
        refcounts[local] = refcount
        exact[local] = isExact
        for address in referents {
            if let target = index.node(of: address) { targets.append(target) }
        }
        ends.append(Int32(targets.count))
    }

    /// Records the next `refcounts.count` nodes at once: node `k` of the batch references
    /// `referents[ends[k - 1] ..< ends[k]]`. Faster than `finish(node:)` one by one: the index
    /// lookups of the whole batch overlap.
    public mutating func finish(batchFrom first: Int, refcounts batchRefcounts: [Int64], exact batchExact: [Bool],
                                ends: [Int], referents: [UInt64]) {
        precondition(first - nodes.lowerBound == self.ends.count && first + batchRefcounts.count <= nodes.upperBound,
                     "nodes must be finished in order")
        precondition(batchRefcounts.count == batchExact.count && ends.count == batchRefcounts.count)
        let local = first - nodes.lowerBound
        for offset in 0..<batchRefcounts.count {
            refcounts[local + offset] = batchRefcounts[offset]
            exact[local + offset] = batchExact[offset]
        }
        index.resolve(referents, ends: ends, into: &targets, groupEnds: &self.ends)
    }

    /// The graph built so far (every node must have been finished).
    public var graph: ObjectGraph {
        var shards = [self]
        return Self.join(&shards)
    }

    /// Joins shards that cover 0..<count in order into one graph, emptying `shards` as it goes
    /// (each shard's arrays are freed once copied).
    public static func join(_ shards: inout [ObjectGraphBuilder]) -> ObjectGraph {
        guard let first = shards.first else {
            return ObjectGraph(addresses: [], refcounts: [], generations: [], exact: [], starts: [0], targets: [])
        }
        let (addresses, generations, index) = (first.addresses, first.generations, first.index)
        var refcounts: [Int64] = [], exact: [Bool] = [], starts: [Int32] = [0], targets: [Int32] = []
        refcounts.reserveCapacity(addresses.count)
        exact.reserveCapacity(addresses.count)
        starts.reserveCapacity(addresses.count + 1)
        targets.reserveCapacity(shards.reduce(0) { $0 + $1.targets.count })
        for position in shards.indices {
            let shard = shards[position]
            shards[position] = ObjectGraphBuilder(addresses: [], generations: [], index: index, nodes: 0..<0)
            precondition(shard.nodes.lowerBound == refcounts.count && shard.ends.count == shard.nodes.count, "shards must cover the nodes in order")
            let base = Int32(targets.count)
            refcounts += shard.refcounts
            exact += shard.exact
            starts += shard.ends.lazy.map { $0 + base }
            targets += shard.targets
        }
        shards = []
        return ObjectGraph(addresses: addresses, refcounts: refcounts, generations: generations, exact: exact,
                           starts: starts, targets: targets, index: index)
    }
}
