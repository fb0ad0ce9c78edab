import HeapGraph
import HeapModel

/// What `why` and `top` ask of a heap, built once per heap (a live read or a snapshot): roots,
/// dominators, retained sizes and the shortest paths from the named sources. Pure: no memory access.
public struct RetainerIndex: Sendable {
    public var tree: DominatorTree
    public var retained: [Int]
    public var liveBytes: Int
    /// Nodes held from outside the graph (or immortal).
    public var roots: Int
    public var search: RetainerSearch
    /// Each source's name; the first `namedSources` are the named ones, then the permanent
    /// generation, "outside" and "immortal".
    public var names: [RootName]
    public var namedSources: Int
    /// References to each node from outside the graph (its refcount minus the references the graph explains).
    public var outsideCounts: [Int64]

    /// Paths are searched from the named sources first, then from the frozen objects (`frozen`: the
    /// permanent generation's nodes) no named source reaches, then from every root the graph leaves
    /// unexplained (held from outside, or immortal).
    public init(graph: ObjectGraph, sizes: [Int], sources: [PathSource], frozen: Range<Int32>) {
        let roots = Retention.roots(targets: graph.targets, refcounts: graph.refcounts, immortal: ObjectGraph.immortal)
        tree = DominatorTree(count: graph.count, starts: graph.starts, targets: graph.targets, roots: roots)
        retained = tree.retainedSizes(own: sizes)
        names = sources.map(\.name)
        let permanent = Int32(names.count), outside = permanent + 1, immortal = outside + 1
        names += [RootName.permanent, RootName.outside(immortal: false), RootName.outside(immortal: true)]
        let unexplained = roots.map { ($0, graph.refcounts[Int($0)] == ObjectGraph.immortal ? immortal : outside) }
        // Frozen objects a named source does not reach are explained by gc.freeze() before C code is.
        let frozenRoots = roots.filter { frozen.contains($0) }.map { ($0, permanent) }
        search = RetainerSearch(count: graph.count, starts: graph.starts, targets: graph.targets,
                                tiers: [sources.enumerated().map { ($1.node, Int32($0)) }, frozenRoots, unexplained])
        liveBytes = tree.preorder.reduce(0) { $0 + sizes[Int($1)] }
        self.roots = roots.count
        namedSources = sources.count
        outsideCounts = Retention.outsideReferences(targets: graph.targets, refcounts: graph.refcounts)
    }

    /// Whether a source is a container the program names (a module's dict or module, sys.modules),
    /// whose referents are the roots' objects; else the source is itself one (a frame's local, an
    /// object held from outside).
    public func sourceIsModuleLike(_ source: Int32) -> Bool {
        guard source >= 0, Int(source) < namedSources else { return false }
        return names[Int(source)].kind == .module || names[Int(source)].kind == .interpreter
    }
}
