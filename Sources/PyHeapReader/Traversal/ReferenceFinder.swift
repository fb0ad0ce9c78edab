import CPythonLayouts
import HeapGraph
import HeapModel
import RemoteMemory

/// Lists the objects one object references, the way its type's `tp_traverse` would visit them.
/// Every size read from the target is bounded; an object that cannot be read yields no references
/// and counts as inexact (safe: see UnreachableSet).
final class ReferenceFinder {
    let memory: CachedMemory
    let layout: PythonLayout
    /// `PyUnicode_Type`, to name dict keys that are strings.
    let strType: UInt64?
    /// Runs the target's own tp_traverse for `.emulated` plans (nil: such objects stay inexact).
    let emulation: EmulatorSession?
    /// 3.8–3.10 `lookdict`: the lookup function of dict tables whose keys dict_traverse visits.
    let generalLookup: UInt64?
    /// The dummy key of deleted set slots (`*_PySet_Dummy`), which set_traverse skips.
    let setDummy: UInt64
    /// `layout.visitsMaterializedDict`, read once (it parses the table's version).
    let materializedDictVisits: Bool
    /// Which emulated objects hold interpreter frames (their references are named by local).
    var frameLocals = FrameLocals()
    /// Also list the str keys of dicts, which dict_traverse skips (they are never tracked, so the
    /// graph does not change): the memory a dict's keys take is the dict's to retain.
    var includesStrKeys = false

    init(memory: CachedMemory, layout: PythonLayout, strType: UInt64?, generalLookup: UInt64? = nil, setDummy: UInt64 = 0,
         emulation: EmulatorSession? = nil) {
        self.memory = memory
        self.layout = layout
        self.strType = strType
        self.generalLookup = generalLookup
        self.setDummy = setDummy
        self.emulation = emulation
        materializedDictVisits = layout.visitsMaterializedDict
    }

    /// `METH_METHOD`: a PyCMethod, whose defining class meth_traverse visits.
    static let methMethod: Int32 = 0x0200

    /// Largest container pyinspect will traverse (items, dict entries, set slots).
    static let maxItems = 1 << 28

    /// Appends the referents of `object` to `out`; returns false when they could not all be read.
    func referents(of object: UInt64, traversal: Traversal, into out: inout [UInt64]) -> Bool {
        var sink = AddressSink()
        swap(&sink.addresses, &out)
        let mark = sink.addresses.count
        defer { swap(&sink.addresses, &out) }
        do {
            try visit(object, traversal, &sink)
            return true
        } catch {
            sink.addresses.removeSubrange(mark...)
            return false
        }
    }

    /// Adds the referents of `object` to the node `batch` is reading; returns false (having added
    /// none) when they could not all be read.
    func referents(of object: UInt64, traversal: Traversal, into batch: inout ReferentBatch) -> Bool {
        let mark = batch.referentCount
        do {
            try visit(object, traversal, &batch)
            return true
        } catch {
            batch.dropReferents(to: mark)
            return false
        }
    }

    /// The referents of `object` with how it refers to each (for printing paths).
    func labeledReferents(of object: UInt64, traversal: Traversal) -> [(address: UInt64, label: EdgeLabel)] {
        var sink = LabeledSink()
        do { try visit(object, traversal, &sink) } catch { return [] }
        return sink.edges
    }

