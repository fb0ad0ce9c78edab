import HeapGraph
import HeapModel

/// `why` and `top` over a heap index: the shortest path from a named root to each object asked
/// about, grouped by the path's shape, with what each group retains (over the dominator tree).
/// The same answers from a live read and from its snapshot: everything here is the graph, the
/// index and the edge labels.
///
/// A path's shape is its root, the types along it, and its labels with list indices generalised
/// (`[*]`), so ten thousand entries of one cache are one group.
public struct RetainerQueries<Labelling: EdgeLabelling> {
    public let graph: ObjectGraph
    public let typeOf: [UInt64]
    /// `sys.getsizeof` of each node.
    public let sizes: [Int]
    public let index: RetainerIndex
    /// `tuple`: its items' positions are part of a path's shape.
    public let tupleType: UInt64?
    public let labelling: Labelling

    /// Sample objects kept per group.
    public static var samplesPerGroup: Int { 3 }

    public init(graph: ObjectGraph, typeOf: [UInt64], sizes: [Int], index: RetainerIndex, tupleType: UInt64?, labelling: Labelling) {
        self.graph = graph
        self.typeOf = typeOf
        self.sizes = sizes
        self.index = index
        self.tupleType = tupleType
        self.labelling = labelling
    }

    /// `why`: `info` names a type (for a query by name). Garbage among the objects is counted; the
    /// first garbage node is returned so that the caller can show its cycle.
    public func why(_ query: WhyQuery, info: (UInt64) -> TypeInfo) -> (report: WhyReport, firstGarbage: Int32?) {
        let (targets, matched, problem) = self.targets(query, info: info)
        var report = WhyReport(query: query, types: matched, objects: 0, retainedBytes: 0, liveBytes: index.liveBytes, groups: [],
                               garbage: 0, problem: problem)
        let search = index.search
        var live: [Int32] = [], firstGarbage: Int32?
        for target in targets {
            if search.parent[Int(target)] == RetainerSearch.unreached {
                report.garbage += 1
                if firstGarbage == nil { firstGarbage = target }
            } else {
                live.append(target)
            }
        }
        report.objects = live.count
        (report.groups, report.retainedBytes) = groups(live, grouped: true)
        return (report, firstGarbage)
    }

    /// The groups of `live` (reached) nodes by path shape, largest first, and what they retain
    /// together; with `grouped: false` one group per node, in the nodes' order.
    public func groups(_ live: [Int32], grouped: Bool) -> ([WhyReport.Group], Int) {
        guard !live.isEmpty else { return ([], 0) }
        let search = index.search, names = index.names, count = graph.count
        let edges = EdgeNames(count: count, search: search, targets: live, typeOf: typeOf, tupleType: tupleType, labelling: labelling)
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
                                   steps: steps, varyingIndex: varyingIndices(nodes, first: path, edges: edges),
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

    /// The nodes asked about, the types that matched, and why there are none when there are none.
    private func targets(_ query: WhyQuery, info: (UInt64) -> TypeInfo) -> ([Int32], [UInt64], String?) {
        switch query {
        case let .address(address):
            guard let node = graph.node(of: address) else {
                return ([], [], "\(query.text) is no object pyinspect reached: neither a tracked object of generations 0-2 nor an untracked one they reference")
            }
            return ([node], [typeOf[Int(node)]], nil)
        case let .type(name):
            let matched = Set(Set(typeOf).filter { type in
                let info = info(type)
                return info.name == name || info.qualified == name || info.tpName == name
            })
            guard !matched.isEmpty else { return ([], [], "no object pyinspect reached has a type named \(name)") }
            var nodes: [Int32] = []
            for node in 0..<graph.count where matched.contains(typeOf[node]) { nodes.append(Int32(node)) }
            return (nodes, matched.sorted(), nil)
        }
    }

    /// Steps of the group's first path whose list index is not the same on every path of the group.
    private func varyingIndices(_ nodes: [Int32], first: [Int32], edges: EdgeNames) -> Set<Int> {
        var varying = Set<Int>()
        let generalised = (1..<first.count).filter { edges.shapeLabel(first[$0]) == edges.anyIndex }
        guard !generalised.isEmpty, nodes.count > 1 else { return varying }
        for node in nodes.dropFirst() {
            let path = index.search.path(to: node)
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
