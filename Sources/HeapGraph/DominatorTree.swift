/// The dominator tree of a heap graph: node `d` dominates `n` when every path from the roots to `n`
/// passes through `d`, so freeing `d` frees `n` too (Eclipse MAT's "retained set"). The roots are the
/// nodes held from outside the graph (what the collector's `update_refs`/`subtract_refs` leave with a
/// positive count), all children of one virtual root.
///
/// Lengauer–Tarjan with path compression ("simple" version, O(E log N)), iterative throughout (a
/// million-node chain must not overflow the stack), over flat `Int32` arrays.
public struct DominatorTree: Sendable {
    /// `idom[n]`: the immediate dominator of node `n`; `virtualRoot` for a node only the virtual root
    /// dominates (a root, or one reached from two roots); `unreached` for a node no root reaches.
    public var idom: [Int32]
    /// Nodes in the depth-first order of the search, the reached ones only: every dominator comes
    /// before the nodes it dominates, so a reverse walk can sum subtrees.
    public var preorder: [Int32]

    public static let virtualRoot: Int32 = -1
    public static let unreached: Int32 = -2

    /// `starts`/`targets`: the graph's references (node `i` refers to `targets[starts[i]..<starts[i+1]]`).
    public init(count: Int, starts: [Int32], targets: [Int32], roots: [Int32]) {
        precondition(starts.count == count + 1)
        // Node numbering of the search: 0 is the virtual root, node n is dfs number dfn[n] (0: unseen).
        var dfn = [Int32](repeating: 0, count: count)
        var vertex: [Int32] = [-1]          // dfs number -> node (-1: the virtual root)
        var parent: [Int32] = [0]           // dfs number -> parent's dfs number
        vertex.reserveCapacity(count + 1)
        parent.reserveCapacity(count + 1)
        // Iterative depth-first search: a stack of (dfs number, next edge to follow).
        var stack: [(Int32, Int32)] = []
        for root in roots where dfn[Int(root)] == 0 {
            dfn[Int(root)] = Int32(vertex.count)
            vertex.append(root)
            parent.append(0)
            stack.append((dfn[Int(root)], starts[Int(root)]))
            while let (number, edge) = stack.last {
                let node = Int(vertex[Int(number)])
                if edge == starts[node + 1] {
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].1 = edge + 1
                let target = Int(targets[Int(edge)])
                guard dfn[target] == 0 else { continue }
                dfn[target] = Int32(vertex.count)
                vertex.append(Int32(target))
                parent.append(number)
                stack.append((dfn[target], starts[target]))
            }
        }
        let reached = vertex.count
        // Predecessors by dfs number, compressed: the virtual root precedes every root.
        var predecessorCount = [Int32](repeating: 0, count: reached + 1)
        for number in 1..<reached {
            let node = Int(vertex[number])
            for edge in Int(starts[node])..<Int(starts[node + 1]) {
                let target = dfn[Int(targets[edge])]
                if target != 0 { predecessorCount[Int(target) + 1] += 1 }
            }
        }
        var rootMark = [Bool](repeating: false, count: reached)
        for root in roots where dfn[Int(root)] != 0 && !rootMark[Int(dfn[Int(root)])] {
            rootMark[Int(dfn[Int(root)])] = true
            predecessorCount[Int(dfn[Int(root)]) + 1] += 1
        }
        for index in 0..<reached { predecessorCount[index + 1] += predecessorCount[index] }
        var fill = Array(predecessorCount.prefix(reached))
        var predecessors = [Int32](repeating: 0, count: Int(predecessorCount[reached]))
        for number in 1..<reached {
            let node = Int(vertex[number])
            for edge in Int(starts[node])..<Int(starts[node + 1]) {
                let target = Int(dfn[Int(targets[edge])])
                guard target != 0 else { continue }
                predecessors[Int(fill[target])] = Int32(number)
                fill[target] += 1
            }
        }
        for number in 1..<reached where rootMark[number] {
            predecessors[Int(fill[number])] = 0
            fill[number] += 1
        }
        // Semidominators, then immediate dominators, in reverse dfs order.
        var semi = (0..<reached).map { Int32($0) }
        var label = semi
        var ancestor = [Int32](repeating: -1, count: reached)
        var dom = [Int32](repeating: 0, count: reached)
        var bucketHead = [Int32](repeating: -1, count: reached)
        var bucketNext = [Int32](repeating: -1, count: reached)
        var path: [Int32] = []

        // EVAL with path compression, iterative.
        func eval(_ v: Int32) -> Int32 {
            guard ancestor[Int(v)] >= 0 else { return v }
            path.removeAll(keepingCapacity: true)
            var u = v
            while ancestor[Int(ancestor[Int(u)])] >= 0 {
                path.append(u)
                u = ancestor[Int(u)]
            }
            while let w = path.popLast() {
                let a = ancestor[Int(w)]
                if semi[Int(label[Int(a)])] < semi[Int(label[Int(w)])] { label[Int(w)] = label[Int(a)] }
                ancestor[Int(w)] = ancestor[Int(a)]
            }
            return label[Int(v)]
        }

        if reached > 1 {
            for w in stride(from: reached - 1, through: 1, by: -1) {
                for index in Int(predecessorCount[w])..<Int(predecessorCount[w + 1]) {
                    let u = eval(predecessors[index])
                    if semi[Int(u)] < semi[w] { semi[w] = semi[Int(u)] }
                }
                let s = Int(semi[w])
                bucketNext[w] = bucketHead[s]
                bucketHead[s] = Int32(w)
                let p = Int(parent[w])
                ancestor[w] = Int32(p)                         // LINK(parent, w)
                var v = bucketHead[p]
                while v >= 0 {
                    let u = eval(v)
                    dom[Int(v)] = semi[Int(u)] < semi[Int(v)] ? u : Int32(p)
                    v = bucketNext[Int(v)]
                }
                bucketHead[p] = -1
            }
            for w in 1..<reached where dom[w] != semi[w] { dom[w] = dom[Int(dom[w])] }
        }
        var idom = [Int32](repeating: Self.unreached, count: count)
        for number in 1..<reached {
            let d = Int(dom[number])
            idom[Int(vertex[number])] = d == 0 ? Self.virtualRoot : vertex[d]
        }
        self.idom = idom
        preorder = Array(vertex.dropFirst())
    }

