import CPythonLayouts
import HeapGraph
import HeapModel
import RemoteMemory

/// `pyinspect why`: the shortest path from a named root to each object asked about, grouped by the
/// path's shape, with what each group retains (over the dominator tree of the live heap).
///
/// Paths are found breadth-first, first from the named roots (NamedRoots), then from whatever the
/// graph still leaves unexplained: objects held from outside it (C code, extension state, a running
/// frame's locals, untracked containers) and immortal ones. Each edge of a path is named as cycle
/// paths name it; a path's shape is its root, the types along it, and its labels with list indices
/// generalised (`[*]`), so ten thousand entries of one cache are one group.
struct RetainerAnalysis {
    let memory: CachedMemory
    let layout: PythonLayout
    let symbols: [String: UInt64]
    let interpreter: UInt64
    let graph: ObjectGraph
    let typeOf: [UInt64]
    /// `sys.getsizeof` of each node.
    let sizes: [Int]
    let planner: TraversalPlanner
    let finder: ReferenceFinder
    let details: StepDetails

    /// Sample objects kept per group.
    static let samplesPerGroup = 3

    /// Roots, dominators, retained sizes and the shortest paths from the named roots: once per read.
    /// `frozen`: the nodes of the permanent generation, a root of their own after the named ones.
    func index(frozen: Range<Int32> = 0..<0) -> RetainerIndex {
        let roots = Retention.roots(targets: graph.targets, refcounts: graph.refcounts, immortal: ObjectGraph.immortal)
        let tree = DominatorTree(count: graph.count, starts: graph.starts, targets: graph.targets, roots: roots)
        let retained = tree.retainedSizes(own: sizes)
        // Sources: the named roots, then every root the graph leaves unexplained.
        let named = NamedRoots(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter, graph: graph,
                               typeOf: typeOf, planner: planner, finder: finder)
        var names = named.sources.map(\.name)
        let permanent = Int32(names.count), outside = permanent + 1, immortal = outside + 1
        names += [RootName(kind: .permanent, text: "frozen by gc.freeze(), held from outside the gc graph"), NamedRoots.outside(immortal: false),
                  NamedRoots.outside(immortal: true)]
        let unexplained = roots.map { ($0, graph.refcounts[Int($0)] == ObjectGraph.immortal ? immortal : outside) }
        // Frozen objects a named root does not reach are explained by gc.freeze() before C code is.
        let frozenRoots = roots.filter { frozen.contains($0) }.map { ($0, permanent) }
        let search = RetainerSearch(count: graph.count, starts: graph.starts, targets: graph.targets,
                                    tiers: [named.sources.enumerated().map { ($1.node, Int32($0)) }, frozenRoots, unexplained])
        return RetainerIndex(tree: tree, retained: retained, liveBytes: tree.preorder.reduce(0) { $0 + sizes[Int($1)] },
                             roots: roots.count, search: search, names: names, namedSources: named.sources.count,
                             keysAreNames: Set(named.sources.filter(\.keysAreNames).map(\.node)),
                             modules: Set(named.sources.filter(\.isModule).map(\.node)),
                             outsideCounts: Retention.outsideReferences(targets: graph.targets, refcounts: graph.refcounts))
    }

    func run(_ query: WhyQuery, index: RetainerIndex, types: [UInt64], garbageGroups: [CycleGrouping.Group], cycles: [CycleGroup]) -> WhyReport {
        let (targets, matched, problem) = self.targets(query, types: types)
        var report = WhyReport(query: query, types: matched, objects: 0, retainedBytes: 0, liveBytes: index.liveBytes, groups: [],
                               garbage: 0, problem: problem)
        guard !targets.isEmpty else { return report }
        let search = index.search
        var live: [Int32] = []
        for target in targets {
            if search.parent[Int(target)] == RetainerSearch.unreached { report.garbage += 1 } else { live.append(target) }
        }
        report.objects = live.count
        if report.garbage > 0, let first = targets.first(where: { search.parent[Int($0)] == RetainerSearch.unreached }),
           let position = garbageGroups.firstIndex(where: { $0.nodes.contains(first) }) {
            report.garbageCycle = cycles[position]
        }
        (report.groups, report.retainedBytes) = groups(live, index: index, grouped: true)
        return report
    }

