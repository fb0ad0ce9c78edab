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

    func run(_ query: WhyQuery, types: [UInt64], garbageGroups: [CycleGrouping.Group], cycles: [CycleGroup]) -> WhyReport {
        let count = graph.count
        let roots = Retention.roots(targets: graph.targets, refcounts: graph.refcounts, immortal: ObjectGraph.immortal)
        let tree = DominatorTree(count: count, starts: graph.starts, targets: graph.targets, roots: roots)
        let retained = tree.retainedSizes(own: sizes)
        let liveBytes = tree.preorder.reduce(0) { $0 + sizes[Int($1)] }
        let (targets, matched, problem) = self.targets(query, types: types)
        var report = WhyReport(query: query, types: matched, objects: 0, retainedBytes: 0, liveBytes: liveBytes, groups: [],
                               garbage: 0, problem: problem)
        guard !targets.isEmpty else { return report }

        // Sources: the named roots, then every root the graph leaves unexplained.
        let named = NamedRoots(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter, graph: graph,
                               typeOf: typeOf, planner: planner, finder: finder)
        var names = named.sources.map(\.name)
        let outside = Int32(names.count), immortal = outside + 1
        names += [NamedRoots.outside(immortal: false), NamedRoots.outside(immortal: true)]
        let unexplained = roots.map { ($0, graph.refcounts[Int($0)] == ObjectGraph.immortal ? immortal : outside) }
        let search = RetainerSearch(count: count, starts: graph.starts, targets: graph.targets,
                                    tiers: [named.sources.enumerated().map { ($1.node, Int32($0)) }, unexplained])
        let keysAreNames = Set(named.sources.filter(\.keysAreNames).map(\.node))
        let modules = Set(named.sources.filter(\.isModule).map(\.node))
        let outsideCounts = Retention.outsideReferences(targets: graph.targets, refcounts: graph.refcounts)

        var live: [Int32] = []
        for target in targets {
            if search.parent[Int(target)] == RetainerSearch.unreached { report.garbage += 1 } else { live.append(target) }
        }
        report.objects = live.count
        if report.garbage > 0, let first = targets.first(where: { search.parent[Int($0)] == RetainerSearch.unreached }),
           let position = garbageGroups.firstIndex(where: { $0.nodes.contains(first) }) {
            report.garbageCycle = cycles[position]
        }
        let edges = EdgeNames(analysis: self, search: search, keysAreNames: keysAreNames, modules: modules, targets: live)

        // Shapes: a key per path node, built from its parent's (every parent comes first in `order`).
        var shapeOf: [Int32: Int32] = [:]
        var shapes: [String: Int32] = [:]
        func intern(_ text: String) -> Int32 {
            if let known = shapes[text] { return known }
            let id = Int32(shapes.count)
            shapes[text] = id
            return id
        }
        for node in edges.pathNodes {
            let parent = search.parent[Int(node)]
            if parent == RetainerSearch.source {
                shapeOf[node] = intern("root \(search.sourceOf[Int(node)] >= outside ? "" : "\(search.sourceOf[Int(node)])") \(names[Int(search.sourceOf[Int(node)])].text)")
            } else {
                shapeOf[node] = intern("\(shapeOf[parent]!) \(typeOf[Int(parent)]) \(edges.detail[parent] ?? "") \(edges.shapeLabel(of: node))")
            }
        }
        var groupOf = [Int32](repeating: -1, count: count)
        var groupKeys: [String: Int32] = [:]
        var members: [[Int32]] = []
        for target in live {
            let key = "\(shapeOf[target]!) \(typeOf[Int(target)]) \(edges.detail[target] ?? "")"
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
        let groupRetained = tree.retainedByGroup(retained: retained, groups: groupOf, groupCount: members.count)
        for target in live { groupOf[Int(target)] = 0 }
        report.retainedBytes = tree.retainedByGroup(retained: retained, groups: groupOf, groupCount: 1).first ?? 0

        report.groups = members.enumerated().map { number, nodes in
            let path = search.path(to: nodes[0])
            let source = path[0]
            let root = names[Int(search.sourceOf[Int(source)])]
            let steps = path.enumerated().map { position, node in
                CycleStep(object: ObjectRef(address: graph.addresses[Int(node)], type: typeOf[Int(node)]),
                          label: position + 1 < path.count ? edges.label[path[position + 1]] : nil, detail: edges.detail[node])
            }
            return WhyReport.Group(count: nodes.count, retainedBytes: groupRetained[number], root: root,
                                   outsideReferences: root.kind == .outside ? Int(max(0, outsideCounts[Int(source)])) : 0,
                                   steps: steps, varyingIndex: varyingIndices(nodes, first: path, search: search, edges: edges),
                                   samples: nodes.prefix(Self.samplesPerGroup).map { ObjectRef(address: graph.addresses[Int($0)], type: typeOf[Int($0)]) })
        }
        report.groups.sort {
            ($0.retainedBytes, $0.count) != ($1.retainedBytes, $1.count) ? ($0.retainedBytes, $0.count) > ($1.retainedBytes, $1.count)
                : $0.samples[0].address < $1.samples[0].address
        }
        return report
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
                return ([], [], "\(query.text) is not a tracked object of generations 0-2 (an untracked object such as a str or an int, a frozen one, or no object at all)")
            }
            return ([node], [typeOf[Int(node)]], nil)
        case let .type(name):
            let namer = TypeNamer(objects: ObjectReader(memory: memory, layout: layout))
            let matched = Set(types.filter { type in
                let info = namer.info(for: type)
                return info.name == name || info.qualified == name || info.tpName == name
            })
            guard !matched.isEmpty else { return ([], [], "no tracked object of generations 0-2 has a type named \(name)") }
            var nodes: [Int32] = []
            for node in 0..<graph.count where matched.contains(typeOf[node]) { nodes.append(Int32(node)) }
            return (nodes, matched.sorted(), nil)
        }
    }

    /// Steps of the group's first path whose list index is not the same on every path of the group.
    private func varyingIndices(_ nodes: [Int32], first: [Int32], search: RetainerSearch, edges: EdgeNames) -> Set<Int> {
        var varying = Set<Int>()
        let generalised = (1..<first.count).filter { edges.shapeLabel(of: first[$0]) == EdgeNames.anyIndex }
        guard !generalised.isEmpty, nodes.count > 1 else { return varying }
        for node in nodes.dropFirst() {
            let path = search.path(to: node)
            guard path.count == first.count else { continue }
            for position in generalised where edges.label[path[position]] != edges.label[first[position]] { varying.insert(position - 1) }
            if varying.count == generalised.count { break }
        }
        return varying
    }
}

