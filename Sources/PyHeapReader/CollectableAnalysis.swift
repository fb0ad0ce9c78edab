import CPythonLayouts
import HeapGraph
import HeapIndex
import HeapModel
import RemoteMemory

/// Finds what a full collection would free: extracts the reference graph of every tracked object in
/// generations 0–2 (the permanent generation is never collected) and runs the collector's
/// reachability computation on it.
struct CollectableAnalysis {
    let memory: CachedMemory
    let layout: PythonLayout
    let symbols: [String: UInt64]
    var progress: ProgressHandler? = nil
    /// Emulation of the types without a native plan, and `--verify-traversal`.
    var traversal = TraversalOptions()
    /// The main `PyInterpreterState`, for `sys.path` (files on paths are shown relative to it); 0: unknown.
    var interpreter: UInt64 = 0
    /// The permanent generation's objects (`gc.freeze()`): with `includeUntracked`, part of the heap
    /// index (roots of their own), never of the collected graph.
    var frozen: [UInt64] = []
    /// Their types: they vote on which traverse function is subtype_traverse too (after gc.freeze()
    /// the collected generations may hold few heap types).
    var frozenTypes: [UInt64] = []

    /// `objects` are the tracked objects of generations 0-2; without `keepObjects` they are moved
    /// out (and freed with the analysis).
    /// With `recordObjects`, also returns every object with its size, refcount, references and
    /// whether it is collectable (for snapshots).
    /// With `why`, also the retainer paths of the objects it asks about (RetainerAnalysis).
    /// With `includeUntracked`, the recorded objects and the retainer paths also cover the untracked
    /// objects tracked ones reach (UntrackedReferents).
    /// With `top`, the ranking of the live heap by retained size, with paths (RetainerQueries.top).
    /// With `recordPaths` (and `includeUntracked`), what a snapshot needs to answer `why` and `top` later.
    func run(objects: inout TrackedObjects, generations: [TypeCensus], keepObjects: Bool, recordObjects: Bool = false,
             why: WhyQuery? = nil, top: TopQuery? = nil, includeUntracked: Bool = false, recordPaths: Bool = false,
             clock: inout PhaseClock) -> Outcome {
        // Nodes are numbered in address order: the index then maps an address to its node with no
        // table between, and snapshots are written in their key order.
        let (index, sorted) = Self.sortedByAddress(objects)
        if !keepObjects { objects = TrackedObjects() }
        let addresses = sorted.addresses, typeOf = sorted.types, generationOf = sorted.generations
        clock.mark("index")
        // Every distinct type, numbered: each is planned once and looked up by number per object.
        var types = Array(Set(generations.flatMap { $0.byType.keys }))
        var typeNumbers = TypeCounter()
        for (number, type) in types.enumerated() { typeNumbers.add(type, count: number + 1) }
        // Heap types vote for which traverse function is subtype_traverse (stripped builds).
        var candidateTypes = types + Set(frozenTypes)
        if let typeType = symbols["PyType_Type"] {
            for (address, type) in zip(addresses, typeOf) where type == typeType { candidateTypes.append(address) }
            for (address, type) in zip(frozen, frozenTypes) where type == typeType { candidateTypes.append(address) }
        }
        let planner = TraversalPlanner(memory: memory, layout: layout, symbols: symbols, censusTypes: Array(Set(candidateTypes)),
                                       emulate: traversal.emulate || traversal.verify)
        let plans = types.map { planner.traversal(ofType: $0) }
        let emulatedPlans = plans.map { if case .emulated = $0 { return true } else { return false } }
        let verifyFunctions = traversal.verify ? types.map { planner.traverseAddress(ofType: $0) } : []
        types.removeAll()
        // Contiguous shares of the nodes, one per core, each reading through its own view of the copy.
        var views: [CachedMemory] = [memory]
        if addresses.count >= Self.parallelThreshold {
            while views.count < Parallel.cores, let view = memory.concurrentView() { views.append(view) }
        }
        let usesEmulator = traversal.verify || emulatedPlans.contains(true)
        let traversal = traversal, shares = views.count
        func emulation() -> EmulatorSession? { usesEmulator ? EmulatorSession(options: traversal, shares: shares) : nil }
        let setDummy = (symbols["_PySet_Dummy"] ?? symbols["setobject.c:dummy"]).flatMap { try? memory.pointer(at: $0) } ?? 0
        let finder = ReferenceFinder(memory: memory, layout: layout, strType: symbols[layout.nameStringTypeSymbol],
                                     generalLookup: symbols["lookdict"], setDummy: setDummy, emulation: emulation())
        finder.frameLocals = FrameLocals(symbols: symbols)
        finder.includesStrKeys = includeUntracked
        let ranges = Parallel.ranges(of: addresses.count, shares: views.count)
        let immortalCheck = layout.hasImmortalObjects
        let exactPlans = plans.map(\.isExact)
        var shards = Parallel.map(shares: views.count) { share -> Shard in
            let memory = views[share]
            let finder = share == 0 ? finder : ReferenceFinder(memory: memory, layout: layout, strType: finder.strType,
                                                               generalLookup: finder.generalLookup, setDummy: setDummy,
                                                               emulation: emulation())
            finder.frameLocals = FrameLocals(symbols: symbols)
            finder.includesStrKeys = includeUntracked
            let plans = share == 0 ? plans : plans.map { $0.privateCopy() }
            let sizes = recordObjects || why != nil || top != nil ? objectSizes(memory) : nil
            var shard = Shard(builder: ObjectGraphBuilder(addresses: addresses, generations: generationOf, index: index, nodes: ranges[share]))
            // Batches of nodes: read every object of the batch, then look all its references up at once.
            var batch = ReferentBatch(capacity: Self.batchSize)
            defer { batch.deallocate() }
            for first in stride(from: ranges[share].lowerBound, to: ranges[share].upperBound, by: Self.batchSize) {
                let nodes = first..<min(first + Self.batchSize, ranges[share].upperBound)
                if share == 0 && first > 0 && first % (Self.batchSize * 64) == 0 { progress?("references", first * views.count, addresses.count) }
                batch.reset()
                for node in nodes {
                    let number = typeNumbers.count(of: typeOf[node]) - 1
                    var exact = false
                    if number >= 0 {
                        exact = exactPlans[number]
                        if !finder.referents(of: addresses[node], traversal: plans[number], into: &batch) {
                            exact = false
                            if emulatedPlans[number], shard.reasons[typeOf[node]] == nil {
                                shard.reasons[typeOf[node]] = finder.emulation?.lastFailure
                            }
                        } else if emulatedPlans[number] {
                            shard.emulated[typeOf[node], default: 0] += 1
                        } else if !verifyFunctions.isEmpty {
                            shard.verifier.verify(addresses[node], type: typeOf[node], plan: plans[number],
                                                  function: verifyFunctions[number], finder: finder)
                        }
                    }
                    batch.endNode(refcount: refcountOf(addresses[node], memory: memory, immortalCheck: immortalCheck), exact: exact)
                    if exact { shard.exact += 1 } else { shard.inexact[typeOf[node], default: 0] += 1 }
                    if let sizes { shard.sizes.append(sizes.size(of: addresses[node], type: typeOf[node])) }
                }
                shard.builder.finish(batchFrom: nodes.lowerBound, batch)
                if includeUntracked { shard.collectUntracked(batch, first: nodes.lowerBound, index: index) }
            }
            shard.emulationCalls = finder.emulation?.calls ?? 0
            shard.emulationNanoseconds = finder.emulation?.nanoseconds ?? 0
            return shard
        }
        var coverage = Coverage(tracked: addresses.count, exact: 0, inexactByType: [:])
        var recordedSizes: [Int] = []
        if recordObjects || why != nil || top != nil { recordedSizes = shards.flatMap(\.sizes) }
        for shard in shards {
            coverage.exact += shard.exact
            coverage.inexactByType.merge(shard.inexact, uniquingKeysWith: +)
            coverage.emulatedByType.merge(shard.emulated, uniquingKeysWith: +)
            coverage.inexactReasons.merge(shard.reasons) { first, _ in first }
            coverage.emulationCalls += shard.emulationCalls
            coverage.emulationSeconds += Double(shard.emulationNanoseconds) / 1e9
        }
        for type in coverage.inexactByType.keys where coverage.inexactReasons[type] == nil {
            coverage.inexactReasons[type] = "pyinspect has no plan for its tp_traverse"
        }
        let verification = verifyFunctions.isEmpty ? nil : TraversalVerifier.merged(shards.map(\.verifier))
        let untrackedPairs = shards.map { (from: $0.untrackedFrom, to: $0.untrackedTo) }
        var builders = shards.map(\.builder)
        shards = []
        let graph = ObjectGraphBuilder.join(&builders)
        clock.mark("references")
        let unreachable = UnreachableSet(graph: graph)
        clock.mark("unreachable")
        var census = TypeCensus(objects: [])
        var byGeneration = [0, 0, 0]
        for node in unreachable.nodes.map(Int.init) {
            census.count += 1
            census.byType[typeOf[node], default: 0] += 1
            census.objects!.append(ObjectRef(address: addresses[node], type: typeOf[node]))
            byGeneration[Int(generationOf[node])] += 1
        }
        if coverage.exact < coverage.tracked {
            coverage.inexactSuspectByType = suspects(graph: graph, typeOf: typeOf)
        }
        let grouping = CycleGrouping(graph: graph, unreachable: unreachable.nodes, typeOf: typeOf)
        let paths = CyclePaths(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter, graph: graph,
                               typeOf: typeOf, planner: planner, finder: finder).paths(for: grouping.groups)
        var cycles = zip(grouping.groups, paths).map { group, path -> CycleGroup in
            var byType: [UInt64: Int] = [:]
            for node in group.nodes { byType[typeOf[Int(node)], default: 0] += 1 }
            var cycle = CycleGroup(count: group.count, objects: group.nodes.count, byType: byType, path: path.steps,
                                   sample: group.representative.map { ObjectRef(address: addresses[Int($0)], type: typeOf[Int($0)]) })
            cycle.note = path.note
            return cycle
        }
        // The heap index for retention: the graph with the frozen objects and the untracked ones it reaches.
        var heap = graph, heapTypes = typeOf, heapSizes = recordedSizes, frozenNodes = 0
        if includeUntracked {
            let untracked = UntrackedReferents(pairs: untrackedPairs, seeds: frozen, graph: graph, memory: memory, layout: layout, planner: planner,
                                               finder: finder, sizes: objectSizes(memory), limit: UntrackedReferents.limit(tracked: graph.count))
            heap = untracked.extend(graph, typeOf: &heapTypes, sizes: &heapSizes)
            frozenNodes = untracked.seedCount
            clock.mark("untracked")
        }
        var answers = RetainerAnswers()
        if why != nil || top != nil || recordPaths {
            answers = retainerAnswers(heap: heap, typeOf: heapTypes, sizes: heapSizes, frozen: Int32(graph.count)..<Int32(graph.count + frozenNodes),
                                      why: why, top: top, recordPaths: recordPaths, grouping: grouping, cycles: cycles,
                                      planner: planner, finder: finder)
            clock.mark("retainers")
        }
        let garbagePosition = Dictionary(uniqueKeysWithValues: unreachable.nodes.enumerated().map { ($1, $0) })
        let held = heldMemory(unreachable.nodes, graph: graph, typeOf: typeOf, planner: planner, finder: finder)
        for (index, group) in grouping.groups.enumerated() {
            cycles[index].heldBytes = group.nodes.reduce(0) { $0 + held.perGarbageNode[garbagePosition[$1]!] }
        }
        let ranked = cycles.indices.sorted { (cycles[$0].heldBytes, cycles[$0].objects) > (cycles[$1].heldBytes, cycles[$1].objects) }
        cycles = ranked.map { cycles[$0] }
        if answers.paths != nil {
            for (rank, position) in ranked.enumerated() {
                for node in grouping.groups[position].nodes { answers.paths!.cycleOf[node] = Int32(rank) }
            }
        }
        clock.mark("cycles")
        var set = CollectableSet(census: census, byGeneration: byGeneration,
                                 coverage: coverage,
                                 overcounted: unreachable.overcounted.map { ObjectRef(address: addresses[Int($0)], type: typeOf[Int($0)]) },
                                 cycles: cycles)
        set.verification = verification
        set.uncollectable = LegacyFinalizerAnalysis(memory: memory, layout: layout, symbols: symbols)
            .run(unreachable: unreachable.nodes, graph: graph, typeOf: typeOf)
        set.bytes = held.own
        set.bytesByType = held.ownByType
        set.untrackedBytes = held.untracked
        set.untrackedObjects = held.untrackedObjects
        var outcome = Outcome(set: set, why: answers.why, top: answers.top)
        outcome.paths = answers.paths
        guard recordObjects else { return outcome }
        var collectable = [Bool](repeating: false, count: heap.count)
        for node in unreachable.nodes { collectable[Int(node)] = true }
        let recorded = HeapObjects(addresses: heap.addresses, types: heapTypes, generations: heap.generations, sizes: heapSizes,
                                   refcounts: heap.refcounts.map { $0 == ObjectGraph.immortal ? HeapObjects.immortal : $0 },
                                   collectable: collectable, starts: heap.starts, targets: heap.targets)
        outcome.objects = recorded
        return outcome
    }