    /// What each node retains: its own size plus the sizes of every node it dominates (0 for
    /// unreached nodes).
    public func retainedSizes(own: [Int]) -> [Int] {
        var retained = [Int](repeating: 0, count: idom.count)
        for node in preorder { retained[Int(node)] = own[Int(node)] }
        for node in preorder.reversed() {
            let parent = idom[Int(node)]
            if parent >= 0 { retained[Int(parent)] += retained[Int(node)] }
        }
        return retained
    }

    /// What freeing every member of each group would free: the retained sizes of the members that
    /// no other member of their group dominates. `groups[n]`: node `n`'s group, or -1 for none.
    /// A walk of the tree keeps, per group, how many of the current node's dominators belong to it.
    public func retainedByGroup(retained: [Int], groups: [Int32], groupCount: Int) -> [Int] {
        let count = idom.count
        // Children of each node in the dominator tree, compressed; the virtual root's are the tops.
        var childStart = [Int32](repeating: 0, count: count + 1)
        var tops: [Int32] = []
        for node in preorder {
            let parent = idom[Int(node)]
            if parent >= 0 { childStart[Int(parent) + 1] += 1 } else { tops.append(node) }
        }
        for index in 0..<count { childStart[index + 1] += childStart[index] }
        var fill = Array(childStart.prefix(count))
        var children = [Int32](repeating: 0, count: Int(childStart[count]))
        for node in preorder {
            let parent = Int(idom[Int(node)])
            guard parent >= 0 else { continue }
            children[Int(fill[parent])] = node
            fill[parent] += 1
        }
        var active = [Int32](repeating: 0, count: groupCount)
        var out = [Int](repeating: 0, count: groupCount)
        // Entries are nodes; an exit is the bitwise complement of the node.
        var stack: [Int32] = tops.reversed()
        while let entry = stack.popLast() {
            let node = entry >= 0 ? entry : ~entry
            let group = Int(groups[Int(node)])
            guard entry >= 0 else {
                active[group] -= 1
                continue
            }
            if group >= 0 {
                if active[group] == 0 { out[group] += retained[Int(node)] }
                active[group] += 1
                stack.append(~node)
            }
            for child in children[Int(childStart[Int(node)])..<Int(childStart[Int(node) + 1])].reversed() { stack.append(child) }
        }
        return out
    }
}
