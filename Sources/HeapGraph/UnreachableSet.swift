/// The set a full collection would find unreachable now, computed the way the collector does
/// (`update_refs`, `subtract_refs`, `move_unreachable` in Modules/gcmodule.c) on a copy of the graph:
///
/// 1. each object starts with its refcount;
/// 2. every reference from another collected object is subtracted;
/// 3. what is left over is held from outside the collected set: those objects, and everything
///    they reach, are reachable; the rest is unreachable.
///
/// Why a partial traversal is safe: a reference pyinspect cannot see is never subtracted, so its
/// target keeps a positive count and counts as held from outside. Missing references can only make
/// objects look reachable, never unreachable. Only a reference that does not exist could make a
/// live object look like garbage, which is why traversals copy CPython's exactly or not at all.
public struct UnreachableSet: Sendable {
    /// Nodes found unreachable, in node order.
    public var nodes: [Int32]
    /// Nodes whose count went below zero: more references were found to them than their refcount
    /// allows, which means the copy was inconsistent. They are treated as reachable.
    public var overcounted: [Int32]

    /// `assumedReferences`: more references (holder, target), for those an untraversed object may
    /// hold: subtracted like the others and followed from their holder. A node they push below zero
    /// is not a root; only the real references decide what is overcounted.
    public init(graph: ObjectGraph, assumedReferences: [(holder: Int32, target: Int32)] = []) {
        let count = graph.count
        var assumedFrom: [Int32: [Int32]] = [:]
        for reference in assumedReferences { assumedFrom[reference.holder, default: []].append(reference.target) }
        var remaining = graph.refcounts
        var reachable = [Bool](repeating: false, count: count)
        var overcounted: [Int32] = []
        // Raw buffers: this runs over every reference of the heap, and slices would retain per node.
        graph.starts.withUnsafeBufferPointer { starts in
            graph.targets.withUnsafeBufferPointer { targets in
                remaining.withUnsafeMutableBufferPointer { remaining in
                    reachable.withUnsafeMutableBufferPointer { reachable in
                        // subtract_refs: every reference inside the set, whoever holds it.
                        for target in targets { remaining[Int(target)] &-= 1 }
                        var stack: [Int32] = []
                        for node in 0..<count where remaining[node] < 0 {
                            overcounted.append(Int32(node))
                            reachable[node] = true
                            stack.append(Int32(node))
                        }
                        for reference in assumedReferences where remaining[Int(reference.target)] > 0 {
                            remaining[Int(reference.target)] &-= 1
                        }
                        for node in 0..<count where remaining[node] > 0 {
                            reachable[node] = true
                            stack.append(Int32(node))
                        }
                        // Everything a root reaches is reachable too. Each node is pushed at most once.
                        while let node = stack.popLast() {
                            for edge in Int(starts[Int(node)])..<Int(starts[Int(node) + 1]) {
                                let target = Int(targets[edge])
                                if !reachable[target] {
                                    reachable[target] = true
                                    stack.append(Int32(target))
                                }
                            }
                            // Only for the coverage hint: the common pass pays no lookup per node.
                            if !assumedFrom.isEmpty, let assumed = assumedFrom[node] {
                                for target in assumed where !reachable[Int(target)] {
                                    reachable[Int(target)] = true
                                    stack.append(target)
                                }
                            }
                        }
                    }
                }
            }
        }
        nodes = (0..<count).compactMap { reachable[$0] ? nil : Int32($0) }
        self.overcounted = overcounted
    }
}