    /// What one run found; `objects`, `why` and `top` only when asked.
    struct Outcome {
        var set: CollectableSet
        var objects: HeapObjects?
        var why: WhyReport?
        var top: RetentionSummary?
        var paths: HeapPaths?
    }

    /// The inexact objects, per type, that stand between suspected garbage and a verdict: assuming
    /// each holds a reference to every tracked object whose address a word of its memory (its basic
    /// size, at most 4 KiB) holds, they would not be reachable. The assumption only feeds this hint;
    /// the collectable set never rests on it.
    private func suspects(graph: ObjectGraph, typeOf: [UInt64]) -> [UInt64: Int] {
        var assumed: [(holder: Int32, target: Int32)] = []
        for node in 0..<graph.count where !graph.exact[node] {
            let object = graph.addresses[node]
            guard let size = try? memory.load(Int64.self, at: typeOf[node] &+ UInt64(layout.type.basicSize)),
                  size > 16, size <= 4096 else { continue }
            // Words past the header (refcount, type): the type is visited by the type's own rules.
            _ = try? memory.withBytes(at: object &+ 16, count: Int(size) - 16) { raw in
                for offset in stride(from: 0, to: raw.count - 7, by: 8) {
                    if let target = graph.node(of: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) {
                        assumed.append((Int32(node), target))
                    }
                }
            }
        }
        var byType: [UInt64: Int] = [:]
        for node in UnreachableSet(graph: graph, assumedReferences: assumed).nodes where !graph.exact[Int(node)] {
            byType[typeOf[Int(node)], default: 0] += 1
        }
        return byType
    }

