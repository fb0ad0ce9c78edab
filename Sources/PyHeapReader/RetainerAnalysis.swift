import CPythonLayouts
import HeapGraph
import HeapIndex
import HeapModel
import RemoteMemory

/// The heap index of a live read (HeapIndex) with its paths named from the process: the named roots
/// (NamedRoots), and each edge named as cycle paths name it, read from the copy.
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

    /// Roots, dominators, retained sizes and the shortest paths from the named roots: once per read.
    /// `frozen`: the nodes of the permanent generation, a root of their own after the named ones.
    func queries(frozen: Range<Int32> = 0..<0) -> (RetainerQueries<LiveEdgeLabels>, [NamedRoots.Source]) {
        let named = NamedRoots(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter, graph: graph,
                               typeOf: typeOf, planner: planner, finder: finder)
        let index = RetainerIndex(graph: graph, sizes: sizes, sources: named.sources.map { PathSource(node: $0.node, name: $0.name) },
                                  frozen: frozen)
        let labels = LiveEdgeLabels(analysis: self, keysAreNames: Set(named.sources.filter(\.keysAreNames).map(\.node)),
                                    modules: Set(named.sources.filter(\.isModule).map(\.node)))
        return (RetainerQueries(graph: graph, typeOf: typeOf, sizes: sizes, index: index, tupleType: symbols["PyTuple_Type"], labelling: labels),
                named.sources)
    }

    /// Whether objects of `type` are classes (`Py_TPFLAGS_TYPE_SUBCLASS` on their type).
    static func isType(_ type: UInt64, memory: CachedMemory, layout: PythonLayout) -> Bool {
        guard let flags = try? memory.load(UInt64.self, at: type &+ UInt64(layout.type.flags)) else { return false }
        return flags & (1 << 31) != 0
    }
}

/// Edge labels read from the process: a referrer's labelled referents (ReferenceFinder), with a
/// module's globals printed as names and a module's other references as its C state.
struct LiveEdgeLabels: EdgeLabelling {
    let analysis: RetainerAnalysis
    /// Module dicts: their keys are global names (`.CACHE`), not dict keys.
    let keysAreNames: Set<Int32>
    /// Module objects: what they hold outside their fields is their module state (`.<state>`).
    let modules: Set<Int32>

    /// Referrers with fewer referents are searched, not indexed.
    static let linearScanLimit = 16

    func labels(of parent: Int32, children: [Int32]) -> [EdgeLabel] {
        let a = analysis
        let edges = a.finder.labeledReferents(of: a.graph.addresses[Int(parent)], traversal: a.planner.traversal(ofType: a.typeOf[Int(parent)]))
        var byAddress: [UInt64: EdgeLabel] = [:]
        let indexed = edges.count > Self.linearScanLimit
        if indexed { for edge in edges.reversed() { byAddress[edge.address] = edge.label } }
        return children.map { child in
            let address = a.graph.addresses[Int(child)]
            var name = (indexed ? byAddress[address] : edges.first { $0.address == address }?.label) ?? .attribute("?")
            if keysAreNames.contains(parent), case let .key(key) = name, EdgeLabel.isIdentifier(key) { name = .attribute(key) }
            // A module's references outside its fields are its C module state's.
            if modules.contains(parent), case .index = name { name = .attribute("<state>") }
            return name
        }
    }

    func detail(_ node: Int32, next: Int32) -> String? { analysis.details.detail(node, next: next) }
}
