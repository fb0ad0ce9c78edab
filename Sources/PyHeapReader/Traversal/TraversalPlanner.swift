import CPythonLayouts
import HeapModel
import RemoteMemory

/// Decides, once per type, how its objects are traversed. Known traverse functions are recognised
/// by address: pyinspect reads `tp_traverse` from builtin type objects it finds by their exported
/// symbols, so two types share a traversal exactly when CPython would call the same function.
final class TraversalPlanner {
    private let memory: any MemoryReader
    private let layout: PythonLayout
    /// tp_traverse address -> traversal, for the builtin traverse functions pyinspect copies.
    private var known: [UInt64: Traversal] = [:]
    /// The address of `subtype_traverse`, the traverse function of every `class` statement.
    private(set) var subtypeTraverse: UInt64?
    private var plans: [UInt64: Traversal] = [:]
    /// Whether types without a native plan are traversed by their own code in the emulator.
    let emulate: Bool
    /// The series' managed-dict placement (asked of the layout once).
    private let managedDict: PythonLayout.ManagedDict?

    /// Native plans that leave out part of what the traverse function visits, used only when the
    /// emulator is off (`--verify-traversal` finds each): `module_traverse` also calls the module
    /// definition's `m_traverse` (the per-module state of extension modules), which no fixed plan can
    /// know; `odict_traverse` visits its nodes' keys, a "left_out" visit of scripts/gen-layouts.py's tables.
    static let partialPlans: Set<String> = ["PyModule_Type", "PyODict_Type"]

    static let heapTypeFlag: UInt64 = 1 << 9
    static let managedDictFlag: UInt64 = 1 << 4
    static let inlineValuesFlag: UInt64 = 1 << 2
    /// `T_OBJECT_EX` / `Py_T_OBJECT_EX`: the member kind `subtype_traverse` visits.
    static let objectMember: Int32 = 16

    /// `subtypeTraverse`: the traverse function of `class`-statement types when the caller knows it (the
    /// `tp_traverse` of such a class), for builds whose symbols do not name it and no census to infer it from.
    init(memory: any MemoryReader, layout: PythonLayout, symbols: [String: UInt64], censusTypes: [UInt64], emulate: Bool = false,
         subtypeTraverse given: UInt64? = nil) {
        self.memory = memory
        self.layout = layout
        self.emulate = emulate
        managedDict = layout.managedDict
        var builtin: [(String, Traversal)] = [
            ("PyTuple_Type", .tuple), ("PyList_Type", .list), ("PyDict_Type", .dict),
            ("PySet_Type", .set), ("PyFrozenSet_Type", .set),
        ]
        // Frames natively only where the table describes them (3.14+ frames hold tagged stack
        // references: their own frame_traverse runs in the emulator).
        if layout.frames.interpreterFrameStackTop != nil || layout.frames.frameLocalsPlus != nil {
            builtin.append(("PyFrame_Type", .frame))
        }
        let names = layout.frames.fieldNames
        for (symbol, rule) in layout.frames.arrayFields.sorted(by: { $0.key < $1.key }) {
            switch rule.count {
            case .objectSize: builtin.append((symbol, .array(offset: rule.offset, count: nil)))
            case let .fixed(count): builtin.append((symbol, .array(offset: rule.offset, count: count)))
            }
        }
        for (key, offsets) in layout.frames.dictSubtypeFields.sorted(by: { $0.key < $1.key }) where !key.contains(".") {
            builtin.append((key, .dictSubtype(offsets, labels: PythonNames.labels(names["dictSubtypeFields:\(key)"], offsets: offsets))))
        }
        for (symbol, offsets) in layout.frames.generatorFields.sorted(by: { $0.key < $1.key }) {
            builtin.append((symbol, .generator(offsets, labels: PythonNames.labels(names["generatorFields:\(symbol)"], offsets: offsets))))
        }
        for (symbol, offsets) in layout.traversal.pointerFields.sorted(by: { $0.key < $1.key }) {
            let labels = PythonNames.labels(layout.traversal.pointerFieldNames[symbol], offsets: offsets)
            if symbol == "PyCFunction_Type" {
                builtin.append((symbol, .builtinFunction(offsets, labels: labels, classOffset: layout.traversal.cmethodClass)))
            } else {
                builtin.append((symbol, .fields(offsets, labels: labels)))
            }
        }
        for (symbol, traversal) in builtin where !(emulate && Self.partialPlans.contains(symbol)) {
            guard var type = symbols[symbol] else { continue }
            // PyExc_BaseException is a pointer variable holding the type, not the type itself.
            if symbol.hasPrefix("PyExc_") { type = (try? memory.pointer(at: type)) ?? 0 }
            guard type != 0, let traverse = try? traverseFunction(of: type), traverse != 0 else { continue }
            known[traverse] = traversal
        }
        subtypeTraverse = symbols["subtype_traverse"] ?? given ?? inferSubtypeTraverse(censusTypes, object: symbols["PyBaseObject_Type"])
    }