    private func visit<Sink: ReferenceSink>(_ object: UInt64, _ traversal: Traversal, _ sink: inout Sink) throws(MemoryError) {
        switch traversal {
        case .opaque, .nothing:
            return
        case let .fields(offsets, labels):
            for (position, offset) in offsets.enumerated() {
                sink.add(try memory.word(at: object &+ UInt64(offset)), labels[position])
            }
        case .tuple:
            try pointerArray(at: object &+ UInt64(layout.traversal.tupleItems), count: try size(of: object), &sink) { .index($0) }
        case .list:
            let items = try memory.word(at: object &+ UInt64(layout.list.items))
            try pointerArray(at: items, count: try size(of: object), &sink) { .index($0) }
        case .dict:
            try dict(object, &sink)
        case .set:
            try set(object, &sink)
        case .frame:
            try frame(object, &sink)
        case let .array(offset, fixed):
            var count = 0
            if let fixed { count = fixed } else { count = try size(of: object) }
            try pointerArray(at: object &+ UInt64(offset), count: count, &sink) { .index($0) }
        case let .deque(deque):
            try dequeItems(object, deque, &sink)
        case let .dictSubtype(offsets, labels):
            for (position, offset) in offsets.enumerated() { sink.add(try memory.word(at: object &+ UInt64(offset)), labels[position]) }
            try dict(object, &sink)
        case let .generator(offsets, labels):
            for (position, offset) in offsets.enumerated() { sink.add(try memory.word(at: object &+ UInt64(offset)), labels[position]) }
            let f = layout.frames
            if let stateField = f.generatorFrameState, let cleared = f.generatorFrameCleared, let embedded = f.generatorInterpreterFrame,
               Int(try memory.load(Int8.self, at: object &+ UInt64(stateField))) < cleared {
                try interpreterFrame(object &+ UInt64(embedded), &sink)
            }
        case let .emulated(function):
            try emulated(object, function: function, &sink)
        case let .builtinFunction(offsets, labels, classOffset):
            if let classOffset {
                let definition = try memory.word(at: object &+ UInt64(layout.traversal.cfunctionMethodDef))
                let flags = try memory.load(Int32.self, at: definition &+ UInt64(layout.traversal.methodDefFlags))
                if flags & Self.methMethod != 0 { sink.add(try memory.word(at: object &+ UInt64(classOffset)), .attribute("mm_class")) }
            }
            for (position, offset) in offsets.enumerated() { sink.add(try memory.word(at: object &+ UInt64(offset)), labels[position]) }
        case let .instance(plan):
            for slot in plan.slots { sink.add(try memory.word(at: object &+ UInt64(slot.offset)), .attribute(slot.name)) }
            try instanceDict(object, plan.dict, &sink)
            if let type = plan.type { sink.add(type, .attribute("__class__")) }
            try visit(object, plan.base, &sink)
        }
    }

    /// `frame_traverse`.
    private func frame<Sink: ReferenceSink>(_ object: UInt64, _ sink: inout Sink) throws(MemoryError) {
        let f = layout.frames
        let fixed = PythonNames.labels(f.fieldNames["frameFields"], offsets: f.frameFields)
        for (position, offset) in f.frameFields.enumerated() { sink.add(try memory.word(at: object &+ UInt64(offset)), fixed[position]) }
        let locals = LocalNames { [self] in FrameDescriber(memory: memory, layout: layout).describe(frameObject: object)?.slotNames ?? [] }
        if let localsPlus = f.frameLocalsPlus, let codeField = f.frameCode, let nlocals = f.codeNlocals,
           let cellvars = f.codeCellvars, let freevars = f.codeFreevars, let valueStack = f.frameValueStack {
            // 3.8–3.10: fast locals, cells and free variables inline, then the value stack.
            let code = try memory.word(at: object &+ UInt64(codeField))
            let localCount = Int(try memory.load(Int32.self, at: code &+ UInt64(nlocals)))
            let cells = try size(of: try memory.word(at: code &+ UInt64(cellvars)))
            let frees = try size(of: try memory.word(at: code &+ UInt64(freevars)))
            let slots = localCount + cells + frees
            guard localCount >= 0, slots <= Self.maxFrameSlots else {
                throw MemoryError.limitExceeded(what: "frame slots", value: slots, limit: Self.maxFrameSlots)
            }
            try pointerArray(at: object &+ UInt64(localsPlus), count: slots, &sink) { locals.label($0) }
            let bottom = try memory.word(at: object &+ UInt64(valueStack))
            if let stackTop = f.frameStackTop {
                let top = try memory.word(at: object &+ UInt64(stackTop))
                if top != 0 {
                    guard top >= bottom, (top - bottom) / 8 <= UInt64(Self.maxFrameSlots) else {
                        throw MemoryError.limitExceeded(what: "value stack", value: Int(clamping: top &- bottom), limit: Self.maxFrameSlots)
                    }
                    try pointerArray(at: bottom, count: Int((top - bottom) / 8), &sink) { .attribute("<stack \($0)>") }
                }
            } else if let depthField = f.frameStackDepth {
                // -1 while the frame runs (ceval keeps the stack pointer to itself): no stack is visited.
                let depth = Int(try memory.load(Int32.self, at: object &+ UInt64(depthField)))
                guard depth >= -1, depth <= Self.maxFrameSlots else {
                    throw MemoryError.limitExceeded(what: "value stack", value: depth, limit: Self.maxFrameSlots)
                }
                try pointerArray(at: bottom, count: max(depth, 0), &sink) { .attribute("<stack \($0)>") }
            }
            return
        }
        // 3.11+: the frame object traverses its interpreter frame only when it owns it.
        if let frameField = f.frameInterpreterFrame, let ownerField = f.interpreterFrameOwner, let owned = f.ownedByFrameObject {
            let interpreter = try memory.word(at: object &+ UInt64(frameField))
            if interpreter != 0, Int(try memory.load(UInt8.self, at: interpreter &+ UInt64(ownerField))) == owned {
                try interpreterFrame(interpreter, &sink)
            }
        }
        _ = locals
    }