    /// The groups of `live` (reached) nodes by path shape, largest first, and what they retain
    /// together; with `grouped: false` one group per node, in the nodes' order.
    func groups(_ live: [Int32], index: RetainerIndex, grouped: Bool) -> ([WhyReport.Group], Int) {
        guard !live.isEmpty else { return ([], 0) }
        let search = index.search, names = index.names, count = graph.count
        let edges = EdgeNames(analysis: self, search: search, keysAreNames: index.keysAreNames, modules: index.modules, targets: live)
        // Sources of one name are one shape (two threads running the same function, a module's dict and the module).
        var rootShapes: [String: Int32] = [:]
        func rootShape(_ source: Int32) -> Int32 {
            let text = names[Int(source)].text
            if let known = rootShapes[text] { return known }
            rootShapes[text] = Int32(rootShapes.count)
            return Int32(rootShapes.count - 1)
        }
        // Shapes: a number per path node, from its parent's (every parent comes first in `order`).
        var shapeOf: [Int32: Int32] = [:]
        var shapes: [ShapeKey: Int32] = [:]
        for node in edges.pathNodes {
            let parent = search.parent[Int(node)]
            let key = parent == RetainerSearch.source
                ? ShapeKey(parent: -1 - rootShape(search.sourceOf[Int(node)]), type: 0, detail: -1, label: -1)
                : ShapeKey(parent: shapeOf[parent]!, type: typeOf[Int(parent)], detail: edges.detailNumber(parent),
                           label: edges.shapeLabel(node))
            if let known = shapes[key] {
                shapeOf[node] = known
            } else {
                shapeOf[node] = Int32(shapes.count)
                shapes[key] = Int32(shapes.count)
            }
        }
        var groupOf = [Int32](repeating: -1, count: count)
        var groupKeys: [ShapeKey: Int32] = [:]
        var members: [[Int32]] = []
        for (position, target) in live.enumerated() {
            let key = ShapeKey(parent: grouped ? shapeOf[target]! : Int32(position), type: typeOf[Int(target)],
                               detail: edges.detailNumber(target), label: -2)
            let group: Int32
            if let known = groupKeys[key] {
                group = known
            } else {
                group = Int32(members.count)
                groupKeys[key] = group
                members.append([])
            }
            groupOf[Int(target)] = group
            members[Int(group)].append(target)
        }
        let tree = index.tree, retained = index.retained
        let groupRetained = tree.retainedByGroup(retained: retained, groups: groupOf, groupCount: members.count)
        for target in live { groupOf[Int(target)] = 0 }
        let total = tree.retainedByGroup(retained: retained, groups: groupOf, groupCount: 1).first ?? 0
        var groups = members.enumerated().map { number, nodes in
            let path = search.path(to: nodes[0])
            let source = path[0]
            let root = names[Int(search.sourceOf[Int(source)])]
            let steps = path.enumerated().map { position, node in
                CycleStep(object: ObjectRef(address: graph.addresses[Int(node)], type: typeOf[Int(node)]),
                          label: position + 1 < path.count ? edges.label(path[position + 1]) : nil, detail: edges.detail(node))
            }
            return WhyReport.Group(count: nodes.count, retainedBytes: groupRetained[number], root: root,
                                   outsideReferences: root.kind == .outside || root.kind == .permanent ? Int(max(0, index.outsideCounts[Int(source)])) : 0,
                                   steps: steps, varyingIndex: varyingIndices(nodes, first: path, search: search, edges: edges),
                                   samples: nodes.prefix(Self.samplesPerGroup).map { ObjectRef(address: graph.addresses[Int($0)], type: typeOf[Int($0)]) })
        }
        if grouped {
            groups.sort {
                ($0.retainedBytes, $0.count) != ($1.retainedBytes, $1.count) ? ($0.retainedBytes, $0.count) > ($1.retainedBytes, $1.count)
                    : $0.samples[0].address < $1.samples[0].address
            }
        }
        return (groups, total)
    }

    /// Whether objects of `type` are classes (`Py_TPFLAGS_TYPE_SUBCLASS` on their type).
    static func isType(_ type: UInt64, memory: CachedMemory, layout: PythonLayout) -> Bool {
        guard let flags = try? memory.load(UInt64.self, at: type &+ UInt64(layout.type.flags)) else { return false }
        return flags & (1 << 31) != 0
    }

    /// The nodes asked about, the types that matched, and why there are none when there are none.
    private func targets(_ query: WhyQuery, types: [UInt64]) -> ([Int32], [UInt64], String?) {
        switch query {
        case let .address(address):
            guard let node = graph.node(of: address) else {
                return ([], [], "\(query.text) is no object pyinspect reached: neither a tracked object of generations 0-2 nor an untracked one they reference")
            }
            return ([node], [typeOf[Int(node)]], nil)
        case let .type(name):
            let namer = TypeNamer(objects: ObjectReader(memory: memory, layout: layout))
            let matched = Set(types.filter { type in
                let info = namer.info(for: type)
                return info.name == name || info.qualified == name || info.tpName == name
            })
            guard !matched.isEmpty else { return ([], [], "no object pyinspect reached has a type named \(name)") }
            var nodes: [Int32] = []
            for node in 0..<graph.count where matched.contains(typeOf[node]) { nodes.append(Int32(node)) }
            return (nodes, matched.sorted(), nil)
        }
    }

    /// Steps of the group's first path whose list index is not the same on every path of the group.
    private func varyingIndices(_ nodes: [Int32], first: [Int32], search: RetainerSearch, edges: EdgeNames) -> Set<Int> {
        var varying = Set<Int>()
        let generalised = (1..<first.count).filter { edges.shapeLabel(first[$0]) == edges.anyIndex }
        guard !generalised.isEmpty, nodes.count > 1 else { return varying }
        for node in nodes.dropFirst() {
            let path = search.path(to: node)
            guard path.count == first.count else { continue }
            for position in generalised where edges.labelNumber(path[position]) != edges.labelNumber(first[position]) { varying.insert(position - 1) }
            if varying.count == generalised.count { break }
        }
        return varying
    }
}

/// A path's shape so far: the parent's shape, the parent's type and detail, and how it refers on.
/// A source's shape is its number (negative); a group's key has the object's own type and detail.
struct ShapeKey: Hashable {
    var parent: Int32
    var type: UInt64
    var detail: Int32
    var label: Int32
}

/// What `why` and `top` ask of the live heap, built once per read (RetainerAnalysis.index).
struct RetainerIndex {
    var tree: DominatorTree
    var retained: [Int]
    var liveBytes: Int
    /// Nodes held from outside the graph (or immortal).
    var roots: Int
    var search: RetainerSearch
    /// Each source's name; the first `namedSources` are the named roots, then "outside" and "immortal".
    var names: [RootName]
    var namedSources: Int
    var keysAreNames: Set<Int32>
    var modules: Set<Int32>
    var outsideCounts: [Int64]
}