    /// The objects in address order, and an index whose node numbers are their positions.
    private static func sortedByAddress(_ objects: TrackedObjects) -> (AddressIndex, TrackedObjects) {
        let total = objects.count
        let shares = Parallel.ranges(of: total, shares: total >= parallelThreshold ? Parallel.cores : 1)
        let index: AddressIndex, numbers: [Int32]
        if let ranked = AddressIndex.rankedByAddress(objects.addresses) {
            index = ranked
            numbers = [Int32](unsafeUninitializedCapacity: total) { buffer, count in
                let destination = UncheckedPointer(buffer.baseAddress)
                Parallel.run(shares: shares.count) { share in
                    for position in shares[share] {
                        (destination.pointer! + position).initialize(to: ranked.node(of: objects.addresses[position])!)
                    }
                }
                count = total
            }
        } else {
            (index, numbers) = AddressIndex.numberedByAddress(objects.addresses)
        }
        var sorted = TrackedObjects()
        sorted.addresses = reordered(objects.addresses, by: numbers, shares: shares)
        sorted.types = reordered(objects.types, by: numbers, shares: shares)
        sorted.generations = reordered(objects.generations, by: numbers, shares: shares)
        return (index, sorted)
    }

    /// `column` with element `i` moved to position `numbers[i]` (a permutation), in parallel.
    private static func reordered<T>(_ column: [T], by numbers: [Int32], shares: [Range<Int>]) -> [T] {
        [T](unsafeUninitializedCapacity: column.count) { buffer, count in
            let destination = UncheckedPointer(buffer.baseAddress)
            Parallel.run(shares: shares.count) { share in
                column.withUnsafeBufferPointer { column in
                    numbers.withUnsafeBufferPointer { numbers in
                        for position in shares[share] { (destination.pointer! + Int(numbers[position])).initialize(to: column[position]) }
                    }
                }
            }
            count = column.count
        }
    }