/// The labels and details of every node on the paths to the targets: each referrer's labelled
/// referents are read once, however many of its referents lie on paths.
struct EdgeNames {
    /// Nodes on some path (every parent before its children).
    var pathNodes: [Int32] = []
    /// How each path node's parent refers to it.
    var label: [Int32: EdgeLabel] = [:]
    /// The words after a path node's type (a frame's function and line, a function's name).
    var detail: [Int32: String] = [:]
    private var tupleTypes: Set<UInt64> = []
    private var parents: [Int32: Int32] = [:]
    private var typeOfNode: [Int32: UInt64] = [:]

    /// A list or deque index as a path's shape has it.
    static let anyIndex = "[*]"

    init(analysis a: RetainerAnalysis, search: RetainerSearch, keysAreNames: Set<Int32>, modules: Set<Int32>, targets: [Int32]) {
        var onPath = Set<Int32>()
        var childrenOf: [Int32: [Int32]] = [:]
        for target in targets {
            var node = target
            while onPath.insert(node).inserted {
                let parent = search.parent[Int(node)]
                guard parent >= 0 else { break }
                childrenOf[parent, default: []].append(node)
                node = parent
            }
        }
        pathNodes = search.order.filter { onPath.contains($0) }
        if let tuple = a.symbols["PyTuple_Type"] { tupleTypes.insert(tuple) }
        for (parent, children) in childrenOf {
            let address = a.graph.addresses[Int(parent)]
            var byAddress: [UInt64: EdgeLabel] = [:]
            for edge in a.finder.labeledReferents(of: address, traversal: a.planner.traversal(ofType: a.typeOf[Int(parent)]))
            where byAddress[edge.address] == nil {
                byAddress[edge.address] = edge.label
            }
            for child in children {
                var name = byAddress[a.graph.addresses[Int(child)]] ?? .attribute("?")
                if keysAreNames.contains(parent), case let .key(key) = name, EdgeLabel.isIdentifier(key) { name = .attribute(key) }
                // A module's references outside its fields are its C module state's.
                if modules.contains(parent), case .index = name { name = .attribute("<state>") }
                label[child] = name
                parents[child] = parent
            }
            if let text = a.details.detail(parent, next: children[0]) { detail[parent] = text }
            typeOfNode[parent] = a.typeOf[Int(parent)]
        }
        for target in targets where detail[target] == nil {
            if let text = a.details.detail(target, next: target) { detail[target] = text }
        }
    }

    /// The label as the path's shape has it: values hidden, list indices generalised (a tuple's
    /// positions mean something, a list's do not).
    func shapeLabel(of node: Int32) -> String {
        guard let name = label[node] else { return "" }
        if case .index = name, let parent = parentType(of: node), !tupleTypes.contains(parent) { return Self.anyIndex }
        return name.text(showingValues: false)
    }

    private func parentType(of node: Int32) -> UInt64? { parents[node].flatMap { typeOfNode[$0] } }
}
