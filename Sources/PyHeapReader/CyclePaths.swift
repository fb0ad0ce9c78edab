import CPythonLayouts
import HeapGraph
import HeapModel
import RemoteMemory

/// Chooses the one path printed for each cycle shape, so that it passes through what makes the
/// shape what it is and no two shapes print the same text.
///
/// * It starts at the object a reader would look for first: an exception, else an instance of a
///   class, else a generator or coroutine, else a frame, else a function, else anything (the rarest
///   type in the cycle first, then by type name, then by address).
/// * When the cycle holds a traceback, the path goes through it (an exception's path shows the
///   traceback and the frame that keep it): the shortest walk from the start to the traceback and back.
/// * Shapes are told apart by CycleGrouping: by the types in the cycle, the types of the garbage it
///   holds, and the references between types inside it. They stay distinct (each has its own
///   count, memory and `--cycle` number); merging two would make a shape's numbers describe a mix.
///   When two shapes' paths print the same, a shape that has more objects of some type in its cycle
///   than the other is routed through one of them (`Node.items -> list[0] -> Node` beside
///   `Node.me -> Node`). Paths that still print the same get a note of the types that differ off
///   the path: `Node.me -> Node (+ 1 list off the path)`. Shapes whose only difference lies in how
///   objects off the path refer to each other are numbered: `(variant 2 of 2)`.
/// * When the path passes through no exception, the exceptions and tracebacks the shape holds off
///   it (garbage the cycle holds without being part of it) are noted:
///   `Job.me -> Job (+ 1 Aborted, 1 traceback off the path)`.
struct CyclePaths {
    let memory: CachedMemory
    let layout: PythonLayout
    let symbols: [String: UInt64]
    let graph: ObjectGraph
    let typeOf: [UInt64]
    let planner: TraversalPlanner
    let finder: ReferenceFinder
    let details: StepDetails
    /// `cr_` / `ag_`: how a coroutine's and an async generator's fields are named in Python.
    private let generatorPrefix: [UInt64: String]

