/// What each tracked object keeps alive: the dominator tree of the live heap, rooted in what is held
/// from outside the graph, and the retained sizes over it (Eclipse MAT's retained heap).
///
/// Roots are found the collector's way: an object whose refcount exceeds the references the graph
/// explains is held by something outside it (a C global, a thread's frame, an untracked container),
/// as is every immortal object. Garbage (nothing outside holds it) is reached from no root and
/// retains nothing here; the collectable analysis explains it.
public struct Retention: Sendable {
    public var tree: DominatorTree
    /// Nodes held from outside the graph, in node order.
    public var roots: [Int32]
    /// Own size plus the sizes of every node each one dominates.
    public var retained: [Int]
    /// For each type (by the position `typeOf` gives it), what freeing every object of that type
    /// would free: the retained sizes of its objects that no other object of the type dominates.
    public var retainedByType: [UInt64: Int]
    /// The own sizes of every node a root reaches.
    public var live: Int

    /// `refcounts`: `ob_refcnt` of each node, `immortal` for immortal objects.
    public init(starts: [Int32], targets: [Int32], refcounts: [Int64], immortal: Int64, types: [UInt64], own: [Int]) {
        let count = refcounts.count
        var remaining = refcounts
        for target in targets { remaining[Int(target)] &-= 1 }
        var roots: [Int32] = []
        for node in 0..<count where remaining[node] > 0 || refcounts[node] == immortal { roots.append(Int32(node)) }
        tree = DominatorTree(count: count, starts: starts, targets: targets, roots: roots)
        self.roots = roots
        retained = tree.retainedSizes(own: own)
        live = tree.preorder.reduce(0) { $0 + own[Int($1)] }
        retainedByType = Self.byType(tree: tree, retained: retained, types: types)
    }

    /// A walk of the dominator tree that counts, per type, how many of the current node's dominators
    /// are of that type: a node adds its retained size to its type only when none is.
    private static func byType(tree: DominatorTree, retained: [Int], types: [UInt64]) -> [UInt64: Int] {
        let count = tree.idom.count
        // Children of each node in the dominator tree, compressed (the virtual root's are the tops).
        var childCount = [Int32](repeating: 0, count: count + 1)
        var tops: [Int32] = []
        for node in tree.preorder {
            let parent = tree.idom[Int(node)]
            if parent >= 0 { childCount[Int(parent) + 1] += 1 } else { tops.append(node) }
        }
        for index in 0..<count { childCount[index + 1] += childCount[index] }
        var fill = Array(childCount.prefix(count))
        var children = [Int32](repeating: 0, count: Int(childCount[count]))
        for node in tree.preorder {
            let parent = Int(tree.idom[Int(node)])
            guard parent >= 0 else { continue }
            children[Int(fill[parent])] = node
            fill[parent] += 1
        }
        var typeIndex: [UInt64: Int] = [:]
        var active: [Int32] = []
        var byIndex: [Int] = []
        var out: [UInt64: Int] = [:]
        // (node, entering?) pairs: on entry count its type in, on exit out.
        var stack: [(Int32, Bool)] = tops.reversed().map { ($0, true) }
        while let (node, entering) = stack.popLast() {
            let type = types[Int(node)]
            let index: Int
            if let known = typeIndex[type] {
                index = known
            } else {
                index = active.count
                typeIndex[type] = index
                active.append(0)
                byIndex.append(0)
            }
            guard entering else {
                active[index] -= 1
                continue
            }
            if active[index] == 0 { byIndex[index] += retained[Int(node)] }
            active[index] += 1
            stack.append((node, false))
            for child in children[Int(childCount[Int(node)])..<Int(childCount[Int(node) + 1])] { stack.append((child, true)) }
        }
        for (type, index) in typeIndex { out[type] = byIndex[index] }
        return out
    }
}
