/// Splits an unreachable set into cycles (strongly connected groups with at least one internal
/// reference), gives each the acyclic garbage only it holds, and counts cycles of the same shape
/// together. A shape is the multiset of member types plus the multiset of (referrer type,
/// referent type) references inside the cycle: two request cycles that differ only in addresses
/// have one shape.
public struct CycleGrouping: Sendable {
    public struct Group: Sendable {
        /// Cycles of this shape.
        public var count: Int
        /// Every node of every cycle of this shape, and of the garbage they hold.
        public var nodes: [Int32]
        /// The first cycle of this shape (its strongly connected nodes only).
        public var representative: [Int32]
    }

    /// Largest first (by nodes, then by count).
    public var groups: [Group]
    /// Unreachable nodes held by no cycle (e.g. garbage hanging off an object with a finalizer
    /// that is itself acyclic); normally empty.
    public var unattributed: Int

    public init(graph: ObjectGraph, unreachable: [Int32], typeOf: [UInt64]) {
        let components = StronglyConnected(graph: graph, nodes: unreachable)
        var isGarbage = [Bool](repeating: false, count: graph.count)
        for node in unreachable { isGarbage[Int(node)] = true }
        var owner = [Int32](repeating: -1, count: graph.count)
        var cycles: [[Int32]] = []
        for component in components.groups {
            let cyclic = component.count > 1 || graph.referents(of: Int(component[0])).contains(component[0])
            guard cyclic else { continue }
            for node in component { owner[Int(node)] = Int32(cycles.count) }
            cycles.append(component)
        }
        // Acyclic garbage belongs to the first cycle that reaches it.
        var members = cycles
        for (index, cycle) in cycles.enumerated() {
            var stack = cycle
            while let node = stack.popLast() {
                for target in graph.referents(of: Int(node)) where isGarbage[Int(target)] && owner[Int(target)] < 0 {
                    owner[Int(target)] = Int32(index)
                    members[index].append(target)
                    stack.append(target)
                }
            }
        }
        var unattributed = 0
        for node in unreachable where owner[Int(node)] < 0 { unattributed += 1 }

        struct ShapeKey: Hashable {
            var types: [UInt64]
            var held: [UInt64]
            var edges: [UInt64]
        }
        var order: [ShapeKey] = []
        var byShape: [ShapeKey: Group] = [:]
        for (index, cycle) in cycles.enumerated() {
            let inCycle = Set(cycle)
            var edges: [(UInt64, UInt64)] = []
            for node in cycle {
                for target in graph.referents(of: Int(node)) where inCycle.contains(target) {
                    edges.append((typeOf[Int(node)], typeOf[Int(target)]))
                }
            }
            edges.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            let held = members[index].dropFirst(cycle.count).map { typeOf[Int($0)] }.sorted()
            let key = ShapeKey(types: cycle.map { typeOf[Int($0)] }.sorted(), held: held,
                               edges: edges.flatMap { [$0.0, $0.1] })
            if byShape[key] == nil {
                order.append(key)
                byShape[key] = Group(count: 0, nodes: [], representative: cycle)
            }
            byShape[key]!.count += 1
            byShape[key]!.nodes += members[index]
        }
        groups = order.map { byShape[$0]! }.enumerated().sorted { lhs, rhs in
            let (l, r) = (lhs.element, rhs.element)
            if l.nodes.count != r.nodes.count { return l.nodes.count > r.nodes.count }
            if l.count != r.count { return l.count > r.count }
            return lhs.offset < rhs.offset
        }.map(\.element)
        self.unattributed = unattributed
    }
}