    private var lastType: UInt64 = 0
    private var lastPlan: Traversal = .opaque

    func traversal(ofType type: UInt64) -> Traversal {
        if type == lastType && type != 0 { return lastPlan }
        if let plan = plans[type] {
            lastType = type
            lastPlan = plan
            return plan
        }
        var plan = (try? plan(for: type)) ?? .opaque
        if emulate && !plan.isExact, let function = try? traverseFunction(of: type), function != 0 {
            // No native plan, or a class whose C base has none: its own tp_traverse (for a class,
            // subtype_traverse, which calls the base's) run in the emulator.
            plan = .emulated(function: function)
        }
        plans[type] = plan
        return plan
    }

    /// The type's `tp_traverse` (0: none, or unreadable): what `--verify-traversal` runs.
    func traverseAddress(ofType type: UInt64) -> UInt64 {
        (try? traverseFunction(of: type)) ?? 0
    }

    private func traverseFunction(of type: UInt64) throws(MemoryError) -> UInt64 {
        try memory.pointer(at: type &+ UInt64(layout.traversal.typeTraverse))
    }

    private func plan(for type: UInt64) throws(MemoryError) -> Traversal {
        let traverse = try traverseFunction(of: type)
        if let known = known[traverse] { return known }
        if traverse != 0, traverse != subtypeTraverse, let asyncio = try asyncioTraversal(type) {
            known[traverse] = asyncio  // subclasses of Future/Task share the traverse function
            return asyncio
        }
        guard traverse != 0, traverse == subtypeTraverse else { return traverse == 0 ? .nothing : .opaque }
        let flags = try memory.load(UInt64.self, at: type &+ UInt64(layout.type.flags))
        guard flags & Self.heapTypeFlag != 0 else { return .opaque }

        // subtype_traverse: slots of every base that also uses subtype_traverse, then the first base that doesn't.
        var slots: [Slot] = []
        var base = type
        var depth = 0
        while try traverseFunction(of: base) == subtypeTraverse {
            depth += 1
            guard depth < 64 else { return .opaque }
            slots += try memberSlots(of: base)
            base = try memory.pointer(at: base &+ UInt64(layout.type.base))
            guard base != 0 else { return .opaque }
        }
        let baseTraverse = try traverseFunction(of: base)
        var baseTraversal: Traversal = baseTraverse == 0 ? .nothing : (known[baseTraverse] ?? .opaque)
        if baseTraversal == .opaque, let byName = try asyncioTraversal(base) {
            known[baseTraverse] = byName  // e.g. asyncio's _GatheringFuture(Future) planned before any Future
            baseTraversal = byName
        }
        // subtype_traverse visits the class unless the base is a heap type with a traverse of its
        // own (3.9+: that traverse visits Py_TYPE(self) itself). On 3.8 this can only under-count (safe).
        let baseFlags = try memory.load(UInt64.self, at: base &+ UInt64(layout.type.flags))
        let baseVisitsType = baseTraverse != 0 && baseFlags & Self.heapTypeFlag != 0
        return .instance(InstancePlan(slots: slots, dict: try dictLocation(type: type, flags: flags, base: base),
                                      type: baseVisitsType ? nil : type, base: baseTraversal))
    }

    /// Types of extension modules (`_asyncio`) and of modules compiled into libpython without an
    /// exported symbol (`functools.partial`, `collections.defaultdict`) are recognised by `tp_name`,
    /// and only when they are not `class`-statement types (the caller checks the traverse function).
    private func asyncioTraversal(_ type: UInt64) throws(MemoryError) -> Traversal? {
        let name = try memory.cString(at: memory.pointer(at: type &+ UInt64(layout.type.name)), maxLength: 64)
        let f = layout.frames
        if let offsets = f.asyncioFields[name] {
            return .fields(offsets, labels: PythonNames.labels(f.fieldNames["asyncioFields:\(name)"], offsets: offsets))
        }
        if let offsets = f.moduleFields[name] {
            return .fields(offsets, labels: PythonNames.labels(f.fieldNames["moduleFields:\(name)"], offsets: offsets))
        }
        if let deque = f.deque, name == deque.tpName { return .deque(deque) }
        if name.contains("."), let offsets = f.dictSubtypeFields[name] {
            return .dictSubtype(offsets, labels: PythonNames.labels(f.fieldNames["dictSubtypeFields:\(name)"], offsets: offsets))
        }
        return nil
    }

