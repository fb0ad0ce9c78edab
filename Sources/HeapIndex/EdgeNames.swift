import HeapGraph
import HeapModel

/// How a heap names the edges and objects of its paths: read from the process (PyHeapReader) or
/// from what a snapshot stored (StoredEdgeLabels).
public protocol EdgeLabelling {
    /// How `parent` refers to each of `children`, in their order.
    func labels(of parent: Int32, children: [Int32]) -> [EdgeLabel]
    /// The words after a node's type on a path that goes on to `next` (a frame's function and line).
    func detail(_ node: Int32, next: Int32) -> String?
}

/// The labels and details of every node on the paths to the targets, numbered, in arrays the size of
/// the graph: each referrer's labelled referents are asked for once, however many lie on paths.
public struct EdgeNames {
    /// Nodes on some path (every parent before its children).
    public private(set) var pathNodes: [Int32] = []
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
    public private(set) var anyIndex: Int32 = -1

    /// `tupleType`: the type whose item positions are kept in shapes.
    public init(count: Int, search: RetainerSearch, targets: [Int32], typeOf: [UInt64], tupleType: UInt64?,
                labelling: some EdgeLabelling) {
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
        var children: [Int32] = []
        for parent in pathNodes where firstChild[Int(parent)] >= 0 {
            children.removeAll(keepingCapacity: true)
            var child = firstChild[Int(parent)]
            while child >= 0 {
                children.append(child)
                child = nextSibling[Int(child)]
            }
            let generalise = typeOf[Int(parent)] != tupleType
            for (child, name) in zip(children, labelling.labels(of: parent, children: children)) {
                labelOf[Int(child)] = number(name)
                if case .index = name, generalise { shapeLabelOf[Int(child)] = anyIndex } else { shapeLabelOf[Int(child)] = number(name.shape) }
            }
            if let text = labelling.detail(parent, next: firstChild[Int(parent)]) { detailOf[Int(parent)] = detail(text) }
        }
        for target in targets where detailOf[Int(target)] < 0 {
            if let text = labelling.detail(target, next: target) { detailOf[Int(target)] = detail(text) }
        }
    }

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

    public func label(_ node: Int32) -> EdgeLabel? { labelOf[Int(node)] >= 0 ? labels[Int(labelOf[Int(node)])] : nil }
    public func labelNumber(_ node: Int32) -> Int32 { labelOf[Int(node)] }
    public func shapeLabel(_ node: Int32) -> Int32 { shapeLabelOf[Int(node)] }
    public func detail(_ node: Int32) -> String? { detailOf[Int(node)] >= 0 ? details[Int(detailOf[Int(node)])] : nil }
    public func detailNumber(_ node: Int32) -> Int32 { detailOf[Int(node)] }
}

extension EdgeLabel {
    /// The label with values dropped (a dict's str keys are one shape, whatever the key).
    var shape: EdgeLabel {
        if case .key = self { return .opaqueKey("str") }
        return self
    }
}