    /// `sys.getsizeof` for objects read through `memory`.
    func objectSizes(_ memory: CachedMemory) -> ObjectSizes {
        ObjectSizes(memory: memory, layout: layout, strType: symbols["PyUnicode_Type"], listType: symbols["PyList_Type"],
                    setTypes: Set([symbols["PySet_Type"], symbols["PyFrozenSet_Type"]].compactMap { $0 }),
                    dictType: symbols["PyDict_Type"], frameType: symbols["PyFrame_Type"],
                    orderedDictType: symbols["PyODict_Type"],
                    generatorTypes: Set(["PyGen_Type", "PyCoro_Type", "PyAsyncGen_Type"].compactMap { symbols[$0] }),
                    longType: symbols["PyLong_Type"])
    }

    /// Objects read before their references are looked up together.
    static let batchSize = 4096

    /// Below this many objects one thread is fast enough.
    static let parallelThreshold = 4096

    /// What one thread found for its share of the nodes.
    private struct Shard {
        var builder: ObjectGraphBuilder
        var exact = 0
        var inexact: [UInt64: Int] = [:]
        var emulated: [UInt64: Int] = [:]
        var reasons: [UInt64: String] = [:]
        var emulationCalls = 0
        var emulationNanoseconds: UInt64 = 0
        var verifier = TraversalVerifier()
        var sizes: [Int] = []
        /// References to objects the graph does not know (untracked ones), by referring node.
        var untrackedFrom: [Int32] = []
        var untrackedTo: [UInt64] = []