    init(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64], interpreter: UInt64, graph: ObjectGraph,
         typeOf: [UInt64], planner: TraversalPlanner, finder: ReferenceFinder) {
        self.memory = memory
        self.layout = layout
        self.symbols = symbols
        self.graph = graph
        self.typeOf = typeOf
        self.planner = planner
        self.finder = finder
        generatorPrefix = [symbols["PyCoro_Type"], symbols["PyAsyncGen_Type"]].enumerated().reduce(into: [:]) { prefixes, entry in
            if let type = entry.element { prefixes[type] = entry.offset == 0 ? "cr_" : "ag_" }
        }
        details = StepDetails(memory: memory, layout: layout, symbols: symbols, interpreter: interpreter, graph: graph, typeOf: typeOf)
    }

    /// One cycle through a shape's representative, as the walk after `start` back to it.
    private struct Choice {
        var members: Set<Int32>
        var start: Int32
        var waypoints: [Int32] = []
        var route: [Int32] = []
        var steps: [CycleStep] = []
        /// What the steps print (type, detail, label) without values, for comparing paths.
        var key: [String] = []
        /// Types in the cycle (the representative), and in one cycle with the garbage it holds.
        var inCycle: [UInt64: Int]
        var perCycle: [UInt64: Int]
    }

    /// The path and note of each group, in the groups' order.
    func paths(for groups: [CycleGrouping.Group]) -> [(steps: [CycleStep], note: PathNote?)] {
        let kinds = TypeKinds(memory: memory, layout: layout, symbols: symbols)
        var choices = groups.map { initialChoice($0, kinds) }
        for _ in 0..<Self.reroutingRounds {
            guard reroute(&choices, kinds) else { break }
        }
        let notes = notes(choices, kinds)
        return choices.indices.map { (choices[$0].steps, notes[$0]) }
    }

    /// The shortest cycle from the start through the nearest traceback, if the cycle has one.
    private func initialChoice(_ group: CycleGrouping.Group, _ kinds: TypeKinds) -> Choice {
        var perCycle: [UInt64: Int] = [:]
        for node in group.nodes { perCycle[typeOf[Int(node)], default: 0] += 1 }
        if group.count > 1 { perCycle = perCycle.mapValues { $0 / group.count } }
        let inCycle = counts(group.representative)
        var choice = Choice(members: Set(group.representative), start: group.representative.first ?? 0,
                            inCycle: inCycle, perCycle: perCycle)
        guard let start = group.representative.min(by: { startOrder($0, inCycle, kinds) < startOrder($1, inCycle, kinds) }) else {
            return choice
        }
        choice.start = start
        if kinds.kind(of: typeOf[Int(start)]) != .traceback,
           let traceback = nearest(from: start, within: choice.members, where: { kinds.kind(of: typeOf[Int($0)]) == .traceback }) {
            choice.waypoints = [traceback]
        }
        route(&choice)
        return choice
    }

    /// Routes each path that prints the same as another's through an object of a type its cycle has
    /// more of than another's, not on its path yet. Returns whether any path changed.
    private func reroute(_ choices: inout [Choice], _ kinds: TypeKinds) -> Bool {
        var changed = false
        for clash in clashes(choices.map(\.key)) {
            for index in clash {
                let others = clash.filter { $0 != index }
                let onPath = counts(choices[index].route)
                let extra = choices[index].inCycle.filter { type, count in
                    count > onPath[type, default: 0] && others.contains { choices[$0].inCycle[type, default: 0] < count }
                }
                let route = Set(choices[index].route)
                guard let type = extra.keys.min(by: { (extra[$0]!, kinds.name($0), $0) < (extra[$1]!, kinds.name($1), $1) }),
                      let waypoint = nearest(from: choices[index].start, within: choices[index].members,
                                             where: { typeOf[Int($0)] == type && !route.contains($0) }) else { continue }
                choices[index].waypoints.append(waypoint)
                self.route(&choices[index])
                changed = true
            }
        }
        return changed
    }

    /// Paths that still print the same: the types that differ off the path, else a variant number.
    /// A path without an exception: the exceptions and tracebacks off it.
    private func notes(_ choices: [Choice], _ kinds: TypeKinds) -> [PathNote?] {
        var notes = [PathNote?](repeating: nil, count: choices.count)
        var differing = [Set<UInt64>](repeating: [], count: choices.count)
        let offPath = choices.map { choice in
            choice.perCycle.merging(counts(choice.route)) { $0 - $1 }.filter { $0.value > 0 }
        }
        for clash in clashes(choices.map(\.key)) {
            let types = Set(clash.flatMap { offPath[$0].keys })
            let varying = types.filter { type in Set(clash.map { offPath[$0][type, default: 0] }).count > 1 }
            for index in clash { differing[index] = varying }
        }
        for index in choices.indices {
            let showsException = choices[index].route.contains { kinds.kind(of: typeOf[Int($0)]) == .exception }
            let shown = offPath[index].filter { type, _ in
                differing[index].contains(type) || (!showsException && [.exception, .traceback].contains(kinds.kind(of: type)))
            }
            if !shown.isEmpty { notes[index] = PathNote(offPath: shown) }
        }
        for clash in clashes(choices.indices.map { choices[$0].key + Self.noteKey(notes[$0]) }) {
            for (number, index) in clash.enumerated() {
                notes[index] = PathNote(offPath: notes[index]?.offPath ?? [:], variant: (number + 1, clash.count))
            }
        }
        return notes
    }

    /// Rounds of rerouting paths that print the same; what is left after them gets notes.
    private static let reroutingRounds = 3

    private func counts(_ nodes: [Int32]) -> [UInt64: Int] {
        var counts: [UInt64: Int] = [:]
        for node in Set(nodes) { counts[typeOf[Int(node)], default: 0] += 1 }
        return counts
    }

    private func startOrder(_ node: Int32, _ inCycle: [UInt64: Int], _ kinds: TypeKinds) -> (Int, Int, String, UInt64) {
        let type = typeOf[Int(node)]
        return (kinds.kind(of: type).rawValue, inCycle[type] ?? 0, kinds.name(type), graph.addresses[Int(node)])
    }

    /// Indices of the keys that occur more than once, in groups (each in index order).
    private func clashes(_ keys: [[String]]) -> [[Int]] {
        var byKey: [[String]: [Int]] = [:]
        for (index, key) in keys.enumerated() where !key.isEmpty { byKey[key, default: []].append(index) }
        return byKey.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }

    private static func noteKey(_ note: PathNote?) -> [String] {
        guard let note else { return [] }
        return ["+"] + note.offPath.sorted { $0.key < $1.key }.map { "\($0.key)x\($0.value)" }
    }

    /// The member nearest to `start` (breadth-first along references) that satisfies `wanted`.
    private func nearest(from start: Int32, within members: Set<Int32>, where wanted: (Int32) -> Bool) -> Int32? {
        var seen: Set<Int32> = [start]
        var queue: [Int32] = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for target in graph.referents(of: Int(node)) where members.contains(target) && seen.insert(target).inserted {
                if wanted(target) { return target }
                queue.append(target)
            }
        }
        return nil
    }

    /// Walks from the start through each waypoint and back (revisiting a node only when there is no
    /// other way), then names every step.
    private func route(_ choice: inout Choice) {
        var walk: [Int32] = []
        var current = choice.start
        for target in choice.waypoints + [choice.start] {
            let avoiding = Set(walk + [choice.start]).subtracting([target])
            guard let part = graph.shortestPath(from: current, to: target, within: choice.members, avoiding: avoiding)
                    ?? graph.shortestPath(from: current, to: target, within: choice.members) else { return }
            walk += part
            current = target
        }
        choice.route = walk
        choice.steps = []
        var from = choice.start
        for next in walk {
            let address = graph.addresses[Int(from)], target = graph.addresses[Int(next)]
            var label = finder.labeledReferents(of: address, traversal: planner.traversal(ofType: typeOf[Int(from)]))
                .first { $0.address == target }?.label
            if case let .attribute(name)? = label, name.hasPrefix("gi_"), let prefix = generatorPrefix[typeOf[Int(from)]] {
                // Coroutines share gen_traverse with generators, and with it the generator's field names.
                label = .attribute(prefix + name.dropFirst(3))
            }
            choice.steps.append(CycleStep(object: ObjectRef(address: address, type: typeOf[Int(from)]), label: label,
                                          detail: details.detail(from, next: next)))
            from = next
        }
        // The last step is the start again: its type closes the cycle, its detail was said at the start.
        choice.steps.append(CycleStep(object: ObjectRef(address: graph.addresses[Int(choice.start)], type: typeOf[Int(choice.start)]),
                                      label: nil))
        choice.key = Self.key(choice.steps, dictType: symbols["PyDict_Type"])
    }

    /// What a path prints by default, step by step: `X.__dict__ -> dict['attr']` prints the
    /// attribute's name (CyclePath), other dict keys print as `[<str>]`.
    static func key(_ steps: [CycleStep], dictType: UInt64?) -> [String] {
        steps.enumerated().map { index, step in
            var label = step.label?.text(showingValues: false) ?? ""
            if case let .key(name)? = step.label, EdgeLabel.isIdentifier(name), index > 0, step.object.type == dictType,
               steps[index - 1].label == .attribute("__dict__") {
                label = "." + name
            }
            return "\(step.object.type) \(step.detail ?? "") \(label)"
        }
    }
}