    /// `deque_traverse`: from the left block to the right one, items `leftindex ..< BLOCKLEN` of the
    /// first block, all of the middle ones, `0 ... rightindex` of the last (3.12+ also the type).
    private func dequeItems<Sink: ReferenceSink>(_ object: UInt64, _ d: DequeLayout, _ sink: inout Sink) throws(MemoryError) {
        if d.visitsType { sink.add(try memory.word(at: object &+ UInt64(layout.object.type)), .attribute("__class__")) }
        var block = try memory.word(at: object &+ UInt64(d.leftBlock))
        let last = try memory.word(at: object &+ UInt64(d.rightBlock))
        var low = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(d.leftIndex))))
        let high = Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(d.rightIndex))))
        guard low >= 0, low < d.blockLength, high >= -1, high < d.blockLength else {
            throw MemoryError.limitExceeded(what: "deque index", value: max(low, high), limit: d.blockLength)
        }
        var position = 0
        var blocks = 0
        while block != last {
            blocks += 1
            // A deque of n items has about n / BLOCKLEN blocks; a longer chain is corrupt or looping.
            guard blocks <= Self.maxItems / d.blockLength else {
                throw MemoryError.limitExceeded(what: "deque blocks", value: blocks, limit: Self.maxItems / d.blockLength)
            }
            let first = position
            try pointerArray(at: block &+ UInt64(d.blockData + low * 8), count: d.blockLength - low, &sink) { .index(first + $0) }
            position += d.blockLength - low
            low = 0
            block = try memory.word(at: block &+ UInt64(d.blockRightLink))
        }
        if high >= low {
            let first = position
            try pointerArray(at: block &+ UInt64(d.blockData + low * 8), count: high - low + 1, &sink) { .index(first + $0) }
        }
    }

    /// `_PyFrame_Traverse` (3.11+): fixed fields, then `localsplus[0 ..< stacktop]`.
    private func interpreterFrame<Sink: ReferenceSink>(_ frame: UInt64, _ sink: inout Sink) throws(MemoryError) {
        let f = layout.frames
        let fixed = PythonNames.labels(f.fieldNames["interpreterFrameFields"], offsets: f.interpreterFrameFields)
        for (position, offset) in f.interpreterFrameFields.enumerated() { sink.add(try memory.word(at: frame &+ UInt64(offset)), fixed[position]) }
        let locals = LocalNames { [self] in FrameDescriber(memory: memory, layout: layout).describe(interpreterFrame: frame)?.slotNames ?? [] }
        guard let localsPlus = f.interpreterFrameLocalsPlus, let stackTop = f.interpreterFrameStackTop else { return }
        let count = Int(try memory.load(Int32.self, at: frame &+ UInt64(stackTop)))
        guard count >= 0, count <= Self.maxFrameSlots else {
            throw MemoryError.limitExceeded(what: "frame slots", value: count, limit: Self.maxFrameSlots)
        }
        try pointerArray(at: frame &+ UInt64(localsPlus), count: count, &sink) { locals.label($0) }
    }

    /// No code object has more than a few thousand locals; a larger count means a corrupt frame.
    static let maxFrameSlots = 1 << 16

    private func size(of object: UInt64) throws(MemoryError) -> Int {
        let size = Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.object.size)))
        guard size >= 0, size <= Int64(Self.maxItems) else {
            throw MemoryError.limitExceeded(what: "container size", value: Int(clamping: size), limit: Self.maxItems)
        }
        return Int(size)
    }

    private func pointerArray<Sink: ReferenceSink>(at address: UInt64, count: Int, _ sink: inout Sink,
                                                   label: (Int) -> EdgeLabel) throws(MemoryError) {
        guard count > 0 else { return }
        try memory.withBytes(at: address, count: count * 8, limit: Self.maxItems * 8) { raw in
            for index in 0..<count { sink.add(raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self), label(index)) }
        }
    }

    /// `dict_traverse`: split tables visit their values array; combined tables visit each live
    /// entry's value, and its key in general (non-unicode) tables.
    /// 2.7 (no keys object): every slot of the table, a live one visiting its key and value.
    private func dict<Sink: ReferenceSink>(_ object: UInt64, _ sink: inout Sink) throws(MemoryError) {
        let d = layout.dict
        let shape = try DictShape(dict: object, memory: memory, layout: d, limit: Self.maxItems)
        let (keys, values, count, table) = (shape.keys, shape.values, shape.count, shape.table)
        if values != 0 {
            // 3.13+: values embedded in their owner object are visited by the owner, not by the dict
            // (until gh-130327: see `visitsMaterializedDict`). PyDictValues starts {capacity, size,
            // embedded, valid}: `embedded` sits just before `valid`.
            if let validField = layout.traversal.dictValuesValid, !materializedDictVisits,
               try memory.load(UInt8.self, at: values &+ UInt64(validField - 1)) != 0 {
                return
            }
            try pointerArray(at: values &+ UInt64(layout.traversal.dictValuesItems ?? 0), count: count, &sink) {
                keyLabel(table, index: $0)
            }
            return
        }
        guard count > 0 else { return }
        var visitsKeys = table.keyOffset != 0
        if visitsKeys, keys != 0, let lookupField = d.keysLookup, let generalLookup {
            visitsKeys = try memory.word(at: keys &+ UInt64(lookupField)) == generalLookup
        }
        try memory.withBytes(at: table.entries, count: count * table.entrySize, limit: Self.maxItems * 24) { raw in
            for index in 0..<count {
                let base = index * table.entrySize + table.keyOffset
                let value = raw.loadUnaligned(fromByteOffset: base + 8, as: UInt64.self)
                guard value != 0 else { continue }
                let key = raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
                sink.add(value, label(forKey: key))
                // Unicode tables visit values only, as CPython does: 3.11+ by their entry kind, 3.8–3.10
                // by their lookup function (where `lookdict` is not known, str keys are visited, which
                // changes no reachability: they are never tracked).
                if visitsKeys || includesStrKeys { sink.add(key, .attribute("<key>")) }
            }
        }
    }

    /// The label of split-table value `index`: its key lives in the shared keys' entry `index`.
    private func keyLabel(_ table: DictKeysTable, index: Int) -> EdgeLabel {
        label(forKey: (try? memory.word(at: table.keySlot(index))) ?? 0)
    }

    /// `['key']` for str keys (printed only with `--values`, or as an attribute name when they name
    /// one); other keys are described by type only (values from the target never reach the output).
    func label(forKey key: UInt64) -> EdgeLabel {
        let type = (try? memory.word(at: key &+ UInt64(layout.object.type))) ?? 0
        if type == strType, let text = try? ObjectReader(memory: memory, layout: layout).string(at: key, maxLength: Self.maxKeyLength) {
            return .key(text)
        }
        let name = (try? memory.cString(at: memory.word(at: type &+ UInt64(layout.type.name)), maxLength: 64)) ?? "?"
        return .opaqueKey(name)
    }

    /// Longer str keys are cut (module names, attribute names and cache keys are shorter).
    static let maxKeyLength = 256

    private func set<Sink: ReferenceSink>(_ object: UInt64, _ sink: inout Sink) throws(MemoryError) {
        let t = layout.traversal
        let mask = Int64(bitPattern: try memory.word(at: object &+ UInt64(t.setMask)))
        guard mask >= 0, mask < Int64(Self.maxItems) else {
            throw MemoryError.limitExceeded(what: "set mask", value: Int(clamping: mask), limit: Self.maxItems)
        }
        let slots = Int(mask) + 1
        let table = try memory.word(at: object &+ UInt64(t.setTable))
        try memory.withBytes(at: table, count: slots * t.setEntrySize, limit: Self.maxItems * t.setEntrySize) { raw in
            for index in 0..<slots {
                let key = raw.loadUnaligned(fromByteOffset: index * t.setEntrySize + t.setEntryKey, as: UInt64.self)
                if key != setDummy { sink.add(key, .element) }
            }
        }
    }

    private func instanceDict<Sink: ReferenceSink>(_ object: UInt64, _ location: DictLocation, _ sink: inout Sink) throws(MemoryError) {
        switch location {
        case .none:
            return
        case let .offset(dictOffset, basicSize, itemSize):
            var offset = dictOffset
            if offset < 0 {
                // _PyObject_GetDictPtr: counted from the end of a variable-size object, pointer aligned.
                let items = abs(Int(Int64(bitPattern: try memory.word(at: object &+ UInt64(layout.object.size)))))
                guard items <= Self.maxItems else { throw MemoryError.limitExceeded(what: "object size", value: items, limit: Self.maxItems) }
                offset += (basicSize + items * itemSize + 7) & ~7
            }
            sink.add(try memory.word(at: object &+ UInt64(bitPattern: Int64(offset))), .attribute("__dict__"))
        case let .managed311(cachedKeys):
            let values = try memory.word(at: object &- 32)
            if values != 0 { try cachedValues(values, keys: cachedKeys, count: nil, &sink) }
            sink.add(try memory.word(at: object &- 24), .attribute("__dict__"))
        case let .managed312(cachedKeys):
            let word = try memory.word(at: object &- 24)
            if word & 1 == 1 {
                try cachedValues(word &+ 1, keys: cachedKeys, count: nil, &sink)
            } else {
                sink.add(word, .attribute("__dict__"))
            }
        case let .managed313(inlineValuesAt, cachedKeys):
            if let inline = inlineValuesAt, let validField = layout.traversal.dictValuesValid {
                let values = object &+ UInt64(inline)
                if materializedDictVisits {
                    let dict = try memory.word(at: object &- 24)
                    if dict != 0 { sink.add(dict, .attribute("__dict__")); return }
                }
                if try memory.load(UInt8.self, at: values &+ UInt64(validField)) != 0 {
                    // PyDictValues: uint8 capacity first; PyObject_VisitManagedDict visits `capacity` slots.
                    let capacity = Int(try memory.load(UInt8.self, at: values))
                    try cachedValues(values, keys: cachedKeys, count: capacity, &sink)
                    return
                }
            }
            sink.add(try memory.word(at: object &- 24), .attribute("__dict__"))
        }
    }

    /// Values of a class's shared-keys layout: `count` slots, or `ht_cached_keys->dk_nentries`.
    /// Slot `i` holds the attribute named by the shared keys' entry `i`.
    private func cachedValues<Sink: ReferenceSink>(_ values: UInt64, keys: UInt64, count fixed: Int?,
                                                   _ sink: inout Sink) throws(MemoryError) {
        var count = fixed ?? 0
        if fixed == nil {
            guard keys != 0 else { return }
            guard let countField = layout.dict.keysEntryCount else { return }
            let entries = Int64(bitPattern: try memory.word(at: keys &+ UInt64(countField)))
            guard entries >= 0, entries < 1 << 16 else {
                throw MemoryError.limitExceeded(what: "shared keys", value: Int(clamping: entries), limit: 1 << 16)
            }
            count = Int(entries)
        }
        let table = keys == 0 ? nil : try? DictKeysTable(keys: keys, memory: memory, layout: layout.dict)
        try pointerArray(at: values &+ UInt64(layout.traversal.dictValuesItems ?? 0), count: count, &sink) { index in
            guard let table else { return .offset(index * 8) }
            if case let .key(name) = keyLabel(table, index: index) {
                return .attribute(name)
            }
            return .index(index)
        }
    }
}

/// Local variable names of one frame, read only if a label is actually asked for (printing a path),
/// never on the hot path.
final class LocalNames {
    private let load: () -> [String]
    private var names: [String]?

    init(_ load: @escaping () -> [String]) { self.load = load }

    func label(_ slot: Int) -> EdgeLabel {
        if names == nil { names = load() }
        if let names, slot < names.count { return .attribute(names[slot]) }
        return .attribute("<stack \(slot - (names?.count ?? 0))>")
    }
}
