import Dispatch

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
    /// `referents[ends[k - 1] ..< ends[k]]`.
    public mutating func finish(batchFrom first: Int, refcounts batchRefcounts: [Int64], exact batchExact: [Bool],
                                ends: [Int], referents: [UInt64]) {
        precondition(batchRefcounts.count == batchExact.count && ends.count == batchRefcounts.count)
        var batch = ReferentBatch(capacity: max(1, ends.count))
        defer { batch.deallocate() }
        var position = 0
        for node in 0..<ends.count {
            while position < ends[node] {
                batch.appendReferent(referents[position])
                position += 1
            }
            batch.endNode(refcount: batchRefcounts[node], exact: batchExact[node])
        }
        finish(batchFrom: first, batch)
    }

    /// Records the nodes of `batch`, the next ones in order. Faster than `finish(node:)` one by
    /// one: the index lookups of the whole batch run in one loop.
    public mutating func finish(batchFrom first: Int, _ batch: ReferentBatch) {
        let local = first - nodes.lowerBound
        precondition(local == ends.count && first + batch.count <= nodes.upperBound, "nodes must be finished in order")
        guard batch.count > 0 else { return }
        refcounts.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: local).update(from: batch.nodeRefcounts.baseAddress!, count: batch.count) }
        exact.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: local).update(from: batch.nodeExactness.baseAddress!, count: batch.count) }
        let resolved = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, batch.referentCount))
        let groupEnds = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, batch.count))
        defer {
            resolved.deallocate()
            groupEnds.deallocate()
        }
        let written = index.resolve(batch.addresses, ends: batch.nodeEnds, targets: resolved, groupEnds: groupEnds, base: Int32(targets.count))
        targets.append(contentsOf: UnsafeBufferPointer(start: resolved, count: written))
        ends.append(contentsOf: UnsafeBufferPointer(start: groupEnds, count: batch.count))
    }

    /// The graph built so far (every node must have been finished).
    public var graph: ObjectGraph {
        var shards = [self]
        return Self.join(&shards)
    }

    /// Joins shards that cover 0..<count in order into one graph, emptying `shards`. Each shard
    /// copies its part into place on its own thread (the copy is bound by page faults on the new
    /// arrays, which the cores take in parallel).
    public static func join(_ shards: inout [ObjectGraphBuilder]) -> ObjectGraph {
        guard let first = shards.first else {
            return ObjectGraph(addresses: [], refcounts: [], generations: [], exact: [], starts: [0], targets: [])
        }
        let (addresses, generations, index) = (first.addresses, first.generations, first.index)
        var nodeBase: [Int] = [], targetBase: [Int] = []
        var nodes = 0, edges = 0
        for shard in shards {
            precondition(shard.nodes.lowerBound == nodes && shard.ends.count == shard.nodes.count, "shards must cover the nodes in order")
            nodeBase.append(nodes)
            targetBase.append(edges)
            nodes += shard.nodes.count
            edges += shard.targets.count
        }
        precondition(nodes == addresses.count, "shards must cover the nodes in order")
        let parts = shards, nodeBases = nodeBase, targetBases = targetBase
        shards = []
        var refcounts: [Int64] = [], exact: [Bool] = [], starts: [Int32] = [], targets: [Int32] = []
        refcounts = [Int64](unsafeUninitializedCapacity: nodes) { refcountBuffer, refcountCount in
            exact = [Bool](unsafeUninitializedCapacity: nodes) { exactBuffer, exactCount in
                starts = [Int32](unsafeUninitializedCapacity: nodes + 1) { startBuffer, startCount in
                    targets = [Int32](unsafeUninitializedCapacity: edges) { targetBuffer, targetCount in
                        let out = JoinBuffers(refcounts: refcountBuffer.baseAddress, exact: exactBuffer.baseAddress,
                                              starts: startBuffer.baseAddress, targets: targetBuffer.baseAddress)
                        DispatchQueue.concurrentPerform(iterations: parts.count) { position in
                            let part = parts[position], node = nodeBases[position], base = Int32(targetBases[position])
                            part.refcounts.withUnsafeBufferPointer { out.refcounts!.advanced(by: node).update(from: $0.baseAddress!, count: $0.count) }
                            part.exact.withUnsafeBufferPointer { out.exact!.advanced(by: node).update(from: $0.baseAddress!, count: $0.count) }
                            for (offset, end) in part.ends.enumerated() { out.starts![node + 1 + offset] = end + base }
                            part.targets.withUnsafeBufferPointer {
                                if $0.count > 0 { out.targets!.advanced(by: Int(base)).update(from: $0.baseAddress!, count: $0.count) }
                            }
                        }
                        startBuffer[0] = 0
                        targetCount = edges
                    }
                    startCount = nodes + 1
                }
                exactCount = nodes
            }
            refcountCount = nodes
        }
        return ObjectGraph(addresses: addresses, refcounts: refcounts, generations: generations, exact: exact,
                           starts: starts, targets: targets, index: index)
    }
}

/// Where the shards of a join write, each at its own offsets.
private struct JoinBuffers: @unchecked Sendable {
    let refcounts: UnsafeMutablePointer<Int64>?
    let exact: UnsafeMutablePointer<Bool>?
    let starts: UnsafeMutablePointer<Int32>?
    let targets: UnsafeMutablePointer<Int32>?
}
