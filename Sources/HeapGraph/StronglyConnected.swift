/// Strongly connected groups of a subset of a graph's nodes (Tarjan's algorithm, iterative, so a
/// million-node cycle cannot overflow the stack). Only edges between members of the subset count.
public struct StronglyConnected: Sendable {
    /// Each group's nodes, in node order; groups in order of their smallest node.
    public var groups: [[Int32]]

    public init(graph: ObjectGraph, nodes subset: [Int32]) {
        let count = graph.count
        var member = [Bool](repeating: false, count: count)
        for node in subset { member[Int(node)] = true }
        var index = [Int32](repeating: -1, count: count)
        var lowLink = [Int32](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int32] = []
        var next: Int32 = 0
        var groups: [[Int32]] = []
        // Explicit call stack of (node, position in its referent list).
        var frames: [(node: Int32, edge: Int32)] = []

        for root in subset where index[Int(root)] < 0 {
            frames.append((root, graph.starts[Int(root)]))
            index[Int(root)] = next; lowLink[Int(root)] = next; next += 1
            stack.append(root); onStack[Int(root)] = true
            while var frame = frames.popLast() {
                let node = Int(frame.node)
                let end = graph.starts[node + 1]
                var descended = false
                while frame.edge < end {
                    let target = Int(graph.targets[Int(frame.edge)])
                    frame.edge += 1
                    guard member[target] else { continue }
                    if index[target] < 0 {
                        frames.append(frame)
                        frames.append((Int32(target), graph.starts[target]))
                        index[target] = next; lowLink[target] = next; next += 1
                        stack.append(Int32(target)); onStack[target] = true
                        descended = true
                        break
                    } else if onStack[target] {
                        lowLink[node] = min(lowLink[node], index[target])
                    }
                }
                if descended { continue }
                if lowLink[node] == index[node] {
                    var group: [Int32] = []
                    while let top = stack.popLast() {
                        onStack[Int(top)] = false
                        group.append(top)
                        if Int(top) == node { break }
                    }
                    groups.append(group.sorted())
                }
                if let parent = frames.last {
                    lowLink[Int(parent.node)] = min(lowLink[Int(parent.node)], lowLink[node])
                }
            }
        }
        self.groups = groups.sorted { $0[0] < $1[0] }
    }
}

extension ObjectGraph {
    /// The shortest cycle through `start` that stays inside `group` (breadth-first), as the list of
    /// nodes after `start` ending with `start` itself; nil if `start` is on no cycle (a lone node
    /// without a self-reference).
    public func shortestCycle(through start: Int32, within group: Set<Int32>) -> [Int32]? {
        shortestPath(from: start, to: start, within: group)
    }

    /// The shortest walk from `from` to `to` inside `group` (breadth-first) that passes through none
    /// of `avoiding` on the way, as the nodes after `from` ending with `to`; from a node to itself,
    /// the shortest cycle through it. nil when there is none.
    public func shortestPath(from: Int32, to: Int32, within group: Set<Int32>, avoiding: Set<Int32> = []) -> [Int32]? {
        var parent: [Int32: Int32] = [:]
        var queue: [Int32] = [from]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for target in referents(of: Int(node)) where group.contains(target) {
                if target == to {
                    var path: [Int32] = [to]
                    var cursor = node
                    while cursor != from {
                        path.append(cursor)
                        cursor = parent[cursor]!
                    }
                    return path.reversed()
                }
                if target != from && parent[target] == nil && !avoiding.contains(target) {
                    parent[target] = node
                    queue.append(target)
                }
            }
        }
        return nil
    }
}