/// What kind of object a type makes, in the order a path prefers to start at them.
private final class TypeKinds {
    enum Kind: Int { case exception, instance, generator, frame, function, traceback, other }

    private let memory: CachedMemory
    private let layout: PythonLayout
    private let symbols: [String: UInt64]
    private var kinds: [UInt64: Kind] = [:]
    private var names: [UInt64: String] = [:]

    init(memory: CachedMemory, layout: PythonLayout, symbols: [String: UInt64]) {
        self.memory = memory
        self.layout = layout
        self.symbols = symbols
    }

    /// `Py_TPFLAGS_BASE_EXC_SUBCLASS`.
    static let exceptionFlag: UInt64 = 1 << 30

    func kind(of type: UInt64) -> Kind {
        if let known = kinds[type] { return known }
        let flags = (try? memory.word(at: type &+ UInt64(layout.type.flags))) ?? 0
        let kind: Kind
        if flags & Self.exceptionFlag != 0 {
            kind = .exception
        } else if type == symbols["PyTraceBack_Type"] {
            kind = .traceback
        } else if ["PyGen_Type", "PyCoro_Type", "PyAsyncGen_Type"].contains(where: { symbols[$0] == type }) {
            kind = .generator
        } else if type == symbols["PyFrame_Type"] {
            kind = .frame
        } else if type == symbols["PyFunction_Type"] {
            kind = .function
        } else if flags & TraversalPlanner.heapTypeFlag != 0 && type != symbols["PyType_Type"] {
            kind = .instance
        } else {
            kind = .other
        }
        kinds[type] = kind
        return kind
    }

    /// `tp_name`, to order types the same way in every run ("" when unreadable).
    func name(_ type: UInt64) -> String {
        if let known = names[type] { return known }
        let name = (try? memory.cString(at: memory.word(at: type &+ UInt64(layout.type.name)), maxLength: 128)) ?? ""
        names[type] = name
        return name
    }
}