    /// `T_OBJECT_EX` members of a heap type: `Py_SIZE(type)` `PyMemberDef`s right after the type object.
    private func memberSlots(of type: UInt64) throws(MemoryError) -> [Slot] {
        let count = try memory.load(Int64.self, at: type &+ UInt64(layout.object.size))
        guard count > 0 else { return [] }
        guard count < 4096 else { throw MemoryError.limitExceeded(what: "members", value: Int(count), limit: 4096) }
        let metatype = try memory.pointer(at: type &+ UInt64(layout.object.type))
        let metaBasicSize = try memory.load(Int64.self, at: metatype &+ UInt64(layout.type.basicSize))
        let t = layout.traversal
        var slots: [Slot] = []
        for index in 0..<Int(count) {
            let member = type &+ UInt64(metaBasicSize) &+ UInt64(index * t.memberDefSize)
            guard try memory.load(Int32.self, at: member &+ UInt64(t.memberType)) == Self.objectMember else { continue }
            let offset = Int(try memory.load(Int64.self, at: member &+ UInt64(t.memberOffset)))
            // PyMemberDef.name is its first field.
            let name = (try? memory.cString(at: memory.pointer(at: member), maxLength: 128)) ?? "<slot +\(offset)>"
            slots.append(Slot(offset: offset, name: name))
        }
        return slots
    }

    private func dictLocation(type: UInt64, flags: UInt64, base: UInt64) throws(MemoryError) -> DictLocation {
        let t = layout.traversal
        if flags & Self.managedDictFlag != 0, let cachedKeysField = t.heapTypeCachedKeys, let managed = managedDict {
            let cachedKeys = try memory.pointer(at: type &+ UInt64(cachedKeysField))
            switch managed {
            case .valuesAndDictPointers: return .managed311(cachedKeys: cachedKeys)
            case .taggedPointer: return .managed312(cachedKeys: cachedKeys)
            case .inlineValues:
                let inline = flags & Self.inlineValuesFlag != 0
                let basicSize = try memory.load(Int64.self, at: type &+ UInt64(layout.type.basicSize))
                return .managed313(inlineValuesAt: inline ? Int(basicSize) : nil, cachedKeys: cachedKeys)
            }
        }
        let offset = try memory.load(Int64.self, at: type &+ UInt64(t.typeDictOffset))
        let baseOffset = try memory.load(Int64.self, at: base &+ UInt64(t.typeDictOffset))
        guard offset != baseOffset, offset != 0 else { return .none }
        let basicSize = try memory.load(Int64.self, at: type &+ UInt64(layout.type.basicSize))
        let itemSize = try memory.load(Int64.self, at: type &+ UInt64(layout.type.itemSize))
        return .offset(dictOffset: Int(offset), basicSize: Int(basicSize), itemSize: Int(itemSize))
    }

    /// Stripped builds do not name `subtype_traverse`. It is the traverse function of every class
    /// built by a `class` statement: among heap types whose base is `object`, the one traverse
    /// function most of them share (types from `PyType_FromSpec` each bring their own).
    private func inferSubtypeTraverse(_ types: [UInt64], object: UInt64?) -> UInt64? {
        guard let object else { return nil }
        var votes: [UInt64: Int] = [:]
        for type in types {
            guard let flags = try? memory.load(UInt64.self, at: type &+ UInt64(layout.type.flags)),
                  flags & Self.heapTypeFlag != 0,
                  (try? memory.pointer(at: type &+ UInt64(layout.type.base))) == object,
                  let traverse = try? traverseFunction(of: type), traverse != 0, known[traverse] == nil else { continue }
            votes[traverse, default: 0] += 1
        }
        let ranked = votes.sorted { $0.value > $1.value }
        guard let best = ranked.first, best.value >= 3, ranked.count < 2 || best.value >= 2 * ranked[1].value else { return nil }
        return best.key
    }
}
