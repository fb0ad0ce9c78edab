import CPythonLayouts
import HeapGraph
import HeapModel
import RemoteMemory

/// The objects outside the collected generations, reached through the references of tracked ones: the
/// str, bytes and int payloads, and the untracked dicts and tuples of atomic values (a module-level
/// `dict[str, bytes]` cache is untracked, keys, values and all). Each is read once (its type, size,
/// refcount and, for a container, its own references), breadth-first from what tracked objects
/// reference, up to `limit` objects; and the permanent generation's (`gc.freeze()`), which may reference
/// tracked ones. The extended graph serves retention only: the collectable analysis never sees it.
struct UntrackedReferents {
    /// Untracked object `k` is node `trackedCount + k` of the extended graph.
    var addresses: [UInt64] = []
    var types: [UInt64] = []
    var sizes: [Int] = []
    var refcounts: [Int64] = []
    /// References from tracked nodes, in node order: `from` a tracked node, `to` an untracked index.
    var trackedFrom: [Int32] = []
    var trackedTo: [Int32] = []
    /// References of the untracked objects, compressed (`starts` has `addresses.count + 1` entries),
    /// to untracked indices (or, as `~node`, to a tracked node).
    var starts: [Int32] = [0]
    var targets: [Int32] = []
    /// Whether the limit cut the search short.
    var truncated = false
    /// The first `seedCount` untracked indices are the seeds (the permanent generation's objects).
    var seedCount = 0

    /// `pairs`: per shard, each tracked node's references to addresses the graph does not know;
    /// `seeds`: objects to include whatever refers to them (the permanent generation's), first.
    init(pairs: [(from: [Int32], to: [UInt64])], seeds: [UInt64] = [], graph: ObjectGraph, memory: CachedMemory, layout: PythonLayout,
         planner: TraversalPlanner, finder: ReferenceFinder, sizes sizer: ObjectSizes, limit: Int) {
        var numbers: [UInt64: Int32] = [:]
        numbers.reserveCapacity(pairs.reduce(0) { $0 + $1.to.count } / 2)
        var notObjects = Set<UInt64>()
        var typeCheck = TypeCheck(memory: memory, layout: layout)
        func number(_ address: UInt64) -> Int32? {
            if let known = numbers[address] { return known }
            guard !notObjects.contains(address) else { return nil }
            // A referent whose type is no type is not an object (a traversal may yield such words).
            guard address & 7 == 0, let type = try? memory.word(at: address &+ UInt64(layout.object.type)), typeCheck.isType(type) else {
                notObjects.insert(address)
                return nil
            }
            guard addresses.count < limit else {
                truncated = true
                return nil
            }
            let next = Int32(addresses.count)
            numbers[address] = next
            addresses.append(address)
            return next
        }
        for seed in seeds where graph.node(of: seed) == nil { _ = number(seed) }
        seedCount = addresses.count
        for shard in pairs {
            for (from, address) in zip(shard.from, shard.to) {
                guard let to = number(address) else { continue }
                trackedFrom.append(from)
                trackedTo.append(to)
            }
        }
        let immortalCheck = layout.hasImmortalObjects
        var referents: [UInt64] = []
        var position = 0
        while position < addresses.count {
            let address = addresses[position]
            position += 1
            guard let type = try? memory.word(at: address &+ UInt64(layout.object.type)),
                  let word = try? memory.word(at: address &+ UInt64(layout.object.refcount)) else {
                // Not readable as an object: kept, with nothing known of it.
                types.append(0)
                sizes.append(0)
                refcounts.append(ObjectGraph.immortal)
                starts.append(Int32(targets.count))
                continue
            }
            types.append(type)
            sizes.append(sizer.size(of: address, type: type))
            let refcount = Int64(bitPattern: word)
            refcounts.append(immortalCheck && PythonLayout.isImmortal(refcount: word) || refcount <= 0 ? ObjectGraph.immortal : refcount)
            referents.removeAll(keepingCapacity: true)
            // Extension types' own tp_traverse is emulated for the frozen objects only: an untracked
            // object of such a type is rare, and each emulated call costs microseconds.
            let plan = planner.traversal(ofType: type)
            if case .emulated = plan, position > seedCount {} else { _ = finder.referents(of: address, traversal: plan, into: &referents) }
            for referent in referents {
                if let node = graph.node(of: referent) {
                    targets.append(~node)
                } else if let to = number(referent) {
                    targets.append(to)
                }
            }
            starts.append(Int32(targets.count))
        }
    }

    /// Which words are type objects: their own type has `Py_TPFLAGS_TYPE_SUBCLASS`. Once per type.
    private struct TypeCheck {
        let memory: CachedMemory
        let layout: PythonLayout
        var known: [UInt64: Bool] = [:]

        mutating func isType(_ type: UInt64) -> Bool {
            if let answer = known[type] { return answer }
            var answer = false
            if type != 0, type & 7 == 0, let meta = try? memory.word(at: type &+ UInt64(layout.object.type)),
               let flags = try? memory.word(at: meta &+ UInt64(layout.type.flags)) {
                answer = flags & Self.typeSubclass != 0
            }
            known[type] = answer
            return answer
        }

        static let typeSubclass: UInt64 = 1 << 31
    }

    /// Most untracked objects read per tracked one (and at least a million): a bound on the search,
    /// whatever the memory holds.
    static func limit(tracked: Int) -> Int { max(1 << 20, tracked * 8) }

    /// The extended graph: the tracked nodes with their references to untracked ones added after
    /// their own, then the untracked nodes. `typeOf` and `sizes` are extended to match.
    func extend(_ graph: ObjectGraph, typeOf: inout [UInt64], sizes: inout [Int]) -> ObjectGraph {
        let tracked = graph.count, total = tracked + addresses.count
        var starts = [Int32](repeating: 0, count: total + 1)
        var targets: [Int32] = []
        targets.reserveCapacity(graph.targets.count + trackedTo.count + self.targets.count)
        var extra = 0
        for node in 0..<tracked {
            targets.append(contentsOf: graph.referents(of: node))
            while extra < trackedFrom.count && Int(trackedFrom[extra]) == node {
                targets.append(Int32(tracked) + trackedTo[extra])
                extra += 1
            }
            starts[node + 1] = Int32(targets.count)
        }
        for index in 0..<addresses.count {
            for target in self.targets[Int(self.starts[index])..<Int(self.starts[index + 1])] {
                targets.append(target < 0 ? ~target : Int32(tracked) + target)
            }
            starts[tracked + index + 1] = Int32(targets.count)
        }
        typeOf += types
        sizes += self.sizes
        return ObjectGraph(addresses: graph.addresses + addresses, refcounts: graph.refcounts + refcounts,
                           generations: graph.generations + [UInt8](repeating: HeapObjects.permanent, count: seedCount)
                               + [UInt8](repeating: Self.generation, count: addresses.count - seedCount),
                           exact: graph.exact + [Bool](repeating: true, count: addresses.count), starts: starts, targets: targets)
    }

    /// The generation recorded for an untracked object.
    static let generation: UInt8 = 255
}