        mutating func collectUntracked(_ batch: ReferentBatch, first: Int, index: AddressIndex) {
            let ends = batch.nodeEnds, addresses = batch.addresses
            var start = 0
            for (offset, end) in ends.enumerated() {
                for position in start..<end where index.node(of: addresses[position]) == nil {
                    untrackedFrom.append(Int32(first + offset))
                    untrackedTo.append(addresses[position])
                }
                start = end
            }
        }
    }

    struct HeldMemory {
        var own = 0
        var ownByType: [UInt64: Int] = [:]
        var untracked = 0
        var untrackedObjects = 0
        /// Own size plus this node's share of untracked objects, per garbage node (by position in
        /// the garbage list: an array the size of the whole heap would cost more than the garbage).
        var perGarbageNode: [Int] = []
    }

    /// Own sizes of the garbage, plus every untracked object whose refcount equals the number of
    /// references the garbage holds to it (so nothing else keeps it alive).
    private func heldMemory(_ garbage: [Int32], graph: ObjectGraph, typeOf: [UInt64], planner: TraversalPlanner,
                            finder: ReferenceFinder) -> HeldMemory {
        let sizes = objectSizes(memory)
        var held = HeldMemory(perGarbageNode: [Int](repeating: 0, count: garbage.count))
        var references: [UInt64: (count: Int, holder: Int)] = [:]
        var referents: [UInt64] = []
        for (position, node) in garbage.enumerated() {
            let index = Int(node)
            let own = sizes.size(of: graph.addresses[index], type: typeOf[index])
            held.own += own
            held.ownByType[typeOf[index], default: 0] += own
            held.perGarbageNode[position] += own
            referents.removeAll(keepingCapacity: true)
            _ = finder.referents(of: graph.addresses[index], traversal: planner.traversal(ofType: typeOf[index]), into: &referents)
            for address in referents where graph.node(of: address) == nil {
                references[address, default: (0, position)].count += 1
            }
        }
        let immortalCheck = layout.hasImmortalObjects
        for (address, reference) in references {
            guard let type = try? memory.word(at: address &+ UInt64(layout.object.type)),
                  let word = try? memory.word(at: address &+ UInt64(layout.object.refcount)) else { continue }
            let refcount = Int64(bitPattern: word)
            let immortal = immortalCheck && PythonLayout.isImmortal(refcount: word)
            guard !immortal, refcount == Int64(reference.count) else { continue }
            let size = sizes.size(of: address, type: type)
            held.untracked += size
            held.untrackedObjects += 1
            held.perGarbageNode[reference.holder] += size
        }
        return held
    }

    /// `ob_refcnt`; immortal objects (3.12+: the low 32 bits negative as int32) never count as garbage.
    /// An unreadable header makes the object a root (reachable), the safe side.
    private func refcountOf(_ object: UInt64, memory: CachedMemory, immortalCheck: Bool) -> Int64 {
        guard let word = try? memory.word(at: object &+ UInt64(layout.object.refcount)) else { return ObjectGraph.immortal }
        if immortalCheck && PythonLayout.isImmortal(refcount: word) { return ObjectGraph.immortal }
        let value = Int64(bitPattern: word)
        return value > 0 ? value : ObjectGraph.immortal
    }
}

/// A buffer that threads of `Parallel.run` fill at disjoint positions.
private struct UncheckedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>?
    init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}
