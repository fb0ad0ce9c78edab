import HeapGraph
import HeapModel

/// The labels and details of every node on the paths to the targets, numbered, in arrays the size of
/// the graph: each referrer's labelled referents are read once, however many of them lie on paths.
struct EdgeNames {
    /// Nodes on some path (every parent before its children).
    private(set) var pathNodes: [Int32] = []
    /// The distinct labels; `labelOf[n]`: how node `n`'s parent refers to it (-1: not on a path).
    private var labels: [EdgeLabel] = []
    private var labelOf: [Int32]
    /// The label as a path's shape has it: list indices generalised (a tuple's positions mean
    /// something, a list's do not).
    private var shapeLabelOf: [Int32]
    /// The words after a node's type (a frame's function and line, a function's name).
    private var details: [String] = []
    private var detailOf: [Int32]
    private var numbers: [EdgeLabel: Int32] = [:]
    private var detailNumbers: [String: Int32] = [:]
    /// The shape label of a generalised index, `[*]`.
    private(set) var anyIndex: Int32 = -1

    init(analysis a: RetainerAnalysis, search: RetainerSearch, keysAreNames: Set<Int32>, modules: Set<Int32>, targets: [Int32]) {
        let count = a.graph.count
        labelOf = [Int32](repeating: -1, count: count)
        shapeLabelOf = labelOf
        detailOf = labelOf
        // Children on paths, as linked lists through two arrays.
        var firstChild = [Int32](repeating: -1, count: count), nextSibling = firstChild
        var onPath = [Bool](repeating: false, count: count)
        for target in targets {
            var node = target
            while !onPath[Int(node)] {
                onPath[Int(node)] = true
                let parent = search.parent[Int(node)]
                guard parent >= 0 else { break }
                nextSibling[Int(node)] = firstChild[Int(parent)]
                firstChild[Int(parent)] = node
                node = parent
            }
        }
        pathNodes = search.order.filter { onPath[Int($0)] }
        anyIndex = number(.anyIndex)
        let tuple = a.symbols["PyTuple_Type"]
        for parent in pathNodes where firstChild[Int(parent)] >= 0 {
            let edges = a.finder.labeledReferents(of: a.graph.addresses[Int(parent)], traversal: a.planner.traversal(ofType: a.typeOf[Int(parent)]))
            var byAddress: [UInt64: EdgeLabel] = [:]
            let indexed = edges.count > Self.linearScanLimit
            if indexed { for edge in edges.reversed() { byAddress[edge.address] = edge.label } }
            var child = firstChild[Int(parent)]
            let generalise = a.typeOf[Int(parent)] != tuple
            while child >= 0 {
                let address = a.graph.addresses[Int(child)]
                var name = (indexed ? byAddress[address] : edges.first { $0.address == address }?.label) ?? .attribute("?")
                if keysAreNames.contains(parent), case let .key(key) = name, EdgeLabel.isIdentifier(key) { name = .attribute(key) }
                // A module's references outside its fields are its C module state's.
                if modules.contains(parent), case .index = name { name = .attribute("<state>") }
                labelOf[Int(child)] = number(name)
                if case .index = name, generalise { shapeLabelOf[Int(child)] = anyIndex } else { shapeLabelOf[Int(child)] = number(name.shape) }
                child = nextSibling[Int(child)]
            }
            if let text = a.details.detail(parent, next: firstChild[Int(parent)]) { detailOf[Int(parent)] = detail(text) }
        }
        for target in targets where detailOf[Int(target)] < 0 {
            if let text = a.details.detail(target, next: target) { detailOf[Int(target)] = detail(text) }
        }
    }

    /// Referrers with fewer referents are searched, not indexed.
    static let linearScanLimit = 16

    private mutating func number(_ label: EdgeLabel) -> Int32 {
        if let known = numbers[label] { return known }
        labels.append(label)
        numbers[label] = Int32(labels.count - 1)
        return Int32(labels.count - 1)
    }

    /// Details are numbered by text: the same function and line in two frames is one shape.
    private mutating func detail(_ text: String) -> Int32 {
        if let known = detailNumbers[text] { return known }
        details.append(text)
        detailNumbers[text] = Int32(details.count - 1)
        return Int32(details.count - 1)
    }

    func label(_ node: Int32) -> EdgeLabel? { labelOf[Int(node)] >= 0 ? labels[Int(labelOf[Int(node)])] : nil }
    func labelNumber(_ node: Int32) -> Int32 { labelOf[Int(node)] }
    func shapeLabel(_ node: Int32) -> Int32 { shapeLabelOf[Int(node)] }
    func detail(_ node: Int32) -> String? { detailOf[Int(node)] >= 0 ? details[Int(detailOf[Int(node)])] : nil }
    func detailNumber(_ node: Int32) -> Int32 { detailOf[Int(node)] }
}

extension EdgeLabel {
    /// The label with values dropped (a dict's str keys are one shape, whatever the key).
    var shape: EdgeLabel {
        if case .key = self { return .opaqueKey("str") }
        return self
    }
}
