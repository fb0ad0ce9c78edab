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
        let roots = Self.roots(targets: targets, refcounts: refcounts, immortal: immortal)
        tree = DominatorTree(count: count, starts: starts, targets: targets, roots: roots)
        self.roots = roots
        retained = tree.retainedSizes(own: own)
        live = tree.preorder.reduce(0) { $0 + own[Int($1)] }
        retainedByType = Self.byType(tree: tree, retained: retained, types: types)
    }

    /// The nodes held from outside the graph, in node order: their refcount exceeds the references
    /// the graph explains, or they are immortal.
    public static func roots(targets: [Int32], refcounts: [Int64], immortal: Int64) -> [Int32] {
        let remaining = outsideReferences(targets: targets, refcounts: refcounts)
        var roots: [Int32] = []
        for node in refcounts.indices where remaining[node] > 0 || refcounts[node] == immortal { roots.append(Int32(node)) }
        return roots
    }

    /// Each node's refcount minus the references to it the graph holds.
    public static func outsideReferences(targets: [Int32], refcounts: [Int64]) -> [Int64] {
        var remaining = refcounts
        for target in targets { remaining[Int(target)] &-= 1 }
        return remaining
    }

    /// Each node's type numbered, then the tree's per-group sums (DominatorTree.retainedByGroup).
    public static func byType(tree: DominatorTree, retained: [Int], types: [UInt64]) -> [UInt64: Int] {
        var numbers: [UInt64: Int32] = [:]
        var distinct: [UInt64] = []
        var groups = [Int32](repeating: -1, count: types.count)
        var last: (type: UInt64, number: Int32) = (0, -1)
        for node in tree.preorder {
            let type = types[Int(node)]
            if type != last.type || last.number < 0 {
                if let known = numbers[type] {
                    last = (type, known)
                } else {
                    last = (type, Int32(distinct.count))
                    numbers[type] = last.number
                    distinct.append(type)
                }
            }
            groups[Int(node)] = last.number
        }
        let sums = tree.retainedByGroup(retained: retained, groups: groups, groupCount: distinct.count)
        return Dictionary(uniqueKeysWithValues: zip(distinct, sums))
    }
}
